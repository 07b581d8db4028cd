// runQuery: one user query, checked, scoped to its mode, limited, timed and logged (docs/query.md). The
// warehouse parses it (json_serialize_sql) and the check walks the tree; on one connection, inside a
// transaction that is always rolled back, temporary views shadow the tables as the mode sees them, DESCRIBE
// names the result's columns and types, and the query runs under the mode's time limit, cancelled by the
// warehouse when it passes it. Every execution, refused ones included, is a query_executions row.
import { z } from 'zod';
import {
  SNAPSHOT_COLUMNS,
  type SnapshotRow,
  snapshotRow,
  viewsOf,
} from '../discovery/catalog-tables/schema-snapshots.ts';
import { AppError, type ErrorCode, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { SqlParam, Warehouse, WarehouseSession } from '../warehouse/port.ts';
import { quoteIdent } from '../warehouse/sql.ts';
import { resultHash } from './canonical.ts';
import { checkParsed, readParseTree } from './check.ts';
import {
  DEFAULT_ROW_LIMIT,
  MAX_ROW_LIMIT,
  QUERY_MODES,
  QUERY_TIMEOUT_MS,
  type QueryRequest,
  type QueryResult,
  type ResultColumn,
  type ResultValue,
} from './contract.ts';
import { codecFor } from './encode.ts';
import { type ExecutionErrorCode, recordExecution } from './executions.ts';
import { readableRelations, type Scope, scopeStatements } from './scope.ts';
import { buildViews } from './views.ts';

export interface QueryDeps {
  readonly warehouse: Warehouse;
  readonly clock: () => Date;
  /** Milliseconds, for durations and the time limit. */
  readonly now: () => number;
  readonly newId: () => string;
  readonly log: Logger;
  /**
   * Where the execution's log row is written once the answer is made (a Worker's waitUntil), so the
   * answer does not wait on the insert. Without it the row is written before runQuery returns.
   */
  readonly defer?: (work: Promise<unknown>) => void;
}

const refuse = (message: string) => new AppError('query_refused', `query refused: ${message}`);

/** What the request asks for, or why it cannot be asked. */
function validate(request: QueryRequest): { limit: number } {
  if (!QUERY_MODES.includes(request.mode)) throw refuse(`unknown mode ${JSON.stringify(request.mode)}`);
  if (request.mode === 'time_travel' && request.at === undefined) throw refuse('time_travel needs `at`');
  if (request.mode !== 'time_travel' && request.at !== undefined) throw refuse('`at` is for time_travel only');
  if (request.mode === 'snapshot' && request.version === undefined) throw refuse('snapshot needs `version`');
  if (request.mode !== 'snapshot' && request.version !== undefined) throw refuse('`version` is for snapshot only');
  const limit = request.limit ?? DEFAULT_ROW_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROW_LIMIT) {
    throw refuse(`limit must be an integer from 1 to ${MAX_ROW_LIMIT}, not ${limit}`);
  }
  return { limit };
}

const ParseRow = z.object({ parsed_own: z.string(), parsed_wrapped: z.string(), parsed_catalog: z.string() });
const DescribeRow = z.object({ column_name: z.string(), column_type: z.string() });

/** The user's query inside a subquery: what DESCRIBE reads and what the result query selects from. */
export function wrapQuery(sql: string): string {
  // On the query's own first line, so the warehouse's "LINE n" in an error is the user's line n.
  return `SELECT * FROM (${sql.replace(/[\s;]+$/, '')}\n) AS q`;
}

/** Which snapshot a mode sees: the newest, the one in force at `at`, or version `version`. */
function snapshotClause(request: Pick<QueryRequest, 'mode' | 'at' | 'version'>): { where: string; params: SqlParam[] } {
  switch (request.mode) {
    case 'live':
      return { where: 'ORDER BY version DESC', params: [] };
    case 'time_travel':
      return {
        where: 'WHERE published_at <= $3::TIMESTAMPTZ ORDER BY published_at DESC, version DESC',
        params: [(request.at as Date).toISOString()],
      };
    case 'snapshot':
      return { where: 'WHERE version = $3::INTEGER', params: [request.version as number] };
  }
}

/**
 * Why `sql` may not run (no refusals: it may) over the views of the snapshot the mode sees, the relations it
 * reads, the text that runs and the catalog. One round trip: the parse trees and the snapshot row together.
 */
