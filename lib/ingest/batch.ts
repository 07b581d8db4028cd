// Batch-aware loading. A queue batch's small Parquet files load in a few statements in one transaction: one
// reads every event's prior outcome, then per target under `remote` (here) one survey of the footers, one
// DESCRIBE and one INSERT per schema; under `push` (batch-push.ts) the Worker decodes each file and sends
// the rows of many in one INSERT; either way one text of bookkeeping follows. Anything this path does not
// take, or any failure of it, leaves the messages to the per-file path in consumer.ts, which settles each
// as it always has: a bad file fails alone, a transient error is retried, nothing of the batch is committed.
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import { loadTargetPush } from './batch-push.ts';
import { type IncomingMessage, type IngestDeps, type Outcome, staleVersion, strategyFor } from './consumer.ts';
import { parseDuckType } from './duck-types.ts';
import { isDelete, keyProblem, normaliseEtag, R2Event } from './event.ts';
import { IngestStatus, isSettled } from './ingest-log.ts';
import {
  type BatchFile,
  type BatchRecord,
  batchInsertSql,
  batchUrl,
  bookkeepingSql,
  claimHeadsSql,
  collidesWithBatchNames,
  fileOfName,
  prescanSql,
  priorOutcomesSql,
  surveySql,
} from './load/batch.ts';
import { derivedBatchId } from './load/context.ts';
import type { Strategy } from './load/types.ts';
import { ObjectChangedError } from './object-store.ts';
import { BadFileError, kindOfDuckType, type LoadPlan, planLoad, type SourceColumn } from './plan.ts';
import { duckShapes, type FieldProfile, profileOf } from './profile.ts';
import { formatOf, routeFor, sourceOf, type Target } from './routes.ts';

/** Fewer files than this load one by one: a batch statement saves nothing on one file. */
const MIN_BATCH_FILES = 2;
/** R2 heads in flight at once. */
const HEAD_CONCURRENCY = 25;
/**
 * Under `push`, larger files load one by one: a batch holds all its files' decoded rows at once, and a
 * file of more than this is big enough that a statement of its own costs little.
 */
export const PUSH_BATCH_MAX_FILE_BYTES = 1024 * 1024;

interface Candidate {
  readonly message: IncomingMessage;
  readonly event: R2Event;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly eventTime: Date;
  readonly target: Target;
  readonly strategy: Strategy;
  /** Its position in the queue batch: ties of event time keep delivery order. */
  readonly index: number;
}

export interface Admitted extends Candidate {
  readonly size: number;
  /** Its writer asked for a prompt discovery run (object-store.ts PROMPT_DISCOVERY). */
  readonly prompt: boolean;
  readonly loadId: string;
  /** An unsettled earlier outcome of this event (failed, ignored, retrying), which its load replaces. */
  readonly prior: IngestStatus | null;
  /** Whether an earlier version of the object is loaded (it has a head: migration 0006 gave every one). */
  readonly loadedBefore: boolean;
}

const PriorRow = z.object({
  i: z.coerce.number(),
  status: IngestStatus.nullable(),
  newest: z.coerce.date().nullable(),
  newest_etag: z.string().nullable(),
});

const SurveyRow = z.object({
  file_name: z.string(),
  signature: z.string().nullable(),
  rows: z.coerce.number(),
  batch_id: z.string().nullable(),
  schema_version: z.string().nullable(),
  stats: z.string().nullable(),
});

/** Create events of Parquet objects, each with the strategy that loads it. */
function candidatesOf(messages: readonly IncomingMessage[], deps: IngestDeps): Candidate[] {
  return messages.flatMap((message, index): Candidate[] => {
    const parsed = R2Event.safeParse(message.body);
    if (!parsed.success || isDelete(parsed.data) || parsed.data.object.eTag === undefined) return [];
    const event = parsed.data;
    const { bucket } = event;
    const { key } = event.object;
    const route = routeFor(deps.routes, bucket, key);
    if (!route || formatOf(key) !== 'parquet' || keyProblem(key) !== null) return [];
    const etag = normaliseEtag(event.object.eTag as string);
    const strategy = strategyFor(deps.strategy, key);
    const eventTime = new Date(event.eventTime);
    return [{ message, event, bucket, key, etag, eventTime, target: route.target, strategy, index }];
  });
}

