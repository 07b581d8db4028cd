// runQuery against the embedded warehouse: what the safety check refuses (and says), what it lets through,
// exact values of every type, the row limit, and the query_executions row of every execution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/log.ts';
import type { QueryRequest, QueryResult } from '../../lib/query/contract.ts';
import { type QueryDeps, runQuery } from '../../lib/query/run.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

let warehouse: Warehouse;
let deps: QueryDeps;
let ids = 0;

beforeAll(async () => {
  ({ warehouse } = await migratedDatabase('query_run'));
  deps = {
    warehouse,
    clock: () => new Date('2026-12-01T00:00:00.000Z'),
    now: () => performance.now(),
    newId: () => `exec-${++ids}`,
    log: silentLogger,
  };
  await warehouse.exec(`
    INSERT INTO annotations (record_id, document_id, entity_type, "start", "end", text, status, annotated_at, batch_id, source_key, ingested_at, valid_from, valid_to)
    VALUES ('r1', 'd1', 'IMO_NUMBER', 0, 7, '9074729', 'submitted', '2026-11-20 09:00:00+00', 'b1', 'k1', '2026-11-20 10:00:00+00', '2026-11-20 10:00:00+00', NULL),
           ('r0', 'd1', 'IMO_NUMBER', 0, 7, '9074720', 'submitted', '2026-11-19 09:00:00+00', 'b0', 'k1', '2026-11-19 10:00:00+00', '2026-11-19 10:00:00+00', '2026-11-20 10:00:00+00');
    CREATE TABLE secrets AS SELECT 'hunter2' AS password;
  `);
});

afterAll(async () => warehouse?.close());

const run = (sql: string, extra: Partial<QueryRequest> = {}): Promise<QueryResult> =>
  runQuery(deps, { sql, mode: 'live', executedBy: 'test', ...extra });

async function refusal(sql: string, extra: Partial<QueryRequest> = {}): Promise<AppError> {
  const error = await run(sql, extra).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`not refused: ${sql} (${String(error)})`);
  return error;
}

