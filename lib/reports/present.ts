// Saved reports and their runs as the API answers them: camelCase JSON, instants as ISO strings, links.
import type { SavedReport } from './definition.ts';
import type { ReportDetail } from './read.ts';
import type { ReportRun } from './tables.ts';

export function runJson(run: ReportRun) {
  return {
    id: run.id,
    run: run.run,
    trigger: run.trigger,
    status: run.status,
    ranAt: run.ranAt.toISOString(),
    durationMs: run.durationMs,
    executionId: run.executionId,
    mode: run.mode,
    schemaVersion: run.schemaVersion,
    at: run.at,
    columns: run.columns,
    rowCount: run.rowCount,
    truncated: run.truncated,
    resultHash: run.resultHash,
    changed: run.changed,
    why: run.why,
    error: run.error,
    errorCode: run.errorCode,
    object: run.object,
  };
}

export function reportJson(report: SavedReport, lastRun: ReportRun | null) {
  const self = `/api/reports/${encodeURIComponent(report.id)}`;
  return {
    id: report.id,
    name: report.name,
    sql: report.sql,
    mode: report.mode,
    params: report.params,
    key: report.key,
    at: report.at?.toISOString() ?? null,
    version: report.version,
    limit: report.limit,
    createdBy: report.createdBy,
    createdAt: report.createdAt.toISOString(),
    updatedAt: report.updatedAt.toISOString(),
    lastRun: lastRun ? runJson(lastRun) : null,
    links: { self, runs: `${self}/runs`, refresh: `${self}/refresh`, diff: `${self}/diff` },
  };
}

/** A report with its last run's verdict on top: `changed` and `why` (null for a first or failed run). */
export function detailJson(detail: ReportDetail) {
  const { lastRun } = detail;
  return {
    ...reportJson(detail.report, lastRun),
    changed: lastRun?.changed ?? null,
    why: lastRun?.why ?? null,
    movedSinceLastRun: detail.movedSinceLastRun,
  };
}
