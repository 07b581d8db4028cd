// A stand-in for the query engine (lib/query/run.ts) in report tests, until it is wired: live mode only, the
// user's SQL run as it is on the real warehouse, no safety check and no query_executions row. What it answers
// is honest: DuckDB's own column names and types (DESCRIBE), the real rows in JSON-safe forms, the limit
// (one more row read to tell `truncated`), and resultHash over lib/query/canonical.ts.
import { AppError } from '../../lib/errors.ts';
import { resultHashOf } from '../../lib/query/canonical.ts';
import { DEFAULT_ROW_LIMIT, type ResultColumn, type ResultValue } from '../../lib/query/contract.ts';
import type { RunQuery } from '../../lib/reports/deps.ts';
import type { SqlParam, WarehouseSession } from '../../lib/warehouse/port.ts';

const SMALL_NUMBERS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT', 'FLOAT', 'DOUBLE']);

/** How a column travels: as itself (booleans, small numbers), as JSON (nested values), else as text. */
function select(type: string, column: string): { sql: string; nested: boolean } {
  if (type === 'BOOLEAN' || SMALL_NUMBERS.has(type)) return { sql: column, nested: false };
  if (type === 'JSON' || /\[\d*\]$|^(STRUCT|MAP|UNION)\(/.test(type))
    return { sql: `to_json(${column})::VARCHAR`, nested: true };
  return { sql: `${column}::VARCHAR`, nested: false };
}

/** The warehouse's errors about the SQL (syntax, names, types, casts) are the caller's: bad_request. */
function refusal(error: unknown): unknown {
  if (error instanceof AppError && error.code === 'warehouse_query' && /^(42|22)/.test(error.sqlstate ?? ''))
    return new AppError('bad_request', error.message);
  return error;
}

export function createTestQueryRunner(
  warehouse: WarehouseSession,
  options: { readonly newId?: () => string; readonly now?: () => number } = {},
): RunQuery {
  const newId = options.newId ?? (() => crypto.randomUUID());
  const now = options.now ?? (() => Date.now());
  return async (request) => {
    if (request.mode !== 'live')
      throw new AppError('bad_request', `the test runner runs live queries, not ${request.mode}`);
    const started = now();
    const params = (request.params ?? []) as SqlParam[];
    const limit = request.limit ?? DEFAULT_ROW_LIMIT;
    try {
      const described = await warehouse.query<{ column_name: string; column_type: string }>(
        `DESCRIBE (${request.sql})`,
        params,
      );
      const columns: ResultColumn[] = described.map((d) => ({ name: d.column_name, type: d.column_type }));
      const parts = columns.map((c, i) => select(c.type, `c${i}`));
      const aliases = columns.map((_, i) => `c${i}`).join(', ');
      const fetched = await warehouse.query<Record<string, unknown>>(
        `SELECT ${parts.map((p, i) => `${p.sql} AS c${i}`).join(', ')} FROM (${request.sql}) AS result(${aliases})
         LIMIT ${limit + 1}`,
        params,
      );
      const rows: ResultValue[][] = fetched.slice(0, limit).map((r) =>
        parts.map((p, i) => {
          const v = r[`c${i}`];
          if (v === null || v === undefined) return null;
          return p.nested ? (JSON.parse(String(v)) as ResultValue) : (v as ResultValue);
        }),
      );
      const [version] = await warehouse.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_snapshots');
      return {
        executionId: newId(),
        mode: 'live',
        schemaVersion: version?.v ?? null,
        at: null,
        columns,
        rows,
        rowCount: rows.length,
        truncated: fetched.length > limit,
        resultHash: await resultHashOf(columns, rows),
        durationMs: now() - started,
      };
    } catch (error) {
      throw refusal(error);
    }
  };
}
