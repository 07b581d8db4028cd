// A test-only query engine for POST /api/ask, over the real embedded warehouse: the check refuses anything but
// one SELECT as DuckDB's own parser sees it (json_serialize_sql serializes SELECT statements only), and the
// runner checks again and runs it for real, with DuckDB's column types. It stands in for lib/query's engine
// (a stricter check: tables, functions, limits, timeouts, the execution log), which ask-deps.ts takes at merge.
import { z } from 'zod';
import type { QueryRunner, SqlCheck } from '../../lib/ask/ask.ts';
import { sha256Hex } from '../../lib/core/hash.ts';
import { DEFAULT_ROW_LIMIT, type QueryRequest, type QueryResult, type ResultValue } from '../../lib/query/contract.ts';
import type { WarehouseSession } from '../../lib/warehouse/port.ts';

const Tree = z.union([
  z.object({ error: z.literal(true), error_message: z.string() }),
  z.object({ error: z.literal(false), statements: z.array(z.unknown()) }),
]);

/** One SELECT or a refusal, by DuckDB's parser on the warehouse. */
export function parserCheck(db: WarehouseSession): SqlCheck {
  return async (sql) => {
    const [row] = await db.query<{ tree: string }>('SELECT json_serialize_sql($1::VARCHAR)::VARCHAR AS tree', [sql]);
    const tree = Tree.parse(JSON.parse(row?.tree ?? 'null'));
    if (tree.error) return { ok: false, refused: tree.error_message };
    if (tree.statements.length !== 1) {
      return { ok: false, refused: `${tree.statements.length} statements; exactly one SELECT may run` };
    }
    return { ok: true };
  };
}

const value = (v: unknown): ResultValue => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
};

/** What the engine needs of an invocation's deps. */
export interface TestEngineDeps {
  readonly warehouse: WarehouseSession;
  readonly now: () => number;
  readonly newId: () => string;
}

export interface TestAskEngine {
  /** The check and runner over one invocation's deps (the shape of ask-deps.ts's AskEngine). */
  readonly engine: (deps: TestEngineDeps) => { check: SqlCheck; run: QueryRunner };
  /** Every SQL text checked, in order. */
  readonly checked: string[];
  /** Every request run, in order. */
  readonly ran: QueryRequest[];
}

export function testAskEngine(): TestAskEngine {
  const checked: string[] = [];
  const ran: QueryRequest[] = [];
  const engine = (deps: TestEngineDeps) => {
    const check = parserCheck(deps.warehouse);
    return {
      check: (sql: string) => {
        checked.push(sql);
        return check(sql);
      },
      run: async (request: QueryRequest): Promise<QueryResult> => {
        ran.push(request);
        const verdict = await check(request.sql);
        if (!verdict.ok) throw new Error(`the test engine refuses to run: ${verdict.refused}`);
        const started = deps.now();
        const limit = request.limit ?? DEFAULT_ROW_LIMIT;
        const inner = `SELECT * FROM (${request.sql}\n) AS q`;
        const described = await deps.warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE ${inner}`);
        const columns = described.map((d) => ({ name: d.column_name, type: d.column_type }));
        const found = await deps.warehouse.query(`${inner} LIMIT ${limit + 1}`);
        const rows = found
          .slice(0, limit)
          .map((r) => columns.map((c) => value((r as Record<string, unknown>)[c.name])));
        return {
          executionId: deps.newId(),
          mode: request.mode,
          schemaVersion: null,
          at: request.at?.toISOString() ?? null,
          columns,
          rows,
          rowCount: rows.length,
          truncated: found.length > limit,
          resultHash: await sha256Hex(JSON.stringify({ columns, rows })),
          durationMs: deps.now() - started,
        };
      },
    };
  };
  return { engine, checked, ran };
}
