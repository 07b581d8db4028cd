// The console's ingestion, queries and reports views in workerd, end to end: a signed-in session, CSV files
// loaded (and one refused) through the real ingest consumer, queries through the real engine on the embedded
// warehouse, reports stored in Miniflare's R2, and every page's HTML read back as a browser would get it.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import discovery from '../../workers/discovery/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { workerCall } from './console-client.ts';
import { deliver, discoveryEnv, putEvent, putObject } from './helpers.ts';

// A loopback origin: the session cookie is `ls_console` there (elsewhere `__Host-ls_console`, Secure).
const ORIGIN = 'http://localhost';
const HOSTILE = `<script>alert(1)</script> "q" & 'a'`;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; &#39;a&#39;';
const FLEET = `SELECT data->>'imo' AS imo, data->>'vessel' AS vessel, data->>'flag' AS flag
  FROM structured_data WHERE source = 'fleet' AND valid_to IS NULL ORDER BY imo`;
const BAD_KEY = `bad/<b>&"x".csv`;

let db: { url: string; warehouse: Warehouse };
let cookie = '';
let csrf = '';
let between = '';
let reportId = '';
let uploads = 0;

async function upload(key: string, csv: string): Promise<void> {
  const object = await putObject('vessel-csv', key, new TextEncoder().encode(csv));
  const eventTime = new Date(Date.UTC(2026, 10, 21, 12, 0, ++uploads)).toISOString();
  const delivery = await deliver([{ body: putEvent('vessel-csv', key, object, { eventTime }) }], {
    WAREHOUSE_URL: db.url,
  });
  expect(delivery.explicitAcks).toHaveLength(1);
}

async function runDiscovery(): Promise<void> {
  const ctx = createExecutionContext();
  const controller = createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() });
  await discovery.scheduled(controller, discoveryEnv({ WAREHOUSE_URL: db.url, SLACK_WEBHOOK_URL: '' }), ctx);
  await waitOnExecutionContext(ctx);
}

const call = workerCall(ORIGIN, () => db.url);

const get = (path: string) => call(path, { headers: { cookie } });

async function pageText(path: string): Promise<string> {
  const response = await get(path);
  expect(response.status, path).toBe(200);
  return response.text();
}