async function checked(db: WarehouseSession, sql: string, request: Pick<QueryRequest, 'mode' | 'at' | 'version'>) {
  const wrapped = wrapQuery(sql);
  const { where, params } = snapshotClause(request);
  const [parsed] = await db.query<Record<string, unknown>>(
    `SELECT p.*, s.* FROM (
       SELECT json_serialize_sql($1::VARCHAR)::VARCHAR AS parsed_own, json_serialize_sql($2::VARCHAR)::VARCHAR AS parsed_wrapped,
              current_database() AS parsed_catalog) AS p
     LEFT JOIN (SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots ${where} LIMIT 1) AS s ON true`,
    [sql, wrapped, ...params],
  );
  const { parsed_own: own, parsed_wrapped: wrappedTree, parsed_catalog: catalog } = ParseRow.parse(parsed);
  const target = parsed?.version === null || parsed?.version === undefined ? null : snapshotRow(parsed);
  if (request.mode === 'snapshot' && target === null)
    throw new AppError('not_found', `no schema version ${request.version}`);
  const views = (target ? viewsOf(target) : buildViews({ entityTypes: [], fields: [] })).views;
  const relations = readableRelations(views);
  const { refusals, reads } = checkParsed(readParseTree(own), relations);
  // The text that runs is the wrapped one: it must pass too (it does whenever the query itself does).
  if (refusals.length === 0) refusals.push(...checkParsed(readParseTree(wrappedTree), relations).refusals);
  return { target, refusals, reads, wrapped, catalog, views };
}

/**
 * The check runQuery makes, without running or logging anything: would `sql` be refused live, over the
 * current schema version's views? POST /api/ask checks the model's proposals with it.
 */
export async function checkQuery(
  deps: Pick<QueryDeps, 'warehouse'>,
  sql: string,
): Promise<{ ok: true } | { ok: false; refused: string }> {
  const { refusals } = await checked(deps.warehouse, sql, { mode: 'live' });
  return refusals.length === 0 ? { ok: true } : { ok: false, refused: refusals.join('; ') };
}

/** Runs one query (see the file comment). Throws AppError: query_refused, query_failed, query_timeout, not_found. */
export async function runQuery(deps: QueryDeps, request: QueryRequest): Promise<QueryResult> {
  const id = deps.newId();
  const executedAt = deps.clock();
  const started = deps.now();
  const deadline = started + QUERY_TIMEOUT_MS[request.mode];
  let limit: number | null = null;
  let target: SnapshotRow | null = null;
  let asOf: Date | null = request.at ?? null;
  const record = async (outcome: Pick<QueryResult, 'rowCount' | 'resultHash' | 'truncated'> | { error: AppError }) => {
    const written = write(outcome);
    if (deps.defer) deps.defer(written);
    else await written;
  };
  const write = (outcome: Pick<QueryResult, 'rowCount' | 'resultHash' | 'truncated'> | { error: AppError }) =>
    recordExecution(deps.warehouse, {
      id,
      mode: request.mode,
      sql: request.sql,
      params: request.params ?? [],
      snapshotVersion: target?.version ?? null,
      asOf,
      savedQueryId: request.savedQueryId ?? null,
      rowCount: 'error' in outcome ? null : outcome.rowCount,
      resultHash: 'error' in outcome ? null : outcome.resultHash,
      error: 'error' in outcome ? { code: executionCode(outcome.error.code), message: outcome.error.message } : null,
      durationMs: deps.now() - started,
      executedBy: request.executedBy,
      executedAt,
      rowLimit: limit,
      truncated: 'error' in outcome ? null : outcome.truncated,
    }).catch((e: unknown) => deps.log.error('query: could not record the execution', { id, error: errorMessage(e) }));
  try {
    ({ limit } = validate(request));
    const found = await checked(deps.warehouse, request.sql, request);
    const { refusals, reads, wrapped, catalog, views } = found;
    target = found.target;
    if (request.mode === 'snapshot' && target) asOf = target.publishedAt;
    if (refusals.length > 0) throw refuse(refusals.join('; '));
    const scope: Scope = asOf === null ? { kind: 'live' } : { kind: 'as_of', at: asOf };
    const statements = scopeStatements(scope, catalog, views, reads);
    const rowLimit = limit;
    const timeLimit = `${request.mode} mode's limit of ${QUERY_TIMEOUT_MS[request.mode] / 1000} s`;
    const { columns, rows } = await inScope(deps.warehouse, statements, (tx) =>
      select(tx, wrapped, request.params ?? [], rowLimit, () => deadline - deps.now(), timeLimit),
    );
    const truncated = rows.length > rowLimit;
    const kept = truncated ? rows.slice(0, rowLimit) : rows;
    const hash = await resultHash(columns, kept);
    const result: QueryResult = {
      executionId: id,
      mode: request.mode,
      schemaVersion: target?.version ?? null,
      at: asOf?.toISOString() ?? null,
      columns,
      rows: kept,
      rowCount: kept.length,
      truncated,
      resultHash: hash,
      durationMs: Math.round(deps.now() - started),
    };
    await record(result);
    return result;
  } catch (error) {
    const failure = error instanceof AppError ? error : new AppError('internal', errorMessage(error), { cause: error });
    await record({ error: failure });
    throw failure;
  }
}

