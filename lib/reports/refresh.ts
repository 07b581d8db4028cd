// Running a report: the query through the injected engine, its result stored as Parquet in the results bucket,
// compared with the previous successful run's (hash first, then the stored rows) and explained by what moved
// in between, then recorded. Creating a report is its first run: a query the engine refuses saves nothing.
import { AppError, errorMessage } from '../errors.ts';
import type { QueryResult } from '../query/contract.ts';
import { type ReportDefinition, requestFor, type SavedReport } from './definition.ts';
import type { ReportDeps } from './deps.ts';
import { columnsProblem, diffResults, keyProblem } from './diff.ts';
import {
  columnChanges,
  dataMovedBetween,
  type RowCounts,
  type RunExplanation,
  schemaMovedBetween,
  summarize,
} from './explain.ts';
import { loadResult, storeResult } from './stored.ts';
import {
  getReport,
  insertReport,
  insertRun,
  isUniqueViolation,
  latestRun,
  nextRunNumber,
  type ReportRun,
  type RunTrigger,
  reportIdByName,
} from './tables.ts';

/** A run as recorded, and the engine's refusal when it failed. */
export interface RunOutcome {
  readonly run: ReportRun;
  readonly error: AppError | null;
}

/**
 * Whether the result is the previous one's, and why: an equal hash is unchanged; another hash is compared
 * row by row with the stored previous result (by key when the key pairs both), so rows in another order
 * are not a change.
 */
async function explain(
  deps: ReportDeps,
  report: SavedReport,
  previous: ReportRun,
  result: QueryResult,
  ranAt: Date,
): Promise<{ changed: boolean; why: RunExplanation }> {
  const tables = await dataMovedBetween(deps.warehouse, previous.ranAt, ranAt);
  const versions = await schemaMovedBetween(deps.warehouse, previous.schemaVersion, result.schemaVersion);
  const before = previous.columns ?? [];
  const columns = columnChanges(before, result.columns);
  let rows: RowCounts | null = { added: 0, removed: 0, changed: 0 };
  let by: 'key' | 'rows' | null = null;
  let changed = false;
  let reorderedOnly = false;
  if (previous.resultHash !== result.resultHash) {
    const stored = await loadResult(deps, previous).catch((error: unknown) => {
      deps.log.warn('report: the previous result cannot be read', { report: report.id, error: errorMessage(error) });
      return null;
    });
    changed = true;
    if (stored === null) rows = null;
    else {
      const key = report.key && !keyProblem(stored, report.key) && !keyProblem(result, report.key) ? report.key : null;
      const outcome = diffResults(stored, result, { key, limit: 0 });
      if (!outcome.ok) throw new Error(outcome.problem);
      const { counts } = outcome.diff;
      rows = { added: counts.added, removed: counts.removed, changed: counts.changed };
      by = outcome.diff.by;
      const sameShape = JSON.stringify(before) === JSON.stringify(result.columns);
      reorderedOnly = sameShape && rows.added + rows.removed + rows.changed === 0;
      changed = !reorderedOnly;
    }
  }
  const why = {
    previousRun: previous.run,
    result: { rowCount: { from: previous.rowCount ?? 0, to: result.rowCount }, rows, by, columns, reorderedOnly },
    data: { since: previous.ranAt.toISOString(), until: ranAt.toISOString(), tables },
    schema: { from: previous.schemaVersion, to: result.schemaVersion, versions },
  };
  return { changed, why: { ...why, summary: summarize(why, changed) } };
}

