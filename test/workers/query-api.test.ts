// POST /api/query through the main Worker's fetch against the embedded warehouse: each mode over real loads
// and snapshots (the discovery Worker's cron), a time-travel query whose rows and columns move with a new
// batch and a new snapshot, a re-uploaded file seen as before, the refusals, the row limit, the timeout
// (cancelled by the warehouse), READ_AUTH, and the query_executions row of every execution.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResult } from '../../lib/query/contract.ts';
import type { SchemaDocument } from '../../lib/schema/document.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import discovery from '../../workers/discovery/index.ts';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { deliver, discoveryEnv, putEvent, putObject } from './helpers.ts';

let db: { url: string; warehouse: Warehouse };
let uploads = 0;

async function upload(key: string, csv: string): Promise<void> {
  const object = await putObject('vessel-csv', key, new TextEncoder().encode(csv));
  // Each upload is a later event than the one before (a re-upload must supersede).
  const eventTime = new Date(Date.UTC(2026, 10, 21, 12, 0, ++uploads)).toISOString();
  const delivery = await deliver([{ body: putEvent('vessel-csv', key, object, { eventTime }) }], {
    WAREHOUSE_URL: db.url,
  });
  expect(delivery.explicitAcks).toHaveLength(1);
}

async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  const config = JSON.stringify({ minOccurrences: 1 });
  await discovery.scheduled(
    createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() }),
    discoveryEnv({ WAREHOUSE_URL: db.url, SLACK_WEBHOOK_URL: '', DISCOVERY_CONFIG: config }),
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function call(path: string, init: RequestInit = {}, extra: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, init),
    { ...env, WAREHOUSE_URL: db.url, ...extra },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const post = (body: unknown, headers: Record<string, string> = {}, extra: Partial<Env> = {}) =>
  call(
    '/api/query',
    { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } },
    extra,
  );

async function query(body: Record<string, unknown>): Promise<QueryResult> {
  const r = await post(body);
  const json = await r.json<QueryResult & { error?: unknown }>();
  if (r.status !== 200) throw new Error(`${r.status}: ${JSON.stringify(json)}`);
  return json;
}

async function refused(body: Record<string, unknown>): Promise<{ status: number; code: string; message: string }> {
  const r = await post(body);
  const { error } = await r.json<{ error: { code: string; message: string } }>();
  return { status: r.status, ...error };
}

/** The warehouse's newest instant of loads and snapshots: what a past query is pinned to. */
async function latestInstant(): Promise<string> {
  const [row] = await db.warehouse.query<{ at: Date }>(
    'SELECT greatest((SELECT max(ingested_at) FROM structured_data), (SELECT max(published_at) FROM schema_snapshots)) AS at',
  );
  if (!row) throw new Error('no instant');
  return row.at.toISOString();
}

const names = (r: QueryResult) => r.columns.map((c) => c.name);