describe('the safety check', () => {
  const cases: [string, string][] = [
    ['DROP TABLE annotations', 'only a SELECT statement may run (CTEs allowed; PIVOT and UNPIVOT are not supported)'],
    ['SELECT 1; SELECT 2', 'exactly one statement may run, not 2'],
    ["SELECT * FROM read_csv('/etc/passwd')", 'table function read_csv reads files or URLs'],
    ["SELECT * FROM '/etc/passwd'", 'table "/etc/passwd" is not a table or view a query may read'],
    ["COPY annotations TO '/tmp/out.csv'", 'only a SELECT statement may run'],
    ["ATTACH ':memory:' AS other", 'only a SELECT statement may run'],
    ['SET threads = 1', 'only a SELECT statement may run'],
    ['PRAGMA version', 'only a SELECT statement may run'],
    ['EXPLAIN SELECT 1', 'only a SELECT statement may run'],
    ['SELECT * FROM (PIVOT annotations ON entity_type USING count(*))', 'PIVOT and UNPIVOT are not supported'],
    ['INSERT INTO annotations SELECT * FROM annotations', 'only a SELECT statement may run'],
    ['SELECT * FROM nowhere', 'table "nowhere" is not a table or view a query may read'],
    ['SELECT * FROM secrets', 'table "secrets" is not a table or view a query may read'],
    ['SELECT * FROM ingest_log', 'table "ingest_log" is not a table or view a query may read'],
    ['SELECT * FROM information_schema.tables', 'table information_schema.tables: only the tables and views'],
    ['SELECT * FROM temp.main.annotations', 'table temp.main.annotations: only the tables and views'],
    [
      "WITH x AS (SELECT current_setting('threads') AS t) SELECT * FROM x",
      'function current_setting reads the session',
    ],
    ["SELECT * FROM annotations WHERE text IN (SELECT getvariable('v'))", 'function getvariable reads the session'],
    ["SELECT list_transform([1], lambda x: current_setting('threads'))", 'function current_setting'],
    ["SELECT 1 ORDER BY getenv('HOME')", 'function getenv reads the session'],
    ["SELECT * FROM (SELECT * FROM (SELECT 1) WHERE EXISTS (FROM glob('/*')))", 'table function glob reads files'],
    ['WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets', 'table "secrets" is not a table or view'],
    ['WITH a AS (SELECT * FROM secrets), secrets AS (SELECT 1) SELECT * FROM a', 'table "secrets" is not'],
    ["SELECT * FROM query('SELECT * FROM secrets')", 'table function query runs SQL text'],
    ["SELECT json_serialize_plan('SELECT * FROM secrets')", 'function json_serialize_plan parses or plans SQL'],
    ['SELECT * FROM duckdb_settings()', 'table function duckdb_settings reads the instance'],
    ['SUMMARIZE annotations', 'is not allowed in a query (SHOW, DESCRIBE and SUMMARIZE included)'],
    ['SELECT * FROM annotations AT (VERSION => 1)', 'AT (...) is not allowed'],
    ["SELECT nextval('seq')", 'function nextval changes state'],
    ["SELECT other.main.lower('A')", 'function other.main.lower: functions may not be qualified'],
    ['-- nothing but a comment', 'the query is empty'],
    ['SELEC 1', 'parser error: syntax error at or near "SELEC"'],
  ];
  for (const [sql, reason] of cases) {
    it(`refuses ${JSON.stringify(sql)}: ${reason}`, async () => {
      const error = await refusal(sql);
      expect([error.code, error.status]).toEqual(['query_refused', 400]);
      expect(error.message).toContain(reason);
    });
  }

  it('names every refused thing at once', async () => {
    const error = await refusal("SELECT current_setting('a'), getvariable('b') FROM ingest_log, read_csv('x')");
    expect(error.message).toBe(
      'query refused: function current_setting reads the session (settings, variables, the running query, the connection or the user); ' +
        'function getvariable reads the session (settings, variables, the running query, the connection or the user); ' +
        'table "ingest_log" is not a table or view a query may read; table function read_csv reads files or URLs',
    );
  });

  it('lets through CTEs, recursive ones, subqueries, generators, comments and main-qualified tables', async () => {
    const ok = [
      'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT sum(n)::INTEGER AS s FROM t',
      'WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS x FROM a) SELECT x FROM b',
      'SELECT count(*) AS n FROM range(3) r, generate_series(1, 2) g, unnest([1, 2]) u(x)',
      'SELECT 1 AS one /* ; DROP TABLE annotations */ -- ; SELECT 2',
      'SELECT count(*) AS n FROM main.annotations;',
    ];
    for (const sql of ok) expect((await run(sql)).rowCount).toBeGreaterThan(0);
  });

  it('refuses requests the mode cannot take, and logs them like any execution', async () => {
    expect((await refusal('SELECT 1', { mode: 'time_travel' })).message).toBe('query refused: time_travel needs `at`');
    expect((await refusal('SELECT 1', { at: new Date() })).message).toBe('query refused: `at` is for time_travel only');
    expect((await refusal('SELECT 1', { mode: 'snapshot' })).message).toBe('query refused: snapshot needs `version`');
    expect((await refusal('SELECT 1', { limit: 100_001 })).message).toBe(
      'query refused: limit must be an integer from 1 to 100000, not 100001',
    );
    const missing = await refusal('SELECT 1', { mode: 'snapshot', version: 9 });
    expect([missing.code, missing.message]).toEqual(['not_found', 'no schema version 9']);
  });

  it('answers a query the warehouse cannot run with its error, as the user’s (400), line numbers the user’s', async () => {
    const error = await refusal('SELECT 1,\n  nosuch FROM annotations');
    expect([error.code, error.status]).toEqual(['query_failed', 400]);
    expect(error.message).toMatch(/^query failed: Binder Error: Referenced column "nosuch" not found/);
    expect(error.message).toContain('LINE 2:');
  });
});

