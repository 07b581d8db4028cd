// Saved reports (docs/reports.md): create (the first run), list, read with what changed and why, refresh,
// runs, a run's stored result, and the diff of two stored runs.
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../../lib/errors.ts';
import { pageParams, pageSchema } from '../../../lib/http/page.ts';
import { QUERY_MODES, type QueryMode } from '../../../lib/query/contract.ts';
import { definitionOf, ReportInput } from '../../../lib/reports/definition.ts';
import { deleteReport } from '../../../lib/reports/delete.ts';
import {
  ColumnChanges,
  Movement,
  ResultColumnSchema,
  RowCounts,
  RunExplanation,
  VersionMove,
} from '../../../lib/reports/explain.ts';
import { detailJson, reportJson, runJson } from '../../../lib/reports/present.ts';
import { diffRuns, reportDetail, reportPage, runPage, runResult } from '../../../lib/reports/read.ts';
import { createReport, refreshReport } from '../../../lib/reports/refresh.ts';
import { RunStatus, RunTrigger } from '../../../lib/reports/tables.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { createReportDeps } from '../reports-deps.ts';

export const reportRoutes = new Hono<AppEnv>();

const Mode = z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]);
const Value = z.unknown().meta({ description: 'a result value (ResultValue, lib/query/contract.ts)' });
const RowObject = z.record(z.string(), Value);

const ReportRun = z
  .object({
    id: z.string(),
    run: z.number().int(),
    trigger: RunTrigger,
    status: RunStatus,
    ranAt: z.iso.datetime(),
    durationMs: z.number().nullable(),
    executionId: z.string().nullable(),
    mode: Mode,
    schemaVersion: z.number().int().nullable(),
    at: z.string().nullable(),
    columns: z.array(ResultColumnSchema).nullable(),
    rowCount: z.number().int().nullable(),
    truncated: z.boolean().nullable(),
    resultHash: z.string().nullable(),
    changed: z.boolean().nullable(),
    why: RunExplanation.nullable(),
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
    object: z.object({ key: z.string(), etag: z.string(), bytes: z.number().int() }).nullable(),
  })
  .meta({ id: 'ReportRun' });

const Report = z
  .object({
    id: z.string(),
    name: z.string(),
    sql: z.string(),
    mode: Mode,
    params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
    key: z.array(z.string()).nullable(),
    at: z.iso.datetime().nullable(),
    version: z.number().int().nullable(),
    limit: z.number().int().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    lastRun: ReportRun.nullable(),
    links: z.object({ self: z.string(), runs: z.string(), refresh: z.string(), diff: z.string() }),
  })
  .meta({ id: 'Report' });

const ReportDetail = Report.extend({
  changed: z.boolean().nullable().meta({ description: 'the last run’s: null for a first or failed run' }),
  why: RunExplanation.nullable(),
  movedSinceLastRun: Movement.nullable(),
}).meta({ id: 'ReportDetail' });

const ReportId = z.object({ id: z.string() });
const RunParams = z.object({ id: z.string(), run: z.coerce.number().int().min(1) });

const getReports = describeRoute({
  summary: 'saved reports by name, each with its last run',
  tags: ['reports'],
  access: 'read',
  query: pageParams(200, 50),
  responses: { 200: { description: 'one page of reports', schema: pageSchema('reports', Report) } },
});

reportRoutes.get('/api/reports', getReports, async (c) => {
  const { limit, offset } = getReports.query(c);
  const { reports, total } = await reportPage(c.var.deps, { limit, offset });
  return c.json({ reports: reports.map((r) => reportJson(r.report, r.lastRun)), limit, offset, total });
});

const postReport = describeRoute({
  summary: 'save a report and run it once',
  description:
    'The query engine checks and runs the SQL; a refusal, repeated column names, or key columns that are missing or not unique are 400 and nothing is saved.',
  tags: ['reports'],
  access: 'write',
  body: ReportInput,
  responses: {
    201: { description: 'the report with its first run', schema: ReportDetail },
    409: { description: 'a report of that name exists' },
  },
});

reportRoutes.post('/api/reports', postReport, async (c) => {
  const input = await postReport.body(c);
  const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
  const { report, run } = await createReport(deps, definitionOf(input));
  c.header('location', `/api/reports/${encodeURIComponent(report.id)}`);
  return c.json(detailJson({ report, lastRun: run, movedSinceLastRun: null }), 201);
});

const getOneReport = describeRoute({
  summary: 'one report: its last run, whether it changed and why, and what moved since',
  tags: ['reports'],
  access: 'read',
  params: ReportId,
  responses: { 200: { description: 'the report', schema: ReportDetail } },
});

reportRoutes.get('/api/reports/:id', getOneReport, async (c) =>
  c.json(detailJson(await reportDetail(c.var.deps, getOneReport.params(c).id))),
);