beforeAll(async () => {
  db = await migratedDatabase('query_api');
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

describe('before the first snapshot', () => {
  it('runs live over the tables, with no version and only annotations_current among the views', async () => {
    const r = await query({ sql: 'SELECT count(*) AS n FROM structured_data', mode: 'live' });
    expect([r.schemaVersion, r.at, r.rows, r.columns]).toEqual([null, null, [[0]], [{ name: 'n', type: 'BIGINT' }]]);
    expect(await refused({ sql: 'SELECT * FROM src_manifests', mode: 'live' })).toEqual({
      status: 400,
      code: 'query_refused',
      message: 'query refused: table "src_manifests" is not a table or view a query may read',
    });
  });
});

describe('modes over two snapshots, a new batch and a re-upload', () => {
  const at: Record<'v1' | 'v2', string> = { v1: '', v2: '' };
  const SQL = 'SELECT * EXCLUDE (_source_file, _batch_id, _ingested_at) FROM src_manifests ORDER BY imo';

  beforeAll(async () => {
    await upload('manifests/day-1.csv', 'vessel_name,imo\nNordic Star,9321483\nAurora,9074729\n');
    await cron();
    at.v1 = await latestInstant();
    await upload('manifests/day-2.csv', 'vessel_name,imo,flag_state\nSea Breeze,9176187,LR\n');
    await cron();
    at.v2 = await latestInstant();
    // The first file again, with other content (a new eTag): its old rows are superseded.
    await upload('manifests/day-1.csv', 'vessel_name,imo\nNordic Star II,9321483\n');
  }, 60_000);

  it('time travel: other rows and other columns before and after the new batch and snapshot', async () => {
    const before = await query({ sql: SQL, mode: 'time_travel', at: at.v1 });
    expect([before.schemaVersion, before.at]).toEqual([1, at.v1]);
    expect(names(before)).toEqual(['imo', 'vessel_name', '_row_number']);
    expect(before.columns.slice(0, 2)).toEqual([
      { name: 'imo', type: 'BIGINT' },
      { name: 'vessel_name', type: 'VARCHAR' },
    ]);
    expect(before.rows).toEqual([
      [9074729, 'Aurora', 2],
      [9321483, 'Nordic Star', 1],
    ]);
    const after = await query({ sql: SQL, mode: 'time_travel', at: at.v2 });
    expect([after.schemaVersion, names(after)]).toEqual([2, ['flag_state', 'imo', 'vessel_name', '_row_number']]);
    expect(after.rows).toEqual([
      [null, 9074729, 'Aurora', 2],
      ['LR', 9176187, 'Sea Breeze', 1],
      [null, 9321483, 'Nordic Star', 1],
    ]);
    // A field that did not exist then is not a column then.
    const missing = await refused({ sql: 'SELECT flag_state FROM src_manifests', mode: 'time_travel', at: at.v1 });
    expect([missing.status, missing.code]).toEqual([400, 'query_failed']);
    expect(missing.message).toContain('Referenced column "flag_state" not found');
  });

  it('time travel: a re-uploaded file is seen as it was before, live as it is now', async () => {
    const sql = 'SELECT vessel_name FROM src_manifests ORDER BY vessel_name';
    expect((await query({ sql, mode: 'time_travel', at: at.v2 })).rows).toEqual([
      ['Aurora'],
      ['Nordic Star'],
      ['Sea Breeze'],
    ]);
    expect((await query({ sql, mode: 'live' })).rows).toEqual([['Nordic Star II'], ['Sea Breeze']]);
    const tables = 'SELECT count(*) AS n, count(valid_to) AS closed FROM structured_data';
    expect((await query({ sql: tables, mode: 'time_travel', at: at.v2 })).rows).toEqual([[3, 0]]);
    expect((await query({ sql: tables, mode: 'live' })).rows).toEqual([[2, 0]]);
  });

  it('live: the current rows through the current version’s views', async () => {
    const r = await query({ sql: SQL, mode: 'live' });
    expect([r.schemaVersion, r.at, names(r)]).toEqual([2, null, ['flag_state', 'imo', 'vessel_name', '_row_number']]);
    expect(r.rows).toEqual([
      ['LR', 9176187, 'Sea Breeze', 1],
      [null, 9321483, 'Nordic Star II', 1],
    ]);
  });

  it('snapshot: pinned to a version, its views and the data as of its publication', async () => {
    const r = await query({ sql: SQL, mode: 'snapshot', version: 1 });
    expect([r.schemaVersion, r.at, names(r)]).toEqual([1, at.v1, ['imo', 'vessel_name', '_row_number']]);
    expect(r.rows).toEqual([
      [9074729, 'Aurora', 2],
      [9321483, 'Nordic Star', 1],
    ]);
    expect(await refused({ sql: 'SELECT 1', mode: 'snapshot', version: 7 })).toEqual({
      status: 404,
      code: 'not_found',
      message: 'no schema version 7',
    });
  });

  it('the publishing run created the views in the warehouse and stored their definitions with the snapshot', async () => {
    const views = await db.warehouse.query<{ view_name: string }>(
      `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
       AND (starts_with(view_name, 'src_') OR view_name = 'annotations_current') ORDER BY 1`,
    );
    expect(views.map((v) => v.view_name)).toEqual(['annotations_current', 'src_manifests']);
    const stored = await db.warehouse.query<{ version: number; views: string }>(
      'SELECT version, views::VARCHAR AS views FROM schema_snapshots ORDER BY version',
    );
    const lineage = ['_source_file', '_row_number', '_batch_id', '_ingested_at'];
    expect(
      stored.map((r) => {
        const { rule, views } = JSON.parse(r.views) as {
          rule: number;
          views: { name: string; columns: { name: string }[] }[];
        };
        return [r.version, rule, views.map((v) => [v.name, v.columns.length]), views[0]?.columns.map((c) => c.name)];
      }),
    ).toEqual([
      [
        1,
        1,
        [
          ['src_manifests', 6],
          ['annotations_current', 14],
        ],
        ['imo', 'vessel_name', ...lineage],
      ],
      [
        2,
        1,
        [
          ['src_manifests', 7],
          ['annotations_current', 14],
        ],
        ['flag_state', 'imo', 'vessel_name', ...lineage],
      ],
    ]);
    // Read directly (psql, a BI tool), the stored view is the current rows of the latest version.
    const direct = await db.warehouse.query('SELECT vessel_name, flag_state FROM src_manifests ORDER BY vessel_name');
    expect(direct).toEqual([
      { vessel_name: 'Nordic Star II', flag_state: null },
      { vessel_name: 'Sea Breeze', flag_state: 'LR' },
    ]);
  });

  it('the schema API lists each version’s views', async () => {
    const v1 = await (await call('/api/schema/versions/1')).json<SchemaDocument>();
    expect(v1.views.map((v) => [v.name, v.columns.map((c) => c.name)])).toEqual([
      ['src_manifests', ['imo', 'vessel_name', '_source_file', '_row_number', '_batch_id', '_ingested_at']],
      [
        'annotations_current',
        [
          'record_id',
          'document_id',
          'entity_type',
          'annotated_entity_type',
          'start',
          'end',
          'text',
          'annotator',
          'annotated_at',
          'dataset',
          'metadata',
          'batch_id',
          'source_key',
          'ingested_at',
        ],
      ],
    ]);
    const prompt = await (await call('/api/schema/current?format=prompt')).text();
    expect(prompt).toContain('- view src_manifests (source "manifests"): "flag_state" VARCHAR, "imo" BIGINT,');
  });
});

describe('refusals', () => {
  const cases: [string, string][] = [
    ['DROP TABLE annotations', 'only a SELECT statement may run'],
    ['SELECT 1; SELECT 2', 'exactly one statement may run, not 2'],
    ["SELECT * FROM read_csv('/etc/passwd')", 'table function read_csv reads files or URLs'],
    ["COPY (SELECT * FROM annotations) TO 'r2://vessel-csv/leak.csv'", 'only a SELECT statement may run'],
    ["ATTACH 'r2://vessel-csv/x.duckdb' AS x", 'only a SELECT statement may run'],
    ["SET memory_limit = '1GB'", 'only a SELECT statement may run'],
    ['PRAGMA database_list', 'only a SELECT statement may run'],
    ['SELECT * FROM vessels', 'table "vessels" is not a table or view a query may read'],
    ['SELECT * FROM ingest_log', 'table "ingest_log" is not a table or view a query may read'],
    [
      "WITH s AS (SELECT current_setting('memory_limit') AS m) SELECT * FROM s",
      'function current_setting reads the session',
    ],
    ["SELECT * FROM annotations WHERE text = (SELECT getenv('HOME'))", 'function getenv reads the session'],
    [
      "SELECT * FROM (SELECT * FROM read_parquet('r2://vessel-csv/x.parquet'))",
      'table function read_parquet reads files',
    ],
    ["SELECT * FROM query('DROP TABLE annotations')", 'table function query runs SQL text'],
    ['SELECT * FROM living_schema.main.annotations', 'only the tables and views of this database may be read'],
  ];

  it('answers each with 400 naming what was refused, and records each', async () => {
    for (const [sql, reason] of cases) {
      const r = await refused({ sql, mode: 'live' });
      expect([sql, r.status, r.code]).toEqual([sql, 400, 'query_refused']);
      expect(r.message).toContain(reason);
    }
    const rows = await db.warehouse.query<{ sql: string; status: string; error_code: string }>(
      `SELECT sql, status, error_code FROM query_executions WHERE sql IN (${cases.map((_, i) => `$${i + 1}::VARCHAR`).join(', ')})`,
      cases.map(([sql]) => sql),
    );
    expect(rows).toHaveLength(cases.length);
    expect(new Set(rows.map((r) => `${r.status}/${r.error_code}`))).toEqual(new Set(['error/refused']));
  });

  it('answers a body that does not parse with 400 bad_request', async () => {
    expect(await refused({ sql: 'SELECT 1' })).toMatchObject({ status: 400, code: 'bad_request' });
    expect(await refused({ sql: 'SELECT 1', mode: 'time_travel', at: 'yesterday' })).toMatchObject({
      status: 400,
      code: 'bad_request',
    });
  });
});

describe('limits', () => {
  it('cuts at 1,000 rows by default and at most 100,000, and says the result was cut', async () => {
    const r = await query({ sql: 'SELECT range AS n FROM range(5000)', mode: 'live' });
    expect([r.rowCount, r.truncated, r.rows[999]]).toEqual([1000, true, [999]]);
    const max = await query({ sql: 'SELECT range AS n FROM range(200000)', mode: 'live', limit: 100_000 });
    expect([max.rowCount, max.truncated]).toEqual([100_000, true]);
    expect(await refused({ sql: 'SELECT 1', mode: 'live', limit: 100_001 })).toMatchObject({
      status: 400,
      code: 'query_refused',
      message: 'query refused: limit must be an integer from 1 to 100000, not 100001',
    });
  });

  it('has the warehouse cancel a live query after 10 s, and records it as a timeout', async () => {
    const sql = 'SELECT count(*) FROM range(100000000) a, range(100000) b WHERE a.range + b.range < 0';
    const started = Date.now();
    expect(await refused({ sql, mode: 'live' })).toEqual({
      status: 400,
      code: 'query_timeout',
      message: "query cancelled by the warehouse: it ran past the live mode's limit of 10 s",
    });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(10_000);
    expect(took).toBeLessThan(14_000);
    const [row] = await db.warehouse.query<{ error_code: string; duration_ms: number }>(
      'SELECT error_code, duration_ms FROM query_executions WHERE sql = $1::VARCHAR',
      [sql],
    );
    expect(row?.error_code).toBe('timeout');
    expect(row?.duration_ms).toBeGreaterThanOrEqual(10_000);
    // The warehouse is free again at once.
    expect((await query({ sql: 'SELECT 1 AS one', mode: 'live' })).rows).toEqual([[1]]);
  }, 30_000);
});

describe('access', () => {
  it('is a read: open by default (anonymous), the bearer token under READ_AUTH=token (who ran it: token)', async () => {
    const body = { sql: "SELECT 'who' AS w", mode: 'live' };
    const anonymous = await (await post(body)).json<QueryResult>();
    expect((await post(body, {}, { READ_AUTH: 'token' })).status).toBe(401);
    const authorized = await post(body, { authorization: `Bearer ${TEST_API_TOKEN}` }, { READ_AUTH: 'token' });
    expect(authorized.status).toBe(200);
    const token = await authorized.json<QueryResult>();
    const rows = await db.warehouse.query<{ id: string; executed_by: string }>(
      'SELECT id, executed_by FROM query_executions WHERE id IN ($1::VARCHAR, $2::VARCHAR) ORDER BY executed_by',
      [anonymous.executionId, token.executionId],
    );
    expect(rows).toEqual([
      { id: anonymous.executionId, executed_by: 'anonymous' },
      { id: token.executionId, executed_by: 'token' },
    ]);
  });
});