export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

/**
 * Loads what it can of a queue batch as batch statements and returns the outcome of each message it
 * settled (by id); the others are for the per-file path. Never throws.
 */
export async function ingestBatched(
  messages: readonly IncomingMessage[],
  deps: IngestDeps,
): Promise<Map<string, Outcome>> {
  const settled = new Map<string, Outcome>();
  if (messages.length < MIN_BATCH_FILES) return settled;
  const candidates = candidatesOf(messages, deps);
  if (candidates.length < MIN_BATCH_FILES) return settled;
  const started = deps.clock();
  let admitted: Admitted[];
  try {
    admitted = await admit(candidates, deps, settled);
  } catch (error) {
    deps.log.warn('ingest: batch admission failed, loading its files one by one', {
      files: candidates.length,
      error: errorMessage(error),
    });
    return new Map();
  }
  const byTarget = new Map<string, Admitted[]>();
  for (const a of admitted) {
    const at = `${a.strategy} ${a.target}`;
    byTarget.set(at, [...(byTarget.get(at) ?? []), a]);
  }
  // Each target and strategy is a transaction of its own: one that fails leaves the others committed.
  for (const all of byTarget.values()) {
    const { target, strategy } = all[0] as Admitted;
    let files: Admitted[];
    if (strategy === 'push') files = all.filter((f) => f.size <= PUSH_BATCH_MAX_FILE_BYTES);
    else {
      // The survey names files by their key: a key in two buckets of one target loads one by one.
      const keyCount = new Map<string, number>();
      for (const f of all) keyCount.set(f.key, (keyCount.get(f.key) ?? 0) + 1);
      files = all.filter((f) => keyCount.get(f.key) === 1);
    }
    if (files.length < MIN_BATCH_FILES) continue;
    try {
      const outcomes =
        strategy === 'push'
          ? await loadTargetPush(target, files, deps, started)
          : await loadTarget(target, files, deps, started);
      for (const [id, outcome] of outcomes) settled.set(id, outcome);
    } catch (error) {
      // Nothing of it was committed: its files go one by one.
      deps.log.warn('ingest: batch load failed, loading its files one by one', {
        target,
        strategy,
        files: files.length,
        error: errorMessage(error),
      });
    }
  }
  return settled;
}

/**
 * The checks of admitLoad for all candidates in one statement and the objects' heads: settled events are
 * duplicates; stale versions and missing objects are left to the per-file path, which records them.
 */
async function admit(candidates: readonly Candidate[], deps: IngestDeps, settled: Map<string, Outcome>) {
  const priors = PriorRow.array().parse(await deps.warehouse.query(priorOutcomesSql(candidates)));
  const open: {
    candidate: Candidate;
    newest: { eventTime: Date; etag: string } | null;
    prior: IngestStatus | null;
  }[] = [];
  for (const p of priors) {
    const candidate = candidates[p.i] as Candidate;
    if (isSettled(p.status)) settled.set(candidate.message.id, { kind: 'duplicate', detail: `already ${p.status}` });
    else {
      const newest = p.newest && p.newest_etag !== null ? { eventTime: p.newest, etag: p.newest_etag } : null;
      open.push({ candidate, newest, prior: p.status });
    }
  }
  const objects = [...new Map(open.map((o) => [`${o.candidate.bucket}/${o.candidate.key}`, o.candidate])).entries()];
  const heads = new Map(
    await mapLimited(
      objects,
      HEAD_CONCURRENCY,
      async ([id, c]) => [id, await deps.store.head(c.bucket, c.key)] as const,
    ),
  );
  // One event per object: its earliest that is not stale. Its other events settle one by one after the
  // batch commits, as they would after it loaded alone (a replaced version, or the same content again).
  const admitted: Admitted[] = [];
  const taken = new Set<string>();
  const byTime = [...open].sort(
    (a, b) =>
      a.candidate.eventTime.getTime() - b.candidate.eventTime.getTime() || a.candidate.index - b.candidate.index,
  );
  for (const { candidate, newest, prior } of byTime) {
    const id = `${candidate.bucket}/${candidate.key}`;
    const head = heads.get(id);
    if (taken.has(id) || !head || staleVersion(head, candidate.etag, candidate.eventTime, newest) !== null) continue;
    taken.add(id);
    admitted.push({
      ...candidate,
      size: head.size,
      prompt: head.promptDiscovery === true,
      loadId: deps.newId(),
      prior,
      loadedBefore: newest !== null,
    });
  }
  return admitted;
}