describe('results', () => {
  it('keeps every digit of big integers and decimals, and gives DuckDB’s types', async () => {
    const r = await run(
      `SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, 170141183460469231731687303715884105727::HUGEINT AS huge,
              1.10::DECIMAL(5,2) AS dec, 12345678901234567890.123456::DECIMAL(38,6) AS wide, 0.1::DOUBLE AS f,
              'nan'::DOUBLE AS nan, true AS b, [1, 9007199254740993]::BIGINT[] AS list,
              {'x': 0.1::DOUBLE, 'y': 'z', 'd': 12345678901234567.5::DECIMAL(20,1)} AS s, MAP {'k': 1} AS m, '{"a": 12345678901234567890123}'::JSON AS j,
              TIMESTAMPTZ '2026-01-01 10:00:00.5+02' AS tz, TIMESTAMP '2026-01-01 10:00:00' AS naive, DATE '2026-02-28' AS d,
              '\\x00\\xff'::BLOB AS blob, NULL::INTEGER AS nothing, $1::VARCHAR AS p`,
      { params: ["it's"] },
    );
    expect(r.columns).toEqual([
      { name: 'big', type: 'BIGINT' },
      { name: 'small', type: 'BIGINT' },
      { name: 'huge', type: 'HUGEINT' },
      { name: 'dec', type: 'DECIMAL(5,2)' },
      { name: 'wide', type: 'DECIMAL(38,6)' },
      { name: 'f', type: 'DOUBLE' },
      { name: 'nan', type: 'DOUBLE' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'list', type: 'BIGINT[]' },
      { name: 's', type: 'STRUCT(x DOUBLE, y VARCHAR, d DECIMAL(20,1))' },
      { name: 'm', type: 'MAP(VARCHAR, INTEGER)' },
      { name: 'j', type: 'JSON' },
      { name: 'tz', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'naive', type: 'TIMESTAMP' },
      { name: 'd', type: 'DATE' },
      { name: 'blob', type: 'BLOB' },
      { name: 'nothing', type: 'INTEGER' },
      { name: 'p', type: 'VARCHAR' },
    ]);
    expect(r.rows).toEqual([
      [
        '9007199254740993',
        42,
        '170141183460469231731687303715884105727',
        '1.10',
        '12345678901234567890.123456',
        0.1,
        'NaN',
        true,
        [1, '9007199254740993'],
        { x: 0.1, y: 'z', d: '12345678901234567.5' },
        { k: 1 },
        { a: '12345678901234567890123' },
        '2026-01-01T08:00:00.5Z',
        '2026-01-01T10:00:00',
        '2026-02-28',
        'AP8=',
        null,
        "it's",
      ],
    ]);
  });

  it('cuts the rows at the limit and says so; dedupes repeated column names as DuckDB does', async () => {
    const r = await run('SELECT range AS n, range AS n FROM range(10)', { limit: 3 });
    expect([r.rowCount, r.truncated, r.columns.map((c) => c.name)]).toEqual([3, true, ['n', 'n_1']]);
    expect(r.rows).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    const all = await run('SELECT * FROM range(3)', { limit: 3 });
    expect([all.rowCount, all.truncated]).toEqual([3, false]);
  });

  it('records every execution, refused and failed ones included', async () => {
    const ok = await run('SELECT 1 AS one');
    await refusal('SELECT * FROM secrets');
    const rows = await warehouse.query(
      `SELECT id, mode, sql, status, error_code, row_count::INTEGER AS row_count, result_hash, row_limit, truncated, executed_by
       FROM query_executions WHERE id IN ($1::VARCHAR, $2::VARCHAR) ORDER BY id`,
      [ok.executionId, `exec-${ids}`],
    );
    expect(rows).toEqual([
      {
        id: ok.executionId,
        mode: 'live',
        sql: 'SELECT 1 AS one',
        status: 'ok',
        error_code: null,
        row_count: 1,
        result_hash: ok.resultHash,
        row_limit: 1000,
        truncated: false,
        executed_by: 'test',
      },
      {
        id: `exec-${ids}`,
        mode: 'live',
        sql: 'SELECT * FROM secrets',
        status: 'error',
        error_code: 'refused',
        row_count: null,
        result_hash: null,
        row_limit: 1000,
        truncated: null,
        executed_by: 'test',
      },
    ]);
  });
});