const postRefresh = describeRoute({
  summary: 'run a report again now',
  description:
    'A run the query engine refuses is recorded as a failed run and answered with the engine’s error; a warehouse or storage outage records nothing (503).',
  tags: ['reports'],
  access: 'write',
  params: ReportId,
  responses: {
    200: { description: 'the report with the new run, changed and why', schema: ReportDetail },
    409: { description: 'another refresh of the report took the same run number' },
  },
});

reportRoutes.post('/api/reports/:id/refresh', postRefresh, async (c) => {
  const { id } = postRefresh.params(c);
  const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
  const { run, error } = await refreshReport(deps, id, 'api');
  if (error) throw new AppError(error.code, `${error.message} (recorded as failed run ${run.run})`);
  return c.json(detailJson(await reportDetail(c.var.deps, id)));
});

const deleteOne = describeRoute({
  summary: 'delete a report: its runs, its definition and its stored results',
  tags: ['reports'],
  access: 'write',
  params: ReportId,
  responses: {
    200: {
      description: 'what was deleted',
      schema: z.object({ id: z.string(), name: z.string(), runs: z.number().int(), objects: z.number().int() }),
    },
  },
});

reportRoutes.delete('/api/reports/:id', deleteOne, async (c) => {
  const { id } = deleteOne.params(c);
  const deleted = await deleteReport(createReportDeps(c.env, c.var.deps, c.var.runQuery), id);
  c.var.deps.log.info('report deleted', { ...deleted });
  return c.json(deleted);
});

const getRuns = describeRoute({
  summary: 'a report’s runs, newest first',
  tags: ['reports'],
  access: 'read',
  params: ReportId,
  query: pageParams(200, 20),
  responses: { 200: { description: 'one page of runs', schema: pageSchema('runs', ReportRun) } },
});

reportRoutes.get('/api/reports/:id/runs', getRuns, async (c) => {
  const { limit, offset } = getRuns.query(c);
  const { runs, total } = await runPage(c.var.deps, getRuns.params(c).id, { limit, offset });
  return c.json({ runs: runs.map(runJson), limit, offset, total });
});

const getRunResult = describeRoute({
  summary: 'a run’s stored result, exactly as the run saw it',
  description:
    'Read back from the run’s Parquet object in vessel-reports, never run again (docs/reports.md#snapshots).',
  tags: ['reports'],
  access: 'read',
  params: RunParams,
  responses: {
    200: {
      description: 'the run and its rows',
      schema: z.object({
        report: z.string(),
        run: ReportRun,
        columns: z.array(ResultColumnSchema),
        rows: z.array(z.array(Value)),
        rowCount: z.number().int(),
      }),
    },
    409: { description: 'the run failed and stored no result' },
  },
});

reportRoutes.get('/api/reports/:id/runs/:run', getRunResult, async (c) => {
  const { id, run } = getRunResult.params(c);
  const found = await runResult(createReportDeps(c.env, c.var.deps, c.var.runQuery), id, run);
  return c.json({
    report: found.report.id,
    run: runJson(found.run),
    columns: found.result.columns,
    rows: found.result.rows,
    rowCount: found.result.rows.length,
  });
});

const RunRef = z.object({
  run: z.number().int(),
  ranAt: z.iso.datetime(),
  schemaVersion: z.number().int().nullable(),
  rowCount: z.number().int(),
  resultHash: z.string(),
});

const getDiff = describeRoute({
  summary: 'rows added, removed and changed between two stored runs',
  description:
    'By the report’s key columns, or by whole rows (`by=rows`, or without a key); default runs: the newest successful one and the successful one before it. Lists keep `limit` items each; the counts are whole.',
  tags: ['reports'],
  access: 'read',
  params: ReportId,
  query: z.object({
    from: z.coerce.number().int().min(1).optional(),
    to: z.coerce.number().int().min(1).optional(),
    by: z.enum(['key', 'rows']).optional(),
    limit: z.coerce.number().int().min(0).max(10_000).default(1000),
  }),
  responses: {
    200: {
      description: 'the diff and the schema versions involved',
      schema: z.object({
        report: z.string(),
        from: RunRef,
        to: RunRef,
        by: z.enum(['key', 'rows']),
        key: z.array(z.string()).nullable(),
        columns: ColumnChanges,
        counts: RowCounts.extend({ unchanged: z.number().int() }),
        added: z.array(RowObject),
        removed: z.array(RowObject),
        changed: z.array(
          z.object({ key: RowObject, before: RowObject, after: RowObject, columns: z.array(z.string()) }),
        ),
        truncated: z.boolean(),
        schema: z.object({
          from: z.number().int().nullable(),
          to: z.number().int().nullable(),
          versions: z.array(VersionMove),
        }),
      }),
    },
    409: { description: 'a run failed, or the key does not pair the rows (not unique, or missing): use by=rows' },
  },
});

reportRoutes.get('/api/reports/:id/diff', getDiff, async (c) => {
  const { id } = getDiff.params(c);
  const { from, to, by, limit } = getDiff.query(c);
  const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
  return c.json(
    await diffRuns(deps, id, { limit, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(by ? { by } : {}) }),
  );
});
