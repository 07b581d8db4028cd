// Saved reports in workerd, end to end: CSV manifests land in R2 and load through the real ingest consumer,
// discovery publishes real snapshots, reports run through the query engine (lib/query/run.ts) on the embedded
// warehouse, their results are stored as Parquet in Miniflare's R2 and read back, and the daily cron sends one
// Slack digest of the changed reports.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPORTS_REFRESH_CRON } from '../../lib/reports/daily.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import discovery from '../../workers/discovery/index.ts';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { deliver, discoveryEnv, putEvent, putObject } from './helpers.ts';

const channel = `reports-${crypto.randomUUID().slice(0, 8)}`;
const slack = (name: string, action: string) => `${inject('fixturesUrl')}slack/${name}/${action}`;
const auth = { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' };
let db: { url: string; warehouse: Warehouse };

const FLEET = `SELECT data->>'imo' AS imo, data->>'vessel' AS vessel, data->>'flag' AS flag,
  CAST(data->>'built' AS INTEGER) AS built
  FROM structured_data WHERE source = 'fleet' AND valid_to IS NULL ORDER BY imo`;
const FLAGS = `SELECT data->>'vessel' AS vessel, data->>'flag' AS flag FROM structured_data
  WHERE source = 'fleet' AND valid_to IS NULL ORDER BY vessel, flag`;
const FIELDS = `SELECT source, name, inferred_type FROM field_definitions WHERE source = 'fleet' ORDER BY name`;

async function loadFleet(csv: string): Promise<void> {
  const object = await putObject('vessel-csv', 'fleet/fleet.csv', new TextEncoder().encode(csv));
  const delivery = await deliver([{ body: putEvent('vessel-csv', 'fleet/fleet.csv', object) }], {
    WAREHOUSE_URL: db.url,
  });
  expect(delivery.explicitAcks).toHaveLength(1);
}

async function runDiscovery(): Promise<void> {
  const ctx = createExecutionContext();
  const controller = createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() });
  await discovery.scheduled(
    controller,
    discoveryEnv({ WAREHOUSE_URL: db.url, SLACK_WEBHOOK_URL: slack(`${channel}-d`, 'webhook') }),
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function dailyCron(): Promise<void> {
  const ctx = createExecutionContext();
  const controller = createScheduledController({ cron: REPORTS_REFRESH_CRON, scheduledTime: Date.now() });
  await worker.scheduled(
    controller,
    { ...env, WAREHOUSE_URL: db.url, SLACK_WEBHOOK_URL: slack(channel, 'webhook') },
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function api(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, init),
    { ...env, WAREHOUSE_URL: db.url, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are checked by toEqual / toMatchObject, not by the type.
type Json = Record<string, any>;
const post = (path: string, body?: unknown) =>
  api(path, { method: 'POST', headers: auth, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const json = async (r: Response | Promise<Response>): Promise<Json> => (await r).json<Json>();
const errorOf = async (r: Promise<Response>): Promise<Json> => {
  const response = await r;
  return { status: response.status, ...((await response.json()) as { error: Json }).error };
};

const ids: Record<'fleet' | 'flags' | 'fields' | 'imos', string> = { fleet: '', flags: '', fields: '', imos: '' };

beforeAll(async () => {
  db = await migratedDatabase('reports');
  await loadFleet(
    'imo,vessel,flag,built\n9321483,Nordic Star,NO,2004\n9074729,Aurora,PA,1996\n9176187,Sea Breeze,LR,1999\n',
  );
  await runDiscovery();
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

describe('creating a report', () => {
  it('needs the bearer token on every write', async () => {
    const body = JSON.stringify({ name: 'x', sql: 'SELECT 1 AS one' });
    expect((await api('/api/reports', { method: 'POST', body })).status).toBe(401);
    expect((await api('/api/reports/r1/refresh', { method: 'POST' })).status).toBe(401);
  });

  it('refuses bad bodies, SQL the engine refuses and results a report cannot key, saving nothing', async () => {
    expect(await errorOf(post('/api/reports', { sql: 'SELECT 1', mode: 'sometimes' }))).toEqual({
      status: 400,
      code: 'bad_request',
      message: expect.stringMatching(/^name: .*; mode: /),
    });
    expect(await errorOf(post('/api/reports', { name: 'tt', sql: 'SELECT 1', mode: 'time_travel' }))).toMatchObject({
      status: 400,
      message: 'at: time_travel needs the instant `at`',
    });
    expect((await errorOf(post('/api/reports', { name: 'bad', sql: 'SELECT * FROM nowhere' }))).message).toMatch(
      /nowhere/,
    );
    const sql = "SELECT 'x' AS k FROM range(2)";
    expect(await errorOf(post('/api/reports', { name: 'k', sql, key: ['k'] }))).toMatchObject({
      status: 400,
      message: 'the key (k) is not unique: ("x") appears 2 times',
    });
    expect(await errorOf(post('/api/reports', { name: 'k', sql, key: ['imo'] }))).toMatchObject({
      message: "key column 'imo' not in the result (its columns: k)",
    });
    expect(await json(api('/api/reports'))).toEqual({ reports: [], limit: 50, offset: 0, total: 0 });
  });

  it('saves and runs it: run 1 is stored as Parquet in vessel-reports and read back exactly', async () => {
    const created = await post('/api/reports', { name: 'fleet by imo', sql: FLEET, key: ['imo'], createdBy: 'ana' });
    expect(created.status).toBe(201);
    const report = await created.json<Json>();
    ids.fleet = report.id;
    expect(created.headers.get('location')).toBe(`/api/reports/${report.id}`);
    expect(report).toMatchObject({ name: 'fleet by imo', mode: 'live', key: ['imo'], params: [], changed: null });
    expect(report.lastRun).toMatchObject({ run: 1, trigger: 'create', status: 'ok', rowCount: 3, schemaVersion: 1 });
    const object = await env.REPORTS_BUCKET.get(report.lastRun.object.key);
    const bytes = new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe('PAR1');
    expect(report.lastRun.object).toEqual({
      key: expect.stringMatching(/^reports\/.+\/000001-.+\.parquet$/),
      etag: object?.etag,
      bytes: bytes.length,
    });
    const stored = await json(api(`/api/reports/${ids.fleet}/runs/1`));
    expect(stored.columns).toEqual([
      { name: 'imo', type: 'VARCHAR' },
      { name: 'vessel', type: 'VARCHAR' },
      { name: 'flag', type: 'VARCHAR' },
      { name: 'built', type: 'INTEGER' },
    ]);
    expect(stored.rows).toEqual([
      ['9074729', 'Aurora', 'PA', 1996],
      ['9176187', 'Sea Breeze', 'LR', 1999],
      ['9321483', 'Nordic Star', 'NO', 2004],
    ]);
    const direct = await db.warehouse.query<Record<string, unknown>>(FLEET);
    expect(stored.rows).toEqual(direct.map((r) => [r.imo, r.vessel, r.flag, r.built]));
  });

  it('refuses a second report of one name (409) and lists reports by name', async () => {
    expect(await errorOf(post('/api/reports', { name: 'fleet by imo', sql: 'SELECT 1 AS one' }))).toEqual({
      status: 409,
      code: 'conflict',
      message: `a report named 'fleet by imo' exists (${ids.fleet})`,
    });
    ids.flags = (await json(post('/api/reports', { name: 'fleet flags', sql: FLAGS }))).id;
    ids.fields = (await json(post('/api/reports', { name: 'fleet fields', sql: FIELDS }))).id;
    const page = await json(api('/api/reports?limit=2'));
    expect(page.reports.map((r: Json) => r.name)).toEqual(['fleet by imo', 'fleet fields']);
    expect(page.total).toBe(3);
  });

  it('answers 404 for an unknown report or run', async () => {
    for (const path of ['/api/reports/nope', '/api/reports/nope/runs', '/api/reports/nope/diff'])
      expect(await errorOf(api(path))).toEqual({ status: 404, code: 'not_found', message: 'no report nope' });
    expect((await errorOf(post('/api/reports/nope/refresh'))).status).toBe(404);
    expect(await errorOf(api(`/api/reports/${ids.fleet}/runs/9`))).toMatchObject({
      status: 404,
      message: "report 'fleet by imo' has no run 9",
    });
  });
});

describe('refreshing', () => {
  it('nothing moved: changed false, and why says so', async () => {
    const report = await json(post(`/api/reports/${ids.fleet}/refresh`));
    expect(report.lastRun).toMatchObject({ run: 2, trigger: 'api', status: 'ok' });
    expect(report.changed).toBe(false);
    expect(report.why).toMatchObject({
      previousRun: 1,
      summary: 'result unchanged; no new loads',
      result: { rows: { added: 0, removed: 0, changed: 0 }, reorderedOnly: false },
      data: { tables: [] },
      schema: { from: 1, to: 1, versions: [] },
    });
  });

  it('a new version of the file: changed, why names the table, the diff has the exact rows by key', async () => {
    await loadFleet(
      'imo,vessel,flag,built,eta\n9321483,Nordic Star,NO,2004,\n9074729,Aurora,MT,1996,2026-12-01\n9811000,Ever Given,PA,2018,2026-12-03\n',
    );
    expect((await json(api(`/api/reports/${ids.fields}`))).movedSinceLastRun.data.tables).toEqual([
      { table: 'structured_data', loads: 1, rows: 3 },
    ]);
    const report = await json(post(`/api/reports/${ids.fleet}/refresh`));
    expect(report.changed).toBe(true);
    expect(report.why).toMatchObject({
      previousRun: 2,
      summary: '1 row added, 1 row removed, 1 row changed; new rows in structured_data (1 load, 3 rows)',
      result: { rowCount: { from: 3, to: 3 }, rows: { added: 1, removed: 1, changed: 1 }, by: 'key' },
      data: { tables: [{ table: 'structured_data', loads: 1, rows: 3 }] },
      schema: { versions: [] },
    });
    expect(await json(api(`/api/reports/${ids.fleet}`))).toMatchObject({ changed: true, lastRun: { run: 3 } });
    const diff = await json(api(`/api/reports/${ids.fleet}/diff?from=2&to=3`));
    expect(diff).toMatchObject({ by: 'key', key: ['imo'], truncated: false, schema: { from: 1, to: 1, versions: [] } });
    expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1 });
    expect(diff.added).toEqual([{ imo: '9811000', vessel: 'Ever Given', flag: 'PA', built: 2018 }]);
    expect(diff.removed).toEqual([{ imo: '9176187', vessel: 'Sea Breeze', flag: 'LR', built: 1999 }]);
    expect(diff.changed).toEqual([
      {
        key: { imo: '9074729' },
        before: { imo: '9074729', vessel: 'Aurora', flag: 'PA', built: 1996 },
        after: { imo: '9074729', vessel: 'Aurora', flag: 'MT', built: 1996 },
        columns: ['flag'],
      },
    ]);
    // The default span is the newest successful run and the one before it.
    expect(await json(api(`/api/reports/${ids.fleet}/diff`))).toEqual(diff);
  });

  it('a report without a key diffs by whole rows', async () => {
    expect((await json(post(`/api/reports/${ids.flags}/refresh`))).why.result).toMatchObject({
      by: 'rows',
      rows: { added: 2, removed: 2, changed: 0 },
    });
    const diff = await json(api(`/api/reports/${ids.flags}/diff?from=1&to=2`));
    expect(diff).toMatchObject({ by: 'rows', key: null, counts: { added: 2, removed: 2, changed: 0, unchanged: 1 } });
    expect(diff.added).toEqual([
      { vessel: 'Aurora', flag: 'MT' },
      { vessel: 'Ever Given', flag: 'PA' },
    ]);
    expect(diff.removed).toEqual([
      { vessel: 'Aurora', flag: 'PA' },
      { vessel: 'Sea Breeze', flag: 'LR' },
    ]);
    expect(diff.changed).toEqual([]);
    expect(await errorOf(api(`/api/reports/${ids.flags}/diff?by=key`))).toEqual({
      status: 400,
      code: 'bad_request',
      message: "report 'fleet flags' declares no key columns: diff by rows",
    });
  });

  it('data moved but the result did not: unchanged, and why lists the load', async () => {
    const report = await json(post(`/api/reports/${ids.fields}/refresh`));
    expect(report.changed).toBe(false);
    expect(report.why.summary).toBe('result unchanged; new rows in structured_data (1 load, 3 rows)');
  });

  it('a new schema version with a new field: changed, why names the version and the field', async () => {
    await runDiscovery();
    const moved = (await json(api(`/api/reports/${ids.fields}`))).movedSinceLastRun;
    expect(moved.schema).toMatchObject({ from: 1, to: 2, versions: [{ version: 2, fieldsAdded: ['fleet.eta'] }] });
    const report = await json(post(`/api/reports/${ids.fields}/refresh`));
    expect(report.changed).toBe(true);
    expect(report.why.data.tables).toEqual([]);
    expect(report.why.schema).toEqual({
      from: 1,
      to: 2,
      versions: [
        {
          version: 2,
          semver: '0.2.0',
          bump: 'minor',
          publishedAt: expect.any(String),
          fieldsAdded: ['fleet.eta'],
          fieldsRemoved: [],
          entityTypesAdded: [],
          entityTypesRemoved: [],
          changes: 1,
        },
      ],
    });
    expect(report.why.summary).toBe('1 row added; no new loads; schema v2 (0.2.0): field fleet.eta added');
    const diff = await json(api(`/api/reports/${ids.fields}/diff`));
    const eta = await db.warehouse.query(
      `SELECT source, name, inferred_type FROM field_definitions WHERE name = 'eta'`,
    );
    expect(diff).toMatchObject({ by: 'rows', added: eta, removed: [], schema: { from: 1, to: 2 } });
    // The same version, for a report whose result does not read the new field: seen, not a change.
    const fleet = await json(post(`/api/reports/${ids.fleet}/refresh`));
    expect(fleet).toMatchObject({ changed: false, why: { schema: { versions: [{ version: 2 }] } } });
  });

  it('lists the runs, newest first', async () => {
    const page = await json(api(`/api/reports/${ids.fleet}/runs?limit=2`));
    expect(page.runs.map((r: Json) => [r.run, r.trigger, r.changed])).toEqual([
      [4, 'api', false],
      [3, 'api', true],
    ]);
    expect(page.total).toBe(4);
  });

  it('snapshot mode of POST /api/query answers a run exactly as it was seen, not a re-run', async () => {
    const query = (body: Json) => api('/api/query', { method: 'POST', body: JSON.stringify(body) });
    const first = await json(query({ mode: 'snapshot', report: ids.fleet, run: 1 }));
    const stored = await json(api(`/api/reports/${ids.fleet}/runs/1`));
    expect(first).toMatchObject({ mode: 'snapshot', columns: stored.columns, rows: stored.rows });
    expect(first.resultHash).toBe(stored.run.resultHash);
    // Run 1 predates the new file version: a live run of the same SQL answers otherwise.
    const sql = FLEET;
    const live = await json(query({ mode: 'live', sql }));
    expect(live.resultHash).not.toBe(first.resultHash);
    // Without run: the newest successful run; the report's own SQL may be sent along.
    const newest = await json(query({ mode: 'snapshot', report: ids.fleet, sql }));
    expect(newest.resultHash).toBe(live.resultHash);
    expect(await errorOf(query({ mode: 'snapshot', report: ids.fleet, sql: 'SELECT 1' }))).toMatchObject({
      status: 409,
      message: expect.stringMatching(/^the SQL is not report 'fleet by imo's/),
    });
    expect(await errorOf(query({ mode: 'live', report: ids.fleet }))).toMatchObject({
      status: 400,
      message: 'report and run: only in snapshot mode',
    });
    expect(await errorOf(query({ mode: 'snapshot', report: 'nope' }))).toMatchObject({ status: 404 });
    expect(await errorOf(query({ mode: 'live' }))).toMatchObject({
      status: 400,
      message: 'sql: required (or report, in snapshot mode)',
    });
  });
});

describe('the daily refresh', () => {
  const outbox = () =>
    db.warehouse.query<{ payload: string }>(
      `SELECT payload::VARCHAR AS payload FROM notifications_outbox WHERE channel = 'slack-reports' ORDER BY created_at`,
    );
  const accepted = async () => (await json(fetch(slack(channel, 'messages')))).accepted as Json[];

  it('sends nothing when no report changed', async () => {
    await dailyCron();
    expect(await outbox()).toEqual([]);
    expect(await accepted()).toEqual([]);
    const runs = await json(api(`/api/reports/${ids.flags}/runs?limit=1`));
    expect(runs.runs[0]).toMatchObject({ run: 3, trigger: 'cron', changed: false });
  });

  it('sends one digest listing the changed reports only', async () => {
    await loadFleet(
      'imo,vessel,flag,built,eta\n9321483,Nordic Star,MT,2004,\n9074729,Aurora,MT,1996,\n9811000,Ever Given,PA,2018,\n',
    );
    await dailyCron();
    const queued = await outbox();
    expect(queued).toHaveLength(1);
    const sent = await accepted();
    expect(sent).toEqual([JSON.parse(queued[0]?.payload as string)]);
    const digest = sent[0] as { text: string; blocks: Json[] };
    expect(digest.text).toBe('2 saved reports changed: fleet by imo, fleet flags');
    expect(digest.blocks.map((b) => b.text?.text)).toEqual([
      '2 saved reports changed',
      expect.stringMatching(/^\*Daily report refresh\* `.+`\n2 changed · 1 unchanged · 0 failed$/),
      '*fleet by imo* · run 5 → 6\n1 row changed; new rows in structured_data (1 load, 3 rows)',
      '*fleet flags* · run 3 → 4\n1 row added, 1 row removed; new rows in structured_data (1 load, 3 rows)',
    ]);
    expect(digest.blocks[2]?.accessory?.url).toBe(`http://127.0.0.1:8787/api/reports/${ids.fleet}/diff?from=5&to=6`);
    await dailyCron();
    expect(await outbox()).toHaveLength(1);
  });
});

describe('runs that fail', () => {
  it('a report the engine refuses later: the failed run is recorded, its error answered, nothing to read or diff', async () => {
    const sql = `SELECT CAST(data->>'imo' AS INTEGER) AS imo FROM structured_data WHERE source = 'fleet' AND valid_to IS NULL ORDER BY 1`;
    ids.imos = (await json(post('/api/reports', { name: 'imos', sql }))).id;
    await loadFleet('imo,vessel,flag,built\nunknown,Nordic Star,MT,2004\n');
    const refused = await errorOf(post(`/api/reports/${ids.imos}/refresh`));
    expect(refused).toMatchObject({
      status: 400,
      code: 'query_failed',
      message: expect.stringMatching(/\(recorded as failed run 2\)$/),
    });
    expect(await json(api(`/api/reports/${ids.imos}`))).toMatchObject({
      changed: null,
      why: null,
      lastRun: { run: 2, status: 'error', errorCode: 'query_failed', object: null },
    });
    const noResult = await errorOf(api(`/api/reports/${ids.imos}/runs/2`));
    expect(noResult).toMatchObject({
      status: 409,
      code: 'conflict',
      message: expect.stringMatching(/^run 2 failed and stored no result/),
    });
    expect((await errorOf(api(`/api/reports/${ids.imos}/diff?from=1&to=2`))).status).toBe(409);
  });

  it('an R2 outage records nothing and answers 503, so the refresh can be tried again', async () => {
    const down = {
      put: async () => {
        throw new Error('R2 is down');
      },
      get: async () => null,
    } as unknown as R2Bucket;
    const before = (await json(api(`/api/reports/${ids.fleet}/runs`))).total;
    const refused = await api(
      `/api/reports/${ids.fleet}/refresh`,
      { method: 'POST', headers: auth },
      {
        REPORTS_BUCKET: down,
      },
    );
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: Json }).error).toMatchObject({
      code: 'storage_unavailable',
      message: expect.stringMatching(/^R2 put of vessel-reports\/reports\/.+ failed: R2 is down$/),
    });
    expect((await json(api(`/api/reports/${ids.fleet}/runs`))).total).toBe(before);
  });

  it('deletes a report with its runs and stored results; writes need the token', async () => {
    const created = await json(post('/api/reports', { name: 'to delete', sql: 'SELECT 1 AS one' }));
    const key = created.lastRun.object.key as string;
    expect(await env.REPORTS_BUCKET.head(key)).not.toBeNull();
    expect((await api(`/api/reports/${created.id}`, { method: 'DELETE' })).status).toBe(401);
    const deleted = await api(`/api/reports/${created.id}`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: created.id, name: 'to delete', runs: 1, objects: 1 });
    expect(await env.REPORTS_BUCKET.head(key)).toBeNull();
    expect((await errorOf(api(`/api/reports/${created.id}`))).status).toBe(404);
    expect((await errorOf(api(`/api/reports/${created.id}`, { method: 'DELETE', headers: auth }))).status).toBe(404);
    const [runs] = await db.warehouse.query(
      'SELECT count(*)::INTEGER AS n FROM report_runs WHERE saved_query_id = $1::VARCHAR',
      [created.id],
    );
    expect(runs).toEqual({ n: 0 });
    // The name is free again.
    expect((await post('/api/reports', { name: 'to delete', sql: 'SELECT 2 AS two' })).status).toBe(201);
  });
});