async function execute(
  deps: ReportDeps,
  report: SavedReport,
  run: { readonly number: number; readonly trigger: RunTrigger; readonly previous: ReportRun | null },
): Promise<RunOutcome> {
  const id = deps.newId();
  const ranAt = deps.clock();
  const base = { id, reportId: report.id, run: run.number, trigger: run.trigger, ranAt, mode: report.mode };
  let result: QueryResult;
  try {
    result = await deps.run(requestFor(report.id, report));
    const problem =
      columnsProblem(result.columns) ??
      (run.trigger === 'create' && report.key ? keyProblem(result, report.key) : null);
    if (problem) throw new AppError('bad_request', problem);
  } catch (error) {
    // An outage is not the report's failure: nothing is recorded and the caller retries.
    if (!(error instanceof AppError) || error.retryable) throw error;
    const failed: ReportRun = {
      ...base,
      status: 'error',
      durationMs: null,
      executionId: null,
      schemaVersion: null,
      at: report.at?.toISOString() ?? null,
      columns: null,
      rowCount: null,
      truncated: null,
      resultHash: null,
      changed: null,
      why: null,
      error: error.message,
      errorCode: error.code,
      object: null,
    };
    return { run: failed, error };
  }
  const object = await storeResult(deps, { reportId: report.id, runId: id, run: run.number }, result);
  const compared = run.previous ? await explain(deps, report, run.previous, result, ranAt) : null;
  const recorded: ReportRun = {
    ...base,
    status: 'ok',
    durationMs: result.durationMs,
    executionId: result.executionId,
    schemaVersion: result.schemaVersion,
    at: result.at,
    columns: result.columns,
    rowCount: result.rowCount,
    truncated: result.truncated,
    resultHash: result.resultHash,
    changed: compared?.changed ?? null,
    why: compared?.why ?? null,
    error: null,
    errorCode: null,
    object,
  };
  return { run: recorded, error: null };
}

const raced = (report: SavedReport, run: number) =>
  new AppError('conflict', `another run of report '${report.name}' took number ${run} at the same time; refresh again`);

/**
 * Saves a report and runs it once. A name in use is `conflict`; SQL the engine refuses, a result with two
 * columns of one name, or key columns that are missing or not unique are `bad_request`, and nothing is saved.
 */
export async function createReport(
  deps: ReportDeps,
  definition: ReportDefinition,
): Promise<{ report: SavedReport; run: ReportRun }> {
  const taken = await reportIdByName(deps.warehouse, definition.name);
  const exists = () => new AppError('conflict', `a report named '${definition.name}' exists (${taken ?? 'just now'})`);
  if (taken) throw exists();
  const now = deps.clock();
  const report: SavedReport = { ...definition, id: deps.newId(), createdAt: now, updatedAt: now };
  const { run, error } = await execute(deps, report, { number: 1, trigger: 'create', previous: null });
  if (error) throw error;
  try {
    await deps.warehouse.transaction(async (tx) => {
      await insertReport(tx, report);
      await insertRun(tx, run);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw exists();
    throw e;
  }
  return { report, run };
}

/**
 * Runs a saved report again and records the run, failed ones included (a query the engine now refuses,
 * e.g. after a schema change): the outcome carries the refusal. Unknown id: not_found.
 */
export async function refreshReport(deps: ReportDeps, reportId: string, trigger: RunTrigger): Promise<RunOutcome> {
  const report = await getReport(deps.warehouse, reportId);
  if (!report) throw new AppError('not_found', `no report ${reportId}`);
  return refreshSaved(deps, report, trigger);
}

/** refreshReport for a report already read. */
export async function refreshSaved(deps: ReportDeps, report: SavedReport, trigger: RunTrigger): Promise<RunOutcome> {
  const previous = await latestRun(deps.warehouse, report.id, 'ok');
  const number = await nextRunNumber(deps.warehouse, report.id);
  const outcome = await execute(deps, report, { number, trigger, previous });
  try {
    await deps.warehouse.transaction((tx) => insertRun(tx, outcome.run));
  } catch (e) {
    if (isUniqueViolation(e)) throw raced(report, number);
    throw e;
  }
  deps.log.info('report refreshed', {
    report: report.id,
    run: number,
    trigger,
    status: outcome.run.status,
    changed: outcome.run.changed,
  });
  return outcome;
}