interface Surveyed {
  readonly file: Admitted;
  readonly signature: string;
  readonly rows: number;
  readonly batchId: string;
  readonly schemaVersion: string | null;
  readonly stats: ReadonlyMap<string, number | null>;
  /** The fields of its JSON column, once its group is inserted. */
  profile?: readonly FieldProfile[];
}

/** A surveyed file as the batch SQL names it. */
const batchFileOf = (s: Surveyed): BatchFile => ({
  bucket: s.file.bucket,
  key: s.file.key,
  etag: s.file.etag,
  eventTime: s.file.eventTime,
  loadId: s.file.loadId,
  batchId: s.batchId,
  schemaVersion: s.schemaVersion,
  source: sourceOf(s.file.key),
});

interface Group {
  readonly files: Surveyed[];
  readonly plan: LoadPlan;
  readonly types: ReadonlyMap<string, string>;
}

/** The files of one target: surveyed, planned per schema, loaded and recorded in one transaction. */
async function loadTarget(
  target: Target,
  files: readonly Admitted[],
  deps: IngestDeps,
  started: Date,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const { ms, lap } = phaseTimer(deps.clock);
  const surveyed = SurveyRow.array()
    .parse(await deps.warehouse.query(surveySql(files.map((f) => batchUrl(f)))))
    .map((s): Surveyed => {
      const at = fileOfName(
        s.file_name,
        files.map((f) => f.key),
      );
      if (at < 0) throw new Error(`the batch survey named a file outside the batch: ${s.file_name}`);
      const file = files[at] as Admitted;
      const stats = new Map<string, number | null>();
      for (const { path, nulls } of JSON.parse(s.stats ?? '[]') as { path: string; nulls: number | null }[]) {
        stats.set(path, nulls === null ? null : Number(nulls));
      }
      return {
        file,
        signature: s.signature ?? '',
        rows: s.rows,
        batchId: s.batch_id || derivedBatchId(file.key, file.etag),
        schemaVersion: s.schema_version,
        stats,
      };
    });
  if (surveyed.length !== files.length || new Set(surveyed.map((s) => s.file)).size !== files.length) {
    throw new Error(`the batch survey described ${surveyed.length} files of ${files.length}`);
  }
  lap('survey');
  const bySignature = new Map<string, Surveyed[]>();
  for (const s of surveyed) bySignature.set(s.signature, [...(bySignature.get(s.signature) ?? []), s]);
  const groups: Group[] = [];
  for (const members of bySignature.values()) {
    const group = await planGroup(target, members, deps);
    if (group) groups.push(group);
  }
  lap('describe');
  if (groups.reduce((n, g) => n + g.files.length, 0) < MIN_BATCH_FILES) return outcomes;

  const now = started;
  const ordered = inEventOrder(
    groups.flatMap((g) => g.files.map((s) => ({ s, file: s.file, batchFile: batchFileOf(s), rows: s.rows }))),
  );
  let records: BatchRecord[] = [];
  await deps.warehouse.transaction(async (tx) => {
    // First, so that a concurrent load of one of these objects conflicts before either reads the files.
    await tx.execute(claimHeadsSql(ordered.map((o) => o.batchFile)), []);
    lap('heads');
    for (const g of groups) {
      const finite = await prescan(tx, g);
      const expected = g.files.reduce((n, s) => n + s.rows, 0);
      const inserted = await tx.execute(
        batchInsertSql(g.plan, g.types, finite.finite, g.files.map(batchFileOf), now),
        [],
      );
      if (inserted !== expected) throw new Error(`a batch insert of ${expected} rows inserted ${inserted}`);
      lap('insert');
      g.files.forEach((s) => {
        const shapes = g.plan.extras.map((c) => ({
          name: c.name,
          shapes: duckShapes(c.name, parseDuckType(c.typeText)),
        }));
        const nulls = new Map<string, number | null>();
        for (const c of shapes) {
          const scalar = c.shapes.length === 1 && c.shapes[0]?.type !== 'object' && c.shapes[0]?.type !== 'array';
          const n = scalar ? s.stats.get(c.name) : undefined;
          if (n !== undefined && n !== null) nulls.set(c.name, n);
          const counted = finite.nulls.get(s.file.index)?.get(c.name);
          if (counted !== undefined) nulls.set(c.name, counted);
        }
        s.profile = profileOf(shapes, s.rows, nulls);
      });
    }
    records = recordsOf(
      target,
      'remote',
      ordered.map((o) => ({ ...o, profile: o.s.profile ?? [] })),
      started,
      deps.clock(),
    );
    // The warehouse reads objects by name, not by version: another version may have replaced one since its
    // head. Then the whole batch rolls back and its files load one by one, each settling as it does alone.
    // Checked while the bookkeeping runs: both finish before the commit.
    const [after] = await Promise.all([
      mapLimited(ordered, HEAD_CONCURRENCY, (o) => deps.store.head(o.file.bucket, o.file.key)),
      tx.exec(bookkeepingSql(target, records, now)),
    ]);
    ordered.forEach((o, i) => {
      const head = after[i];
      if (!head || normaliseEtag(head.etag) !== o.file.etag)
        throw new ObjectChangedError(`${o.file.bucket}/${o.file.key} changed`);
    });
    lap('bookkeeping');
  });
  lap('commit');
  deps.log.info('ingest: batch loaded', {
    target,
    strategy: 'remote',
    files: records.length,
    groups: groups.length,
    ms,
  });
  return loadedOutcomes(deps, target, 'remote', ordered, new Map());
}

