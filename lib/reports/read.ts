// Reading saved reports: one with its last run and what moved since, pages of reports and runs, a stored
// run's rows exactly as they were seen, and the diff between two stored runs (never a re-run).
import { AppError } from '../errors.ts';
import type { PageRequest } from '../http/page.ts';
import type { QueryResult } from '../query/contract.ts';
import type { SavedReport } from './definition.ts';
import type { ReportDeps } from './deps.ts';
import { diffResults, type ResultDiff, type StoredRows } from './diff.ts';
import { dataMovedBetween, latestVersion, type Movement, schemaMovedBetween, type VersionMove } from './explain.ts';
import { loadResult } from './stored.ts';
import { getReport, getRun, latestRun, latestRuns, listReports, listRuns, type ReportRun } from './tables.ts';

type Db = Pick<ReportDeps, 'warehouse'>;

async function reportOr404(deps: Db, id: string): Promise<SavedReport> {
  const report = await getReport(deps.warehouse, id);
  if (!report) throw new AppError('not_found', `no report ${id}`);
  return report;
}

async function runOr404(deps: Db, report: SavedReport, run: number): Promise<ReportRun> {
  const found = await getRun(deps.warehouse, report.id, run);
  if (!found) throw new AppError('not_found', `report '${report.name}' has no run ${run}`);
  return found;
}

export interface ReportDetail {
  readonly report: SavedReport;
  readonly lastRun: ReportRun | null;
  /**
   * Live reports: loads and schema versions since the last successful run, which a refresh would see (null
   * for time_travel and snapshot reports, whose data is pinned, and before a successful run).
   */
  readonly movedSinceLastRun: Movement | null;
}

/** One report with its newest run and, for a live report, what moved since its last successful run. */
export async function reportDetail(deps: Pick<ReportDeps, 'warehouse' | 'clock'>, id: string): Promise<ReportDetail> {
  const report = await reportOr404(deps, id);
  const lastRun = await latestRun(deps.warehouse, id);
  const lastOk = lastRun?.status === 'ok' ? lastRun : await latestRun(deps.warehouse, id, 'ok');
  if (report.mode !== 'live' || lastOk === null) return { report, lastRun, movedSinceLastRun: null };
  const until = deps.clock();
  const current = await latestVersion(deps.warehouse);
  const movedSinceLastRun: Movement = {
    data: {
      since: lastOk.ranAt.toISOString(),
      until: until.toISOString(),
      tables: await dataMovedBetween(deps.warehouse, lastOk.ranAt, until),
    },
    schema: {
      from: lastOk.schemaVersion,
      to: current,
      versions: await schemaMovedBetween(deps.warehouse, lastOk.schemaVersion, current),
    },
  };
  return { report, lastRun, movedSinceLastRun };
}

/** A page of reports by name, each with its newest run. */
export async function reportPage(
  deps: Db,
  page: PageRequest,
): Promise<{ reports: { report: SavedReport; lastRun: ReportRun | null }[]; total: number }> {
  const { reports, total } = await listReports(deps.warehouse, page);
  const last = await latestRuns(
    deps.warehouse,
    reports.map((r) => r.id),
  );
  return { reports: reports.map((report) => ({ report, lastRun: last.get(report.id) ?? null })), total };
}

/** A page of a report's runs, newest first. */
export async function runPage(
  deps: Db,
  id: string,
  page: PageRequest,
): Promise<{ report: SavedReport; runs: ReportRun[]; total: number }> {
  const report = await reportOr404(deps, id);
  return { report, ...(await listRuns(deps.warehouse, id, page)) };
}

/** A run's stored result, read back from the results bucket exactly as the run saw it. */
export async function runResult(
  deps: Pick<ReportDeps, 'warehouse' | 'store'>,
  id: string,
  run: number,
): Promise<{ report: SavedReport; run: ReportRun; result: StoredRows }> {
  const report = await reportOr404(deps, id);
  const found = await runOr404(deps, report, run);
  const stored = await loadResult(deps, found);
  return { report, run: found, result: { columns: stored.columns, rows: stored.rows } };
}

