// One Argilla sync: for each configured dataset that moved, read every record with its responses, turn
// the responses that changed since the last sync into annotation rows (and tombstones for responses that
// stopped being submitted or were deleted), write them as one Parquet file to vessel-annotations (or as
// several within `fileBounds`: the backfill), send the ingest message R2 would send, and only then advance
// the state. Returns a report; never throws for expected failures (Argilla refusing or unavailable, a
// dataset missing, R2 or the warehouse down).
import { AppError, errorMessage, isAppError } from '../errors.ts';
import type { R2Event } from '../ingest/event.ts';
import { localObjectEvent } from '../ingest/local-upload.ts';
import { PROMPT_DISCOVERY } from '../ingest/object-store.ts';
import type { Logger } from '../log.ts';
import { writeParquetFile } from '../parquet/write.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { type ArgillaClient, ArgillaRefusal, MAX_TERMS } from './client.ts';
import type { ArgillaDatasetConfig, ArgillaDatasets } from './config.ts';
import { type EncodedFile, encodeWithin, type FileUnit } from './files.ts';
import {
  type AnnotationRow,
  annotatorOf,
  type FlattenContext,
  flattenContext,
  flattenResponse,
  recordKeys,
  tombstoneRow,
  unusedLabels,
} from './flatten.ts';
import { type ArgillaDataset, type ArgillaTime, argillaTimeMicros } from './schemas.ts';
import { type ResponseStateWrite, readDatasetState, readResponseStates, saveSyncState } from './state.ts';

/** What a sync is asked to do. The webhook queue consumer calls syncArgilla with `recordIds`. */
export interface SyncRequest {
  readonly trigger: 'cron' | 'api' | 'webhook' | 'reconcile' | 'backfill';
  /** Dataset names or ids among the configured ones; all configured when absent. */
  readonly datasets?: readonly string[];
  /** Only these Argilla records (a targeted sync): never skipped, and the dataset's marker does not move. */
  readonly recordIds?: readonly string[];
  /** Read datasets whose last_activity_at did not move too (catches responses created in bulk). */
  readonly full?: boolean;
  /**
   * Bounds of each file written: a dataset's rows go to as many files as they need, and the state of the
   * responses in a file is saved as soon as that file is written (a long run that stops resumes). Absent:
   * one file per dataset and sync, the state saved once at the end.
   */
  readonly fileBounds?: FileBounds;
  /** Read and flatten everything, but write no file and save no state: the report lists the files it would write. */
  readonly dryRun?: boolean;
}

/** At most this many rows, and this many bytes of Parquet, per file (a response's rows never split). */
export interface FileBounds {
  readonly maxRows: number;
  readonly maxBytes: number;
}

/** What a long sync says as it goes (the backfill CLI prints it). */
export type SyncProgress =
  | { readonly kind: 'page'; readonly dataset: string; readonly records: number; readonly total: number }
  | { readonly kind: 'file'; readonly dataset: string; readonly file: WrittenFile; readonly dryRun: boolean };

/** The one bucket method the sync uses (an R2 bucket binding has it). */
export interface SyncBucket {
  /** `customMetadata` is stored with the object (R2 custom metadata). */
  put(
    key: string,
    body: Uint8Array,
    customMetadata?: Record<string, string>,
  ): Promise<{ readonly etag: string; readonly size: number } | null>;
}

export interface ArgillaSyncDeps {
  readonly argilla: ArgillaClient;
  readonly warehouse: Warehouse;
  /** The vessel-annotations bucket. */
  readonly bucket: SyncBucket;
  readonly bucketName: string;
  /**
   * Sends the ingest message R2 would send for a written file. NOTE: in production R2's own event
   * notification does this, so the Worker passes a no-op there (one message, not two).
   */
  readonly notify: (event: R2Event) => Promise<void>;
  readonly datasets: ArgillaDatasets;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly log: Logger;
  /** Records per search page, default 1,000 (Argilla's most). */
  readonly pageSize?: number;
  readonly progress?: (event: SyncProgress) => void;
}