/** Milliseconds per phase of a batch load, summed: `lap(phase)` charges the time since the last lap. */
export function phaseTimer(clock: () => Date): { ms: Record<string, number>; lap: (phase: string) => void } {
  const ms: Record<string, number> = {};
  let mark = clock().getTime();
  return {
    ms,
    lap: (phase) => {
      const at = clock().getTime();
      ms[phase] = (ms[phase] ?? 0) + at - mark;
      mark = at;
    },
  };
}

/** In event-time order (delivery order on ties): the order supersession treats a batch's files in. */
export function inEventOrder<T extends { readonly file: Admitted }>(members: readonly T[]): T[] {
  return [...members].sort(
    (a, b) => a.file.eventTime.getTime() - b.file.eventTime.getTime() || a.file.index - b.file.index,
  );
}

/** A file of a batch, loaded: what its bookkeeping records. */
export interface LoadedMember {
  readonly file: Admitted;
  readonly batchFile: BatchFile;
  readonly rows: number;
  readonly profile: readonly FieldProfile[];
}

/** The bookkeeping of a batch's files (in event-time order), each as its own load would record it. */
export function recordsOf(
  target: Target,
  strategy: Strategy,
  members: readonly LoadedMember[],
  started: Date,
  finishedAt: Date,
): BatchRecord[] {
  return members.map(({ file: m, batchFile, rows, profile }) => ({
    file: batchFile,
    target,
    profile,
    replacesUnsettled: m.prior !== null,
    replacesVersion: m.loadedBefore,
    entry: {
      id: m.loadId,
      bucket: m.bucket,
      key: m.key,
      etag: m.etag,
      action: m.event.action,
      target,
      strategy,
      batchId: batchFile.batchId,
      schemaVersion: batchFile.schemaVersion,
      rows,
      bytes: m.size,
      error: null,
      errorCode: null,
      attempts: m.message.attempts,
      eventTime: m.eventTime,
      startedAt: started,
      status: 'loaded',
      finishedAt,
    },
  }));
}

