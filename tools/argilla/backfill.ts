// The Argilla backfill (Node): a full sync of the configured datasets whose rows go out as Parquet files of
// bounded size, the wait for the pipeline to load them, and the validation report that compares Argilla
// with `annotations`. It shares the sync's state (lib/argilla/state.ts), so a second run, or the cron sync
// after it, writes only what changed since.
import type { ArgillaClient } from '../../lib/argilla/client.ts';
import type { ArgillaDatasets } from '../../lib/argilla/config.ts';
import { type FileBounds, type SyncProgress, type SyncReport, syncArgilla } from '../../lib/argilla/sync.ts';
import { type ValidationReport, validateArgilla } from '../../lib/argilla/validate.ts';
import type { Logger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import type { AwaitedObject, Ingestion, WaitResult } from '../local/upload.ts';

export const ANNOTATIONS_BUCKET = 'vessel-annotations';

/**
 * Default bounds of a backfill file. A file of 50,000 annotation rows is one row group of about 1.3 MiB
 * (the writer's groups hold 100,000 rows); the `push` loader peaked at 40 MB loading one (measured on the
 * stand-in's generated dataset), well inside a Worker's 128 MB. The byte bound is for wide rows (long span
 * texts): 8 MiB of Parquet decodes to more than that, and `push` refuses a row group over 32 MB decoded.
 */
export const DEFAULT_FILE_BOUNDS: FileBounds = { maxRows: 50_000, maxBytes: 8 * 1024 * 1024 };

/** Where the files go and how their loads are watched: the local stack, or production R2. */
export interface BackfillTarget {
  /** Said in the first line of the output. */
  readonly description: string;
  /** Stores one file in vessel-annotations; its event notification reaches the ingest queue. */
  put(
    key: string,
    body: Uint8Array,
  ): Promise<{ readonly etag: string; readonly size: number; readonly eventTime?: string }>;
  /** Waits for the ingest consumer's verdict on each file. */
  wait(
    files: readonly AwaitedObject[],
    on: {
      /** Before the first file was put: its ingest_log row starts later. */
      readonly since: Date;
      readonly verdict: (file: AwaitedObject, row: Ingestion) => void;
    },
  ): Promise<WaitResult>;
}

export interface BackfillDeps {
  readonly argilla: ArgillaClient;
  readonly warehouse: Warehouse;
  readonly datasets: ArgillaDatasets;
  readonly target: BackfillTarget;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly log: Logger;
  readonly pageSize?: number;
  /** Progress of the long parts. */
  readonly progress?: (event: BackfillProgress) => void;
}

export type BackfillProgress =
  | SyncProgress
  | { readonly kind: 'waiting'; readonly files: number }
  | {
      readonly kind: 'loaded';
      readonly file: AwaitedObject;
      readonly row: Ingestion;
      readonly done: number;
      readonly of: number;
    }
  | { readonly kind: 'validating'; readonly dataset: string; readonly records: number; readonly total: number };

export interface BackfillOptions {
  /** Dataset names or ids among the configured ones; all when absent. */
  readonly datasets?: readonly string[];
  readonly dryRun?: boolean;
  readonly bounds?: FileBounds;
}

export interface BackfillLoads {
  readonly files: number;
  readonly loaded: number;
  readonly rows: number;
  /** Files whose load failed or was ignored, with the consumer's error. */
  readonly failed: readonly { readonly key: string; readonly status: string; readonly error: string | null }[];
  /** Files without a verdict when waiting gave up. */
  readonly pending: readonly { readonly key: string; readonly lastError: string | null }[];
}

export interface BackfillResult {
  readonly sync: SyncReport;
  /** Null in a dry run, or when no file was written. */
  readonly loads: BackfillLoads | null;
  readonly validation: ValidationReport;
  /** Every dataset synced, every file loaded, and the validation matched. */
  readonly ok: boolean;
  readonly ms: { readonly export: number; readonly load: number; readonly validate: number };
}

/** Runs one backfill; never throws for expected failures (they are in the result, and `ok` is false). */
export async function runBackfill(deps: BackfillDeps, options: BackfillOptions = {}): Promise<BackfillResult> {
  const started = Date.now();
  // A minute of slack for a Worker whose clock runs behind this machine's.
  const since = new Date(started - 60_000);
  const uploads: AwaitedObject[] = [];
  const sync = await syncArgilla(
    {
      argilla: deps.argilla,
      warehouse: deps.warehouse,
      bucket: {
        put: async (key, body) => {
          const stored = await deps.target.put(key, body);
          uploads.push({ key, etag: stored.etag, ...(stored.eventTime ? { eventTime: stored.eventTime } : {}) });
          return stored;
        },
      },
      bucketName: ANNOTATIONS_BUCKET,
      // The target's put is the notification: R2's own in production, the local Worker's PUT /v1/objects locally.
      notify: async () => {},
      datasets: deps.datasets,
      clock: deps.clock,
      newId: deps.newId,
      log: deps.log,
      ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
      ...(deps.progress ? { progress: deps.progress } : {}),
    },
    {
      trigger: 'backfill',
      full: true,
      fileBounds: options.bounds ?? DEFAULT_FILE_BOUNDS,
      ...(options.datasets ? { datasets: options.datasets } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    },
  );
  const exported = Date.now();

  let loads: BackfillLoads | null = null;
  if (uploads.length > 0) {
    deps.progress?.({ kind: 'waiting', files: uploads.length });
    let done = 0;
    const waited = await deps.target.wait(uploads, {
      since,
      verdict: (file, row) => deps.progress?.({ kind: 'loaded', file, row, done: ++done, of: uploads.length }),
    });
    const rows = [...waited.verdicts.values()];
    loads = {
      files: uploads.length,
      loaded: rows.filter((r) => r.status === 'loaded').length,
      rows: rows.reduce((n, r) => n + (r.status === 'loaded' ? (r.rows ?? 0) : 0), 0),
      failed: rows.filter((r) => r.status !== 'loaded').map((r) => ({ key: r.key, status: r.status, error: r.error })),
      pending: waited.pending.map((p) => ({ key: p.object.key, lastError: p.lastError })),
    };
  }
  const loaded = Date.now();

  // Read afresh from both sides, after the loads: nothing of what was just written is trusted.
  const validation = await validateArgilla(
    {
      argilla: deps.argilla,
      warehouse: deps.warehouse,
      datasets: deps.datasets,
      log: deps.log,
      ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
      ...(deps.progress ? { progress: (p) => deps.progress?.({ kind: 'validating', ...p }) } : {}),
    },
    options.datasets,
  );
  const ok =
    sync.totals.failed === 0 &&
    (loads === null || (loads.failed.length === 0 && loads.pending.length === 0)) &&
    validation.matches;
  return {
    sync,
    loads,
    validation,
    ok,
    ms: { export: exported - started, load: loaded - exported, validate: Date.now() - loaded },
  };
}