function executionCode(code: ErrorCode): ExecutionErrorCode {
  switch (code) {
    case 'query_refused':
    case 'not_found':
      return 'refused';
    case 'query_timeout':
      return 'timeout';
    case 'warehouse_unavailable':
      return 'unavailable';
    default:
      return 'failed';
  }
}

class Rollback<T> {
  readonly value: T;
  constructor(value: T) {
    this.value = value;
  }
}

/** `work` on one connection after `statements`, in a transaction that is rolled back whatever happens. */
async function inScope<T>(
  warehouse: Warehouse,
  statements: readonly string[],
  work: (tx: WarehouseSession) => Promise<T>,
): Promise<T> {
  try {
    await warehouse.transaction(async (tx) => {
      if (statements.length > 0) await tx.exec(statements.join(';\n'));
      throw new Rollback(await work(tx));
    });
  } catch (outcome) {
    if (outcome instanceof Rollback) return outcome.value as T;
    throw outcome;
  }
  throw new Error('unreachable: the scope transaction committed');
}

/** DESCRIBE, then the rows (one more than the limit, to tell a cut result), each column as text (encode.ts). */
async function select(
  tx: WarehouseSession,
  wrapped: string,
  params: readonly SqlParam[],
  limit: number,
  remaining: () => number,
  timeLimit: string,
): Promise<{ columns: ResultColumn[]; rows: ResultValue[][] }> {
  const described = (
    await userStatement(() => tx.query(`DESCRIBE ${wrapped}`, params, { timeoutMs: remaining() }), timeLimit)
  ).map((row) => DescribeRow.parse(row));
  const columns = described.map((d) => ({ name: d.column_name, type: d.column_type }));
  const codecs = columns.map((c) => codecFor(c.type));
  const aliases = columns.map((_, i) => quoteIdent(`c${i}`));
  const list =
    codecs.length === 0 ? '1 AS c' : codecs.map((c, i) => `${c.sql(`r.${aliases[i]}`)} AS ${aliases[i]}`).join(', ');
  const from = `(\n${wrapped}\n) AS r${aliases.length === 0 ? '' : `(${aliases.join(', ')})`}`;
  const rows = await userStatement(
    () =>
      tx.query<Record<string, string | null>>(`SELECT ${list} FROM ${from} LIMIT ${limit + 1}`, params, {
        timeoutMs: remaining(),
      }),
    timeLimit,
  );
  return {
    columns,
    rows: rows.map((row) =>
      codecs.map((codec, i) => {
        const text = row[`c${i}`];
        return text === null || text === undefined ? null : codec.decode(text);
      }),
    ),
  };
}

/** A statement of the user's query: the warehouse's error is the query's fault (400), not the service's. */
async function userStatement<T>(run: () => Promise<T>, timeLimit: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError && error.code === 'query_timeout') {
      throw new AppError('query_timeout', `query cancelled by the warehouse: it ran past the ${timeLimit}`, {
        cause: error,
      });
    }
    if (error instanceof AppError && error.code === 'warehouse_query') {
      throw new AppError('query_failed', `query failed: ${error.message}`, {
        cause: error,
        ...(error.sqlstate === undefined ? {} : { sqlstate: error.sqlstate }),
      });
    }
    throw error;
  }
}