function post(path: string, fields: Record<string, string>, o: { origin?: string; csrf?: string | null } = {}) {
  const form = new URLSearchParams(fields);
  const token = o.csrf === undefined ? csrf : o.csrf;
  if (token !== null) form.set('csrf', token);
  return call(path, {
    method: 'POST',
    headers: { cookie, origin: o.origin ?? ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

/** The text of the element with this id (tags removed), to assert on what a reader sees. */
function section(page: string, id: string): string {
  const start = page.indexOf(`id="${id}"`);
  expect(start, `#${id} on the page`).toBeGreaterThan(-1);
  return page.slice(start, page.indexOf('</section>', start) === -1 ? undefined : page.indexOf('</section>', start));
}

beforeAll(async () => {
  db = await migratedDatabase('console_queries');
  await upload('fleet/fleet.csv', 'imo,vessel,flag\n9321483,Nordic Star,NO\n9074729,Aurora,PA\n');
  await runDiscovery();
  // The bad file: an empty CSV, under a key a browser must not read as markup.
  const object = await putObject('vessel-csv', BAD_KEY, new Uint8Array());
  const delivery = await deliver([{ body: putEvent('vessel-csv', BAD_KEY, object) }], { WAREHOUSE_URL: db.url });
  expect(delivery.explicitAcks).toHaveLength(1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  between = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));

  const signIn = await call('/sign-in', {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ by: 'Ana', token: TEST_API_TOKEN, next: '/queries' }).toString(),
  });
  expect([signIn.status, signIn.headers.get('location')]).toEqual([303, '/queries']);
  cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
  expect(cookie).toMatch(/^ls_console=/);
  const match = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(await pageText('/queries'));
  csrf = match?.[1] ?? '';
  expect(csrf).not.toBe('');
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

describe('the console’s queries, reports and ingestion views', () => {
  it('send a browser without a session to sign in, and refuse a form post without one', async () => {
    for (const path of ['/queries', '/ingestion', '/reports/r1', '/reports/r1/diff']) {
      const response = await call(path);
      expect([response.status, response.headers.get('location')]).toEqual([
        303,
        `/sign-in?next=${encodeURIComponent(path)}`,
      ]);
    }
    const anonymous = await call('/queries', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sql=SELECT+1',
    });
    expect(anonymous.status).toBe(401);
  });

  it('refuse a form post without the CSRF token or from another origin', async () => {
    const noToken = await post('/queries', { sql: 'SELECT 1 AS one', mode: 'live' }, { csrf: null });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('this form is from another session or has expired');
    const otherOrigin = await post(
      '/queries',
      { sql: 'SELECT 1 AS one', mode: 'live' },
      { origin: 'https://evil.test' },
    );
    expect(otherOrigin.status).toBe(403);
    const wrongToken = await post('/reports/r1/refresh', {}, { csrf: 'not-the-token' });
    expect(wrongToken.status).toBe(403);
  });

  it('run a live query and show it as a table with types, row count and schema version, keeping the SQL', async () => {
    const response = await post('/queries', { sql: FLEET, mode: 'live' });
    expect(response.status).toBe(200);
    const page = await response.text();
    const result = section(page, 'result');
    expect(result).toContain('<th scope="col">imo <span class="type">VARCHAR</span></th>');
    expect(result).toContain('<td>Nordic Star</td>');
    expect(result).toContain('<td>Aurora</td>');
    expect(result).toMatch(/live · schema version 1 · <strong>2<\/strong> rows · \d+ ms/);
    expect(page).toContain(`spellcheck="false" maxlength="100000">SELECT data-&gt;&gt;&#39;imo&#39; AS imo`);
    expect(page).toContain('<option value="live" selected>');
  });

  it('show NULL apart from text, and escape hostile values and column names', async () => {
    const sql = `SELECT '${HOSTILE.replaceAll("'", "''")}' AS "<i>col</i>", NULL AS nothing, 'NULL' AS text`;
    const page = await (await post('/queries', { sql, mode: 'live' })).text();
    const result = section(page, 'result');
    expect(result).toContain(`<td>${ESCAPED}</td>`);
    expect(result).toContain('&lt;i&gt;col&lt;/i&gt;');
    expect(result).toContain('<td><span class="null">NULL</span></td><td>NULL</td>');
    expect(page).not.toContain('<script>alert(1)</script>');
  });

  it('show the engine’s refusal of a statement that is not a SELECT, with the SQL still in the form', async () => {
    const response = await post('/queries', { sql: 'DROP TABLE structured_data', mode: 'live' });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(section(page, 'result')).toMatch(/<code>query_refused<\/code> query refused: /);
    expect(page).toContain('>DROP TABLE structured_data</textarea>');
    // And nothing was dropped.
    const [row] = await db.warehouse.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM structured_data');
    expect(row?.n).toBeGreaterThan(0);
  });

  it('show a bad instant as the engine’s refusal, not a 500', async () => {
    const response = await post('/queries', { sql: FLEET, mode: 'time_travel', at: 'yesterday' });
    expect(response.status).toBe(400);
    expect(section(await response.text(), 'result')).toContain('at: not an instant');
  });

  it('save a report (through the API) that the list shows, escaped, with a Refresh form', async () => {
    const created = await call('/api/reports', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: HOSTILE, sql: FLEET, key: ['imo'] }),
    });
    expect(created.status).toBe(201);
    reportId = (await created.json<{ id: string }>()).id;
    const page = await pageText('/queries');
    const reports = section(page, 'reports');
    expect(reports).toContain(`<a href="/reports/${encodeURIComponent(reportId)}">${ESCAPED}</a>`);
    expect(reports).toContain(`action="/reports/${encodeURIComponent(reportId)}/refresh"`);
    expect(reports).toContain(`<input type="hidden" name="csrf" value="${csrf}">`);
    expect(page).not.toContain('<script>alert(1)</script>');
  });

  it('save the query form as a report: 303 to its page; a taken or missing name shows why, keeping the form', async () => {
    const form = { sql: FLEET, mode: 'live', name: 'fleet from the form', key: 'imo' };
    const saved = await post('/reports', form);
    expect(saved.status).toBe(303);
    const location = saved.headers.get('location') as string;
    expect(location).toMatch(/^\/reports\/[^/?]+$/);
    const page = await pageText(location);
    expect(page).toContain('<title>Report: fleet from the form · living-schema</title>');
    expect(page).toContain('created');
    expect(page).toContain('by Ana');
    expect(section(page, 'latest-result')).toContain('<td>Nordic Star</td>');

    const taken = await post('/reports', { ...form, name: HOSTILE });
    expect(taken.status).toBe(409);
    const takenPage = await taken.text();
    expect(section(takenPage, 'result')).toContain(`a report named &#39;${ESCAPED}&#39; exists`);
    expect(takenPage).toContain(`name="name" value="${ESCAPED}"`);
    const unnamed = await post('/reports', { ...form, name: '' });
    expect(unnamed.status).toBe(400);
    expect(section(await unnamed.text(), 'result')).toContain('name: ');
  });

  describe('after another load', () => {
    beforeAll(async () => {
      await upload('fleet/more.csv', 'imo,vessel,flag\n9176187,Sea Breeze,LR\n');
    }, 30_000);

    it('time travel to an instant before the load shows the older rows; live shows the new one', async () => {
      const before = await (await post('/queries', { sql: FLEET, mode: 'time_travel', at: between })).text();
      const old = section(before, 'result');
      expect(old).toMatch(
        /time travel · schema version 1 · as at <time datetime="[^"]+">[^<]+<\/time> · <strong>2<\/strong> rows/,
      );
      expect(old).not.toContain('Sea Breeze');
      const live = section(await (await post('/queries', { sql: FLEET, mode: 'live' })).text(), 'result');
      expect(live).toContain('<td>Sea Breeze</td>');
      expect(live).toContain('<strong>3</strong> rows');
    });

    it('the report page says data moved since the last run', async () => {
      const page = await pageText(`/reports/${encodeURIComponent(reportId)}`);
      expect(page).toContain('<span class="badge" id="moved">data or schema moved</span>');
      expect(page).toMatch(/1 new row in <code>structured_data<\/code> \(1 load\)/);
      expect(page).toContain(`<title>Report: ${ESCAPED} · living-schema</title>`);
    });

    it('Refresh answers 303 to the report page, which shows run 2, changed, and why', async () => {
      const response = await post(`/reports/${encodeURIComponent(reportId)}/refresh`, {});
      expect([response.status, response.headers.get('location')]).toEqual([
        303,
        `/reports/${encodeURIComponent(reportId)}?refreshed=2`,
      ]);
      const page = await pageText(response.headers.get('location') as string);
      expect(page).toContain('Refreshed: run 2, the result changed.');
      expect(page).toContain('<span class="badge" title="the last refresh changed the result">changed</span>');
      expect(section(page, 'why')).toContain('1 row added');
      expect(section(page, 'latest-result')).toContain('<td>Sea Breeze</td>');
      const runs = section(page, 'runs');
      expect(runs).toMatch(/<td class="num">2<\/td>[\s\S]*<td class="num">1<\/td>/);
      expect(runs).toContain('first run');
      expect(page).toContain(`id="report-sql" class="sql"><code>SELECT data-&gt;&gt;&#39;imo&#39;`);
    });

    it('the diff page shows the added row between the last two runs', async () => {
      const page = await pageText(`/reports/${encodeURIComponent(reportId)}/diff`);
      expect(page).toContain('<title>Diff: run 1 → run 2 · living-schema</title>');
      const added = section(page, 'added-rows');
      expect(added).toContain('<td>9176187</td><td>Sea Breeze</td><td>LR</td>');
      expect(page).toMatch(/<span class="n">0<\/span> removed/);
      const same = await get(`/reports/${encodeURIComponent(reportId)}/diff?from=2&to=2`);
      expect(same.status).toBe(200);
      expect(await same.text()).toContain('<p>None.</p>');
    });

    it('a diff that cannot be made says why on the page', async () => {
      const response = await get(`/reports/${encodeURIComponent(reportId)}/diff?from=9`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('has no run 9');
    });

    it('a report’s stored run answers a snapshot query from the form', async () => {
      const page = await (await post('/queries', { sql: '', mode: 'snapshot', report: reportId, run: '1' })).text();
      const result = section(page, 'result');
      expect(result).toContain('<strong>2</strong> rows');
      expect(result).not.toContain('Sea Breeze');
    });
  });

  it('the ingestion view lists loads and the failed file with its error, escaped, and the dead letters', async () => {
    const page = await pageText('/ingestion');
    expect(page).toMatch(/<div class="card" id="card-loads"><span class="n">2<\/span> loads/);
    expect(page).toMatch(/<div class="card" id="card-rows"><span class="n">3<\/span> rows loaded/);
    expect(page).toMatch(/<div class="card" id="card-failed"><span class="n">1<\/span> failed files/);
    expect(page).toMatch(/<div class="card" id="card-dead"><span class="n">1<\/span> dead letters/);
    const key = 'vessel-csv/bad/&lt;b&gt;&amp;&quot;x&quot;.csv';
    const failed = page.slice(page.indexOf('id="failed"'), page.indexOf('<h2>Recent events</h2>'));
    expect(failed).toContain(`<code>${key}</code>`);
    expect(failed).toContain(`${key}: the file is empty (no header row)</pre>`);
    expect(failed).toContain('<span class="status status-failed">bad_file</span>');
    expect(page).toContain('<code>vessel-csv/fleet/fleet.csv</code>');
    expect(page).not.toContain('<b>&"x"');

    const onlyFailed = await pageText('/ingestion?status=failed');
    const loads = onlyFailed.slice(onlyFailed.indexOf('id="loads"'));
    expect(loads).toContain(key);
    expect(loads).not.toContain('fleet/fleet.csv');
    expect(onlyFailed).toContain('<option value="failed" selected>failed</option>');
  });
});
