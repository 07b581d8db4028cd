// POST /api/query: one read-only SELECT in live, snapshot or time-travel mode (lib/query/run.ts,
// docs/query.md). A read: open unless READ_AUTH=token; the bearer token, when it matches, names who ran it.
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../../lib/errors.ts';
import { bearerMatches } from '../../../lib/http/auth.ts';
import { QUERY_MODES, type QueryMode } from '../../../lib/query/contract.ts';
import { storedQueryResult } from '../../../lib/reports/read.ts';
import { parseInstant } from '../../../lib/schema/instant.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { createReportDeps } from '../reports-deps.ts';

export const queryRoutes = new Hono<AppEnv>();

const Param = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const QueryBody = z.object({
  sql: z
    .string()
    .min(1)
    .max(100_000)
    .optional()
    .meta({ description: "one SELECT (CTEs allowed), DuckDB SQL; with report, optional (the report's own)" }),
  mode: z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]),
  at: z.string().optional().meta({ description: 'time_travel: an instant, as GET /api/schema/at/:instant takes it' }),
  version: z.number().int().min(1).optional().meta({ description: 'snapshot: the schema version' }),
  report: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "snapshot: a saved report's id; answers a run's stored result, not a re-run" }),
  run: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'snapshot with report: the run (default: the newest successful)' }),
  limit: z.number().int().min(1).optional().meta({ description: 'rows at most, default 1000, at most 100000' }),
  params: z.array(Param).max(1000).optional().meta({ description: 'values of $1, $2, ...' }),
});

const ResultValue: z.ZodType = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(ResultValue), z.record(z.string(), ResultValue)]),
);

export const QueryResultSchema = z
  .object({
    executionId: z.string(),
    mode: z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]),
    schemaVersion: z.number().nullable(),
    at: z.string().nullable(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.array(z.array(ResultValue)),
    rowCount: z.number(),
    truncated: z.boolean(),
    resultHash: z.string(),
    durationMs: z.number(),
  })
  .meta({ id: 'QueryResult' });

const postQuery = describeRoute({
  summary: 'run one read-only SELECT: live, snapshot (pinned to a version) or time_travel (as at an instant)',
  description:
    'Checked with DuckDB’s parser (one SELECT; core and catalog tables and the typed views only; allowed functions ' +
    'only), at most `limit` rows, 10 s (live) or 60 s, cancelled by the warehouse. A refusal, a failure and a ' +
    'timeout are 400 (`query_refused`, `query_failed`, `query_timeout`). Every execution is logged in ' +
    'query_executions (docs/query.md).',
  tags: ['query'],
  access: 'read',
  body: QueryBody,
  responses: {
    200: { description: 'columns with DuckDB types, rows (exact values), the result hash', schema: QueryResultSchema },
    404: { description: 'snapshot: no such schema version, report or run' },
    409: { description: "snapshot with report: the run failed and stored no result, or the SQL is not the report's" },
  },
});

// Snapshot mode with `report` answers a run's stored result, read back from R2, instead of a re-run
// (docs/query.md#snapshot-mode-and-saved-reports); the SQL must be the report's own.
queryRoutes.post('/api/query', postQuery, async (c) => {
  const body = await postQuery.body(c);
  if (body.report !== undefined || body.run !== undefined) {
    if (body.mode !== 'snapshot') throw new AppError('bad_request', 'report and run: only in snapshot mode');
    if (body.report === undefined) throw new AppError('bad_request', 'run: needs report');
    if (body.version !== undefined) throw new AppError('bad_request', 'snapshot: give version or report, not both');
    const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
    return c.json(await storedQueryResult(deps, body.report, { sql: body.sql, run: body.run }));
  }
  if (body.sql === undefined) throw new AppError('bad_request', 'sql: required (or report, in snapshot mode)');
  let at: Date | undefined;
  if (body.at !== undefined) {
    const parsed = parseInstant(body.at);
    if (!(parsed instanceof Date)) throw new AppError('bad_request', `at: ${parsed.error}`);
    at = parsed;
  }
  const known = await bearerMatches(c.req.header('authorization'), c.env.API_TOKEN ?? '');
  const result = await c.var.runQuery({
    sql: body.sql,
    mode: body.mode,
    ...(at === undefined ? {} : { at }),
    ...(body.version === undefined ? {} : { version: body.version }),
    ...(body.limit === undefined ? {} : { limit: body.limit }),
    ...(body.params === undefined ? {} : { params: body.params }),
    executedBy: known ? 'token' : 'anonymous',
  });
  return c.json(result);
});