/** The outcomes of a committed batch's files, each logged as a single load is. */
export function loadedOutcomes(
  deps: IngestDeps,
  target: Target,
  strategy: Strategy,
  members: readonly Omit<LoadedMember, 'profile'>[],
  peakBytes: ReadonlyMap<Admitted, number>,
): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  for (const m of members) {
    const { bucket, key, batchId, loadId } = m.batchFile;
    const { rows } = m;
    const peak = peakBytes.get(m.file) ?? 0;
    deps.log.info('ingest: loaded', {
      bucket,
      key,
      target,
      rows,
      strategy,
      batchId,
      peakBytes: peak,
      batchFiles: members.length,
    });
    outcomes.set(m.file.message.id, {
      kind: 'loaded',
      load: { target, batchId, loadId, bucket, key, rows, ...(m.file.prompt ? { prompt: true } : {}) },
      peakBytes: peak,
    });
  }
  return outcomes;
}

/** One DESCRIBE for files of one schema, and their plan; null when they load one by one instead. */
async function planGroup(target: Target, members: Surveyed[], deps: IngestDeps): Promise<Group | null> {
  const first = members[0] as Surveyed;
  const described = await deps.warehouse.query<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(batchUrl(first.file))})`,
  );
  if (described.some((c) => collidesWithBatchNames(c.column_name))) return null;
  const columns: SourceColumn[] = described.map((c) => ({
    name: c.column_name,
    kind: kindOfDuckType(c.column_type),
    typeText: c.column_type,
  }));
  try {
    const plan = planLoad(target, columns, `${first.file.bucket}/${first.file.key}`);
    return { files: members, plan, types: new Map(described.map((c) => [c.column_name, c.column_type])) };
  } catch (error) {
    // Each file is refused on its own, with its own name in the error.
    if (error instanceof BadFileError) return null;
    throw error;
  }
}

/** Floating point columns free of NaN and infinities in every file, and per file the NULLs statistics miss. */
async function prescan(
  tx: WarehouseSession,
  g: Group,
): Promise<{ finite: Set<string>; nulls: Map<number, Map<string, number>> }> {
  const floats = g.plan.extras.filter((c) => /^(FLOAT|DOUBLE)$/.test(c.typeText)).map((c) => c.name);
  const uncounted = g.plan.extras
    .filter((c) => {
      const shapes = duckShapes(c.name, parseDuckType(c.typeText));
      const scalar = shapes.length === 1 && shapes[0]?.type !== 'object' && shapes[0]?.type !== 'array';
      return !scalar || g.files.some((s) => (s.stats.get(c.name) ?? null) === null);
    })
    .map((c) => c.name);
  const nulls = new Map<number, Map<string, number>>();
  if (floats.length === 0 && uncounted.length === 0) return { finite: new Set(), nulls };
  const files = g.files.map(batchFileOf);
  const rows = await tx.query<Record<string, boolean | string | number>>(prescanSql(files, floats, uncounted));
  const finite = new Set(floats.filter((_, i) => rows.every((r) => r[`f${i}`] === true)));
  for (const r of rows) {
    const s = g.files[Number(r.i)] as Surveyed;
    nulls.set(s.file.index, new Map(uncounted.map((n, i) => [n, Number(r[`n${i}`] ?? 0)])));
  }
  return { finite, nulls };
}