/**
 * A stored run as the query engine's result: what POST /api/query's snapshot mode answers for
 * `{"mode": "snapshot", "report": id, "run": n}` (docs/reports.md#snapshots). Without `run`, the newest
 * successful run. SQL, if sent, must be the report's, so the answer is never mistaken for another query's.
 */
export async function storedQueryResult(
  deps: Pick<ReportDeps, 'warehouse' | 'store'>,
  id: string,
  { sql, run }: { readonly sql?: string | undefined; readonly run?: number | undefined },
): Promise<QueryResult> {
  const report = await reportOr404(deps, id);
  if (sql !== undefined && sql.trim() !== report.sql.trim())
    throw new AppError('conflict', `the SQL is not report '${report.name}'s; send the report's SQL, or run it live`);
  const found =
    run !== undefined ? await runOr404(deps, report, run) : await latestRun(deps.warehouse, report.id, 'ok');
  if (found === null) throw new AppError('conflict', `report '${report.name}' has no successful run`);
  const { metadata, columns, rows } = await loadResult(deps, found);
  return {
    executionId: metadata.executionId,
    mode: 'snapshot',
    schemaVersion: metadata.schemaVersion,
    at: metadata.at,
    columns,
    rows,
    rowCount: rows.length,
    truncated: metadata.truncated,
    resultHash: metadata.resultHash,
    durationMs: found.durationMs ?? 0,
  };
}

export interface RunRef {
  readonly run: number;
  readonly ranAt: string;
  readonly schemaVersion: number | null;
  readonly rowCount: number;
  readonly resultHash: string;
}

export type RunDiff = ResultDiff & {
  readonly report: string;
  readonly from: RunRef;
  readonly to: RunRef;
  /** The schema versions the two runs saw, and those published from one to the other. */
  readonly schema: { readonly from: number | null; readonly to: number | null; readonly versions: VersionMove[] };
};

const refOf = (r: ReportRun): RunRef => ({
  run: r.run,
  ranAt: r.ranAt.toISOString(),
  schemaVersion: r.schemaVersion,
  rowCount: r.rowCount ?? 0,
  resultHash: r.resultHash ?? '',
});

/** The run before `run` that stored a result. */
async function previousOk(deps: Db, report: SavedReport, run: number): Promise<ReportRun> {
  const found = await latestRun(deps.warehouse, report.id, 'ok', run);
  if (!found) throw new AppError('conflict', `report '${report.name}' has no successful run before run ${run}`);
  return found;
}

/**
 * Rows added, removed and changed from stored run `from` to stored run `to` (default: the newest successful
 * run and the successful one before it), by the report's key or (`by: 'rows'`, or without a key) whole rows.
 */
export async function diffRuns(
  deps: Pick<ReportDeps, 'warehouse' | 'store'>,
  id: string,
  options: { readonly from?: number; readonly to?: number; readonly by?: 'key' | 'rows'; readonly limit: number },
): Promise<RunDiff> {
  const report = await reportOr404(deps, id);
  if (options.by === 'key' && report.key === null)
    throw new AppError('bad_request', `report '${report.name}' declares no key columns: diff by rows`);
  const to =
    options.to !== undefined
      ? await runOr404(deps, report, options.to)
      : await latestRun(deps.warehouse, report.id, 'ok');
  if (to === null) throw new AppError('conflict', `report '${report.name}' has no successful run`);
  const from =
    options.from !== undefined ? await runOr404(deps, report, options.from) : await previousOk(deps, report, to.run);
  const [before, after] = [await loadResult(deps, from), await loadResult(deps, to)];
  const key = options.by === 'rows' ? null : report.key;
  const outcome = diffResults(before, after, {
    key,
    limit: options.limit,
    labels: [`run ${from.run}`, `run ${to.run}`],
  });
  if (!outcome.ok) throw new AppError('conflict', `${outcome.problem}; diff by whole rows with ?by=rows`);
  const versions = await schemaMovedBetween(deps.warehouse, from.schemaVersion, to.schemaVersion);
  return {
    report: report.id,
    from: refOf(from),
    to: refOf(to),
    ...outcome.diff,
    schema: { from: from.schemaVersion, to: to.schemaVersion, versions },
  };
}