describe('modes', () => {
  it('live sees current rows; time travel the rows valid then, as they stood (valid_to NULL)', async () => {
    const sql = 'SELECT record_id, text, valid_to FROM annotations ORDER BY record_id';
    expect((await run(sql)).rows).toEqual([['r1', '9074729', null]]);
    const past = await run(sql, { mode: 'time_travel', at: new Date('2026-11-19T12:00:00Z') });
    expect([past.rows, past.at, past.schemaVersion]).toEqual([
      [['r0', '9074720', null]],
      '2026-11-19T12:00:00.000Z',
      null,
    ]);
    const before = await run(sql, { mode: 'time_travel', at: new Date('2026-11-19T09:59:59Z') });
    expect(before.rows).toEqual([]);
  });

  it('leaves nothing behind on the connection: the next plain statement sees the tables themselves', async () => {
    await run('SELECT * FROM annotations', { mode: 'time_travel', at: new Date('2026-11-19T12:00:00Z') });
    const rows = await warehouse.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM annotations');
    expect(rows).toEqual([{ n: 2 }]);
    expect(
      await warehouse.query('SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE temporary AND NOT internal'),
    ).toEqual([{ n: 0 }]);
  });
});

describe('what a query costs the warehouse', () => {
  it('sets up only the shadows the query reads; a CTE of a table’s name is not a read', async () => {
    const seen: string[] = [];
    const spying: Warehouse = {
      ...warehouse,
      transaction: (fn) =>
        warehouse.transaction((tx) =>
          fn({
            ...tx,
            exec: (text) => {
              seen.push(...[...text.matchAll(/CREATE TEMP VIEW "([^"]+)"/g)].map((m) => m[1] as string));
              return tx.exec(text);
            },
          }),
        ),
    };
    const spied = (sql: string, extra: Partial<QueryRequest> = {}) =>
      runQuery({ ...deps, warehouse: spying }, { sql, mode: 'live', executedBy: 'test', ...extra }).then(() => {
        const views = [...seen];
        seen.length = 0;
        return views;
      });
    expect(await spied('SELECT count(*) FROM annotations')).toEqual(['annotations']);
    expect(await spied('WITH annotations AS (SELECT 1 AS n) SELECT * FROM annotations, raw_documents')).toEqual([
      'raw_documents',
    ]);
    expect(await spied('SELECT 1 AS one')).toEqual([]);
    const at = new Date('2026-11-19T12:00:00Z');
    expect(
      await spied('SELECT a.text FROM annotations a JOIN entity_types e ON e.name = a.entity_type', {
        mode: 'time_travel',
        at,
      }),
    ).toEqual(['annotations', 'entity_types']);
  });

  it('with defer, answers before the execution row is written, and the deferred work writes it', async () => {
    const deferred: Promise<unknown>[] = [];
    const result = await runQuery(
      { ...deps, defer: (work) => deferred.push(work) },
      { sql: 'SELECT 42 AS n', mode: 'live', executedBy: 'deferred' },
    );
    expect(deferred).toHaveLength(1);
    await Promise.all(deferred);
    expect(
      await warehouse.query('SELECT row_count::INTEGER AS n FROM query_executions WHERE id = $1::VARCHAR', [
        result.executionId,
      ]),
    ).toEqual([{ n: 1 }]);
  });
});