export interface WrittenFile {
  readonly bucket: string;
  readonly key: string;
  readonly batchId: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface DatasetReport {
  readonly name: string;
  readonly id: string | null;
  readonly outcome: 'skipped' | 'synced' | 'failed';
  /** Why it was skipped or failed. */
  readonly reason?: string;
  /** For failures: the error code, Argilla's HTTP status and its own error code when it sent them. */
  readonly error?: { readonly code: string; readonly status?: number; readonly argillaCode?: string | null };
  readonly records: number;
  /** Responses that changed since the last sync (new, edited, status changed). */
  readonly responses: number;
  readonly spans: number;
  readonly proposals: number;
  /** Submitted responses with a proposal but no span: no row can carry the proposal (see docs/argilla.md). */
  readonly proposalsWithoutSpans: number;
  /** Responses whose earlier rows a tombstone closed: discarded, back to draft, deleted, or no span left. */
  readonly closed: number;
  readonly deleted: number;
  readonly convertedOffsets: number;
  readonly refusedOffsets: number;
  /** Records without the value record_id or document_id comes from. */
  readonly unmappedRecords: number;
  /** Labels of the span questions no submitted span uses; null when not every record was read. */
  readonly unusedLabels: readonly string[] | null;
  /** The last file written (the only one unless `fileBounds` split the rows); in a dry run, the last one planned. */
  readonly file: WrittenFile | null;
  /** Every file written (in a dry run: that would be written), in order. */
  readonly files: readonly WrittenFile[];
  readonly warnings: readonly string[];
}

export interface SyncReport {
  readonly trigger: SyncRequest['trigger'];
  readonly full: boolean;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly datasets: readonly DatasetReport[];
  readonly totals: {
    readonly skipped: number;
    readonly synced: number;
    readonly failed: number;
    readonly records: number;
    readonly responses: number;
    readonly spans: number;
    readonly proposals: number;
    readonly convertedOffsets: number;
    readonly refusedOffsets: number;
    /** Files written (in a dry run: that would be written). */
    readonly filesWritten: number;
    readonly rowsWritten: number;
  };
}

/** Schema version of the annotation files the sync writes (Parquet key-value metadata `schema_version`). */
export const ANNOTATION_FILE_SCHEMA = 'argilla-annotations/1';

const EMPTY = {
  records: 0,
  responses: 0,
  spans: 0,
  proposals: 0,
  proposalsWithoutSpans: 0,
  closed: 0,
  deleted: 0,
  convertedOffsets: 0,
  refusedOffsets: 0,
  unmappedRecords: 0,
  unusedLabels: null,
  file: null,
  files: [],
  warnings: [],
} as const;

/** Runs one sync (see SyncRequest) and reports what it did, dataset by dataset. */
export async function syncArgilla(deps: ArgillaSyncDeps, request: SyncRequest): Promise<SyncReport> {
  const startedAt = deps.clock().toISOString();
  const reports: DatasetReport[] = [];
  const wanted = request.datasets ? new Set(request.datasets) : null;
  for (const config of deps.datasets) {
    for (const name of config.names) {
      let found: ArgillaDataset | undefined;
      try {
        const list = await deps.argilla.listDatasets({
          ...(config.workspace ? { workspaceId: config.workspace } : {}),
          name,
        });
        found = list.find((d) => d.name === name);
        if (wanted && !wanted.has(name) && !(found && wanted.has(found.id))) continue;
        if (!found) {
          reports.push({
            ...EMPTY,
            name,
            id: null,
            outcome: 'failed',
            reason: notFound(config, name),
            error: { code: 'not_found' },
          });
          continue;
        }
        reports.push(await syncDataset(deps, request, config, found));
      } catch (error) {
        if (wanted && !wanted.has(name) && !(found && wanted.has(found.id))) continue;
        reports.push(failure(name, found?.id ?? null, error));
        const log = isAppError(error) ? deps.log.warn : deps.log.error;
        log('argilla sync failed for a dataset', { dataset: name, error: errorMessage(error) });
      }
    }
  }
  const sum = (f: (r: DatasetReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const report: SyncReport = {
    trigger: request.trigger,
    full: request.full === true,
    dryRun: request.dryRun === true,
    startedAt,
    finishedAt: deps.clock().toISOString(),
    datasets: reports,
    totals: {
      skipped: sum((r) => (r.outcome === 'skipped' ? 1 : 0)),
      synced: sum((r) => (r.outcome === 'synced' ? 1 : 0)),
      failed: sum((r) => (r.outcome === 'failed' ? 1 : 0)),
      records: sum((r) => r.records),
      responses: sum((r) => r.responses),
      spans: sum((r) => r.spans),
      proposals: sum((r) => r.proposals),
      convertedOffsets: sum((r) => r.convertedOffsets),
      refusedOffsets: sum((r) => r.refusedOffsets),
      filesWritten: sum((r) => r.files.length),
      rowsWritten: sum((r) => r.files.reduce((n, f) => n + f.rows, 0)),
    },
  };
  deps.log.info('argilla sync', {
    trigger: report.trigger,
    full: report.full,
    dryRun: report.dryRun,
    ...report.totals,
  });
  return report;
}

function notFound(config: ArgillaDatasetConfig, name: string): string {
  const where = config.workspace ? ` in workspace ${config.workspace}` : '';
  return `Argilla has no dataset named ${name}${where} that this key may see`;
}

function failure(name: string, id: string | null, error: unknown): DatasetReport {
  const message = `dataset ${name}: ${errorMessage(error)}`;
  const code = isAppError(error) ? error.code : 'internal';
  const detail =
    error instanceof ArgillaRefusal ? { code, status: error.httpStatus, argillaCode: error.argillaCode } : { code };
  return { ...EMPTY, name, id, outcome: 'failed', reason: message, error: detail };
}

/** An instant as a normalised ArgillaTime (microseconds, Z). */
function asArgillaTime(date: Date): ArgillaTime {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

async function syncDataset(
  deps: ArgillaSyncDeps,
  request: SyncRequest,
  config: ArgillaDatasetConfig,
  dataset: ArgillaDataset,
): Promise<DatasetReport> {
  const targeted = request.recordIds !== undefined;
  const prior = await readDatasetState(deps.warehouse, dataset.id);
  const activity = argillaTimeMicros(dataset.last_activity_at);
  if (!request.full && !targeted && prior && prior.lastActivityMicros === activity) {
    return {
      ...EMPTY,
      name: dataset.name,
      id: dataset.id,
      outcome: 'skipped',
      reason: 'last_activity_at did not move',
    };
  }
  const warnings: string[] = [];
  const questions = await deps.argilla.listQuestions(dataset.id);
  const usernames = new Map<string, string>();
  try {
    for (const user of await deps.argilla.listWorkspaceUsers(dataset.workspace_id))
      usernames.set(user.id, user.username);
  } catch (error) {
    if (!(error instanceof ArgillaRefusal)) throw error;
    warnings.push(`annotators are named by user id: ${error.message}`);
  }
  const ctx = flattenContext(dataset, config, questions, usernames);
  if (ctx.spanQuestions.length === 0) {
    throw new AppError(
      'bad_request',
      config.spanQuestion
        ? `has no span question named ${config.spanQuestion}`
        : 'has no span question (ARGILLA_DATASETS spanQuestion)',
    );
  }
  const states = await readResponseStates(deps.warehouse, dataset.id);
  const now = deps.clock();
  const bounds = request.fileBounds;
  const dryRun = request.dryRun === true;
  const datasetRef = { id: dataset.id, name: dataset.name, workspaceId: dataset.workspace_id };
  const files: WrittenFile[] = [];
  const seen = new Set<string>();
  const used = new Set<string>();
  // Identities (record key, annotator) this sync writes span rows for.
  const answered = new Set<string>();
  const totals = new Set<number>();
  const counts = {
    records: 0,
    responses: 0,
    spans: 0,
    proposals: 0,
    proposalsWithoutSpans: 0,
    closed: 0,
    deleted: 0,
    convertedOffsets: 0,
    refusedOffsets: 0,
    unmappedRecords: 0,
  };

  // Units wait here until a file takes them; with bounds, a file is written (and its responses' state
  // saved) whenever the next unit would not fit, so a long run keeps what it wrote if it stops.
  let pending: FileUnit<ResponseStateWrite>[] = [];
  let pendingRows = 0;
  const flush = async (last: { lastActivityAt: ArgillaTime | null; removed: readonly string[] } | null) => {
    const units = pending;
    pending = [];
    pendingRows = 0;
    const encoded = encodeWithin(units, bounds?.maxBytes ?? Number.POSITIVE_INFINITY, (rows) => {
      const batchId = `argilla-${deps.newId()}`;
      return { batchId, bytes: annotationsParquet(rows, ctx.config.proposalQuestion, batchId) };
    });
    const batchOf = new Map<ResponseStateWrite, string>();
    for (const file of encoded) {
      const written = dryRun
        ? plannedFile(deps, ctx, file, now)
        : await writeFile(deps, ctx, file, now, request.trigger === 'webhook');
      files.push(written);
      deps.progress?.({ kind: 'file', dataset: dataset.name, file: written, dryRun });
      for (const unit of file.units) if (unit.write) batchOf.set(unit.write, file.batchId);
    }
    if (dryRun) return;
    const writes = units.flatMap((u) => (u.write ? [u.write] : []));
    if (!last && writes.length === 0) return;
    await deps.warehouse.transaction((tx) =>
      saveSyncState(tx, {
        dataset: datasetRef,
        lastActivityAt: last?.lastActivityAt ?? null,
        writes: writes.map((w) => ({ ...w, batchId: w.currentRows > 0 ? (batchOf.get(w) ?? null) : null })),
        removed: last?.removed ?? [],
        file: files.at(-1) ?? null,
        now,
      }),
    );
  };
  const add = async (unit: FileUnit<ResponseStateWrite>) => {
    if (bounds && pendingRows > 0 && pendingRows + unit.rows.length > bounds.maxRows) await flush(null);
    pending.push(unit);
    pendingRows += unit.rows.length;
  };

  const scans = targeted ? chunks(request.recordIds ?? [], MAX_TERMS) : [undefined];
  for (const recordIds of scans) {
    const pages = deps.argilla.recordPages(dataset.id, {
      ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
      ...(recordIds ? { recordIds } : {}),
    });
    for await (const page of pages) {
      totals.add(page.total);
      for (const record of page.records) {
        counts.records += 1;
        const keys = recordKeys(ctx, record);
        if ('reason' in keys) counts.unmappedRecords += 1;
        for (const response of record.responses ?? []) {
          seen.add(response.id);
          const flat = flattenResponse(ctx, record, response);
          if (flat.kind === 'rows') for (const label of flat.labels) used.add(label);
          const state = states.get(response.id);
          const unchanged =
            state !== undefined &&
            state.updatedMicros === argillaTimeMicros(response.updated_at) &&
            state.status === response.status;
          if (unchanged) continue;
          counts.responses += 1;
          const mapped = 'reason' in keys ? null : keys;
          const annotator = annotatorOf(ctx, response);
          const write = (currentRows: number, identity: typeof mapped): ResponseStateWrite => ({
            responseId: response.id,
            argillaRecordId: record.id,
            userId: response.user_id,
            status: response.status,
            updatedAt: response.updated_at,
            recordKey: identity?.recordId ?? null,
            documentId: identity?.documentId ?? null,
            annotator: identity ? annotator : null,
            currentRows,
            // Set to the file's batch once one takes the rows.
            batchId: null,
          });
          if (flat.kind === 'rows') {
            counts.spans += flat.rows.length;
            counts.proposals += flat.proposals;
            counts.convertedOffsets += flat.converted;
            counts.refusedOffsets += flat.refused.length;
            // New rows supersede only rows of their own identity: rows written under another one (the annotator
            // named by user id while the workspace's users were refused) need a tombstone of their own.
            const closes =
              state && state.currentRows > 0 && state.recordKey !== null && mapped !== null
                ? state.recordKey !== mapped.recordId || state.annotator !== annotator
                : false;
            if (closes && state) counts.closed += 1;
            for (const row of flat.rows) answered.add(identityOf(row.record_id, row.annotator));
            const rows =
              closes && state
                ? [tombstone(ctx, state, response.id, 'discarded', response.updated_at), ...flat.rows]
                : flat.rows;
            await add({ rows, write: write(flat.rows.length, mapped) });
            continue;
          }
          if (flat.kind === 'none') {
            counts.convertedOffsets += flat.converted;
            counts.refusedOffsets += flat.refused.length;
            if (flat.reason === 'no_spans' && flat.proposals > 0) counts.proposalsWithoutSpans += 1;
          }
          // Its earlier rows stop being current: a tombstone under the identity they were written with.
          let rows: AnnotationRow[] = [];
          if (state && state.currentRows > 0 && state.recordKey !== null) {
            const reason = flat.kind === 'none' ? flat.reason : 'discarded';
            rows = [tombstone(ctx, state, response.id, reason, response.updated_at)];
            counts.closed += 1;
          }
          await add({ rows, write: write(0, mapped) });
        }
      }
      deps.progress?.({ kind: 'page', dataset: dataset.name, records: counts.records, total: page.total });
    }
  }

  // Deletions: responses known here that the listing no longer holds. Only when the listing was complete
  // (every record, or every record named) and consistent (the total did not move while paging).
  const complete = !targeted && totals.size <= 1;
  if (!targeted && !complete) warnings.push('the record count changed while paging: deletions are read next time');
  const named = targeted ? new Set(request.recordIds) : null;
  const removed: string[] = [];
  if (complete || targeted) {
    for (const state of states.values()) {
      if (seen.has(state.responseId)) continue;
      if (named && !named.has(state.argillaRecordId)) continue;
      removed.push(state.responseId);
      counts.deleted += 1;
      // A response deleted and answered again by the same annotator: the new rows close the old ones already,
      // and a tombstone of that identity (in the same file or a later one) would close the new rows too.
      if (
        state.currentRows > 0 &&
        state.recordKey !== null &&
        !answered.has(identityOf(state.recordKey, state.annotator))
      ) {
        await add({ rows: [tombstone(ctx, state, state.responseId, 'deleted', asArgillaTime(now))], write: null });
        counts.closed += 1;
      }
    }
  }
  await flush({ lastActivityAt: complete ? dataset.last_activity_at : null, removed });
  const oversize = bounds ? files.filter((f) => f.rows > bounds.maxRows || f.bytes > bounds.maxBytes) : [];
  if (oversize.length > 0) {
    warnings.push(`${oversize.length} file(s) exceed the bounds: one response's rows are never split across files`);
  }
  return {
    name: dataset.name,
    id: dataset.id,
    outcome: 'synced',
    ...counts,
    unusedLabels: complete ? unusedLabels(ctx.spanQuestions, used) : null,
    file: files.at(-1) ?? null,
    files,
    warnings,
  };
}

function tombstone(
  ctx: FlattenContext,
  state: {
    readonly recordKey: string | null;
    readonly documentId: string | null;
    readonly annotator: string | null;
    readonly argillaRecordId: string;
  },
  responseId: string,
  reason: 'draft' | 'discarded' | 'no_spans' | 'deleted',
  at: ArgillaTime,
): AnnotationRow {
  return tombstoneRow(
    ctx,
    {
      recordId: state.recordKey ?? '',
      documentId: state.documentId ?? '',
      annotator: state.annotator ?? '',
      argillaRecordId: state.argillaRecordId,
      responseId,
    },
    reason,
    at,
  );
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** A dataset name as one key segment: letters, digits, `.`, `_` and `-`. */
function keySegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';
}

function fileKey(ctx: FlattenContext, batchId: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `argilla/${keySegment(ctx.dataset.name)}/${stamp}-${batchId}.parquet`;
}

/** The file a dry run would write. */
function plannedFile(deps: ArgillaSyncDeps, ctx: FlattenContext, file: EncodedFile<unknown>, now: Date): WrittenFile {
  const key = fileKey(ctx, file.batchId, now);
  return { bucket: deps.bucketName, key, batchId: file.batchId, rows: file.rows.length, bytes: file.bytes.byteLength };
}

async function writeFile(
  deps: ArgillaSyncDeps,
  ctx: FlattenContext,
  file: EncodedFile<unknown>,
  now: Date,
  /** A webhook's sync: an SME waits for the catalog, so the load asks for a discovery run at once. */
  prompt: boolean,
): Promise<WrittenFile> {
  const key = fileKey(ctx, file.batchId, now);
  let stored: { readonly etag: string; readonly size: number } | null;
  try {
    stored = await (prompt
      ? deps.bucket.put(key, file.bytes, { [PROMPT_DISCOVERY.key]: PROMPT_DISCOVERY.value })
      : deps.bucket.put(key, file.bytes));
  } catch (error) {
    throw new AppError('storage_unavailable', `R2 did not store ${deps.bucketName}/${key}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (!stored) throw new AppError('storage_unavailable', `R2 did not store ${deps.bucketName}/${key}`);
  await deps.notify(
    localObjectEvent({
      bucket: deps.bucketName,
      key,
      size: stored.size,
      etag: stored.etag,
      now,
      account: 'argilla-sync',
    }),
  );
  return plannedFile(deps, ctx, file, now);
}

/** The rows as an annotations Parquet file; the proposal answers go in a column named after the question. */
export function annotationsParquet(
  rows: readonly AnnotationRow[],
  proposalColumn: string,
  batchId: string,
): Uint8Array {
  const text = (f: (r: AnnotationRow) => string | null) => rows.map(f);
  return writeParquetFile(
    [
      { name: 'record_id', type: 'utf8', values: text((r) => r.record_id) },
      { name: 'document_id', type: 'utf8', values: text((r) => r.document_id) },
      { name: 'entity_type', type: 'utf8', values: text((r) => r.entity_type) },
      { name: 'start', type: 'int32', values: rows.map((r) => r.start) },
      { name: 'end', type: 'int32', values: rows.map((r) => r.end) },
      { name: 'text', type: 'utf8', values: text((r) => r.text) },
      { name: 'annotator', type: 'utf8', values: text((r) => r.annotator) },
      { name: 'status', type: 'utf8', values: text((r) => r.status) },
      { name: 'annotated_at', type: 'timestamp_us_utc', values: rows.map((r) => argillaTimeMicros(r.annotated_at)) },
      { name: 'dataset', type: 'utf8', values: text((r) => r.dataset) },
      { name: 'dataset_version', type: 'utf8', values: text((r) => r.dataset_version) },
      { name: proposalColumn, type: 'utf8', values: text((r) => r.proposal) },
      { name: 'argilla_dataset_id', type: 'utf8', values: text((r) => r.argilla_dataset_id) },
      { name: 'argilla_record_id', type: 'utf8', values: text((r) => r.argilla_record_id) },
      { name: 'argilla_response_id', type: 'utf8', values: text((r) => r.argilla_response_id) },
      { name: 'argilla_question', type: 'utf8', values: text((r) => r.argilla_question) },
      { name: 'argilla_row', type: 'utf8', values: text((r) => r.argilla_row) },
      { name: 'offset_unit', type: 'utf8', values: text((r) => r.offset_unit) },
    ],
    { schema_version: ANNOTATION_FILE_SCHEMA, batch_id: batchId },
  );
}

/** The identity rows supersede each other within: record key and annotator. */
function identityOf(recordKey: string, annotator: string | null): string {
  return JSON.stringify([recordKey, annotator ?? '']);
}
