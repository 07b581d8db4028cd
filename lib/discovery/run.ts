// One discovery run: take the lock, read what changed, plan the catalog, detect conflicts, write it all
// and publish at most one snapshot in one transaction, then deliver the outbox and let go of the lock.
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Warehouse, WarehouseSession } from '../warehouse/port.ts';
import type { DiscoveryConfig } from './catalog.ts';
import type { Describer } from './describe.ts';
import type { EmbeddingBinding } from './embeddings.ts';
import { deliverDigests, queueDigest } from './run-notify.ts';
import { observeRun } from './run-observe.ts';
import { planRun } from './run-plan.ts';
import { publishSnapshot } from './run-publish.ts';
import { assembleReport, createPhaseTimer, type RunReport, reportSummary, withDelivery } from './run-report.ts';
import { consumeLoads, writeCatalog } from './run-write.ts';
import {
  acquireLock,
  coalesceRuns,
  fenceLock,
  finishRun,
  LockLostError,
  type RunTrigger,
  releaseLock,
  skipRun,
  startRun,
  updateRunReport,
} from './runs.ts';

export interface DiscoveryDeps {
  readonly warehouse: Warehouse;
  readonly config: DiscoveryConfig;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly log: Logger;
  /** Base URL of the main Worker, for links in Slack. */
  readonly publicUrl: string;
  readonly slackWebhookUrl: string | undefined;
  readonly fetcher: typeof fetch;
  readonly describe?: Describer | undefined;
  /** Workers AI, when bound: embeddings of names for conflicts by meaning (embeddings.ts). */
  readonly ai?: EmbeddingBinding | undefined;
  /** Why DISCOVERY_CONFIG could not be used: every run then fails with it, recorded, until it is fixed. */
  readonly configError?: string | undefined;
  /**
   * After a run's transaction committed: brings the schema cache to the latest snapshot (the one just
   * published, or one an earlier run failed to cache). Its failure is logged, never the run's.
   */
  readonly afterCommit?: (() => Promise<void>) | undefined;
}

export interface RunRequest {
  /** The run's id: a requested run's (API), or a new one. */
  readonly id?: string;
  readonly trigger: RunTrigger;
  /** Read every load again instead of only the new ones. */
  readonly full: boolean;
  /** Other requested runs this one does the work of (one queue batch). */
  readonly coalesce?: readonly string[];
}

export type RunOutcome =
  | { readonly status: 'succeeded'; readonly report: RunReport }
  | { readonly status: 'busy'; readonly runId: string; readonly holder: string | null }
  | { readonly status: 'failed'; readonly runId: string; readonly error: string; readonly retryable: boolean };

/** Runs discovery once. Never overlaps another run; never throws for a failed run (see the outcome). */
export async function runDiscovery(deps: DiscoveryDeps, request: RunRequest): Promise<RunOutcome> {
  const runId = request.id ?? deps.newId();
  const started = deps.clock();
  if (deps.configError !== undefined) {
    // Not retryable: the same settings fail again. Recorded, so the API and the runs table say why.
    deps.log.error('discovery: run failed', { runId, trigger: request.trigger, error: deps.configError });
    await startRun(deps.warehouse, { id: runId, trigger: request.trigger, full: request.full, now: started });
    await finishRun(deps.warehouse, { id: runId, status: 'failed', now: started, error: deps.configError });
    return { status: 'failed', runId, error: deps.configError, retryable: false };
  }
  const lock = await acquireLock(deps.warehouse, runId, started, deps.config.lockSeconds, deps.newId);
  if (!lock.acquired) {
    deps.log.info('discovery: another run holds the lock', { runId, holder: lock.holder, trigger: request.trigger });
    // A requested run stays queued (its message is retried); a cron run is recorded as skipped.
    if (request.id === undefined) {
      await skipRun(deps.warehouse, {
        id: runId,
        trigger: request.trigger,
        full: request.full,
        now: started,
        reason: `another discovery run (${lock.holder}) held the lock`,
      });
    }
    return { status: 'busy', runId, holder: lock.holder };
  }
  try {
    await startRun(deps.warehouse, { id: runId, trigger: request.trigger, full: request.full, now: started });
    let report: RunReport;
    try {
      report = await deps.warehouse.transaction((tx) => discover(tx, deps, request, runId, started));
    } catch (error) {
      const message = errorMessage(error);
      const retryable =
        (error instanceof AppError && error.retryable) || error instanceof LockLostError || isConflict(error);
      deps.log.error('discovery: run failed', { runId, trigger: request.trigger, error: message, retryable });
      await finishRun(deps.warehouse, { id: runId, status: 'failed', now: deps.clock(), error: message }).catch(
        (e: unknown) => deps.log.error('discovery: could not record the failure', { runId, error: errorMessage(e) }),
      );
      return { status: 'failed', runId, error: message, retryable };
    }
    // The catalog is committed: the cache learns of the snapshot before anything else is sent.
    await deps
      .afterCommit?.()
      .catch((e: unknown) =>
        deps.log.error('discovery: could not update the schema cache', { runId, error: errorMessage(e) }),
      );
    // Delivering the digest (and older undelivered ones) comes after.
    const slackStarted = deps.clock().getTime();
    const flushed = await deliverDigests(deps);
    const finished = deps.clock().getTime();
    report = withDelivery(report, flushed, { slackMs: finished - slackStarted, totalMs: finished - started.getTime() });
    await updateRunReport(deps.warehouse, runId, report);
    deps.log.info('discovery: run done', reportSummary(report));
    return { status: 'succeeded', report };
  } finally {
    await releaseLock(deps.warehouse, runId).catch((e: unknown) =>
      deps.log.error('discovery: could not release the lock (it expires on its own)', {
        runId,
        error: errorMessage(e),
      }),
    );
  }
}

/** A write-write conflict with a concurrent transaction (a decision, another run): the next run redoes it. */
function isConflict(error: unknown): boolean {
  return error instanceof AppError && (error.sqlstate === '40001' || /conflict/i.test(error.message));
}

/**
 * The run inside its transaction: observe -> plan -> write -> publish -> queue the digest, then the run's
 * row records the report. Everything it writes is stamped with the run's start.
 */
async function discover(
  tx: WarehouseSession,
  deps: DiscoveryDeps,
  request: RunRequest,
  runId: string,
  started: Date,
): Promise<RunReport> {
  const { config } = deps;
  const now = started;
  // Proves the lock is still ours and ties it to this transaction (see fenceLock).
  await fenceLock(tx, runId, deps.clock(), config.lockSeconds, deps.newId);
  const timer = createPhaseTimer(deps.clock);
  const observation = await observeRun(tx, config, request.full, timer.lap);
  const plan = await planRun(tx, deps, observation, now);
  timer.lap('planMs');
  await writeCatalog(tx, plan, observation.activity.changed, runId, now);
  const snapshot = await publishSnapshot(tx, observation.current.latest, plan, runId, now);
  const queued = await queueDigest(tx, deps, { runId, now, loads: observation.loads.length, plan, snapshot });
  await consumeLoads(tx, observation.loads, runId, now);
  timer.lap('writeMs');
  const report = assembleReport({
    runId,
    trigger: request.trigger,
    observation,
    plan,
    snapshot,
    queued,
    timings: timer.timings,
    totalMs: deps.clock().getTime() - started.getTime(),
  });
  await finishRun(tx, {
    id: runId,
    status: 'succeeded',
    now: deps.clock(),
    report,
    snapshotVersion: snapshot?.version ?? null,
  });
  await coalesceRuns(tx, request.coalesce ?? [], runId, deps.clock());
  return report;
}
