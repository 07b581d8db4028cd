// The whole discovery loop in workerd: files land in R2, the main Worker's ingest consumer loads them, the
// discovery Worker's cron builds the catalog, raises conflicts, publishes snapshots and posts the digest
// to a Slack-shaped webhook; decisions and runs go through the main Worker's API.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import discovery from '../../workers/discovery/index.ts';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { EXPECTED_CONFLICTS } from '../support/discovery-fixtures.ts';
import { signIn } from './console-client.ts';
import { deliver, discoveryEnv, fixtureBytes, putEvent, putObject } from './helpers.ts';

const channel = `loop-${crypto.randomUUID().slice(0, 8)}`;
const slack = (action: string) => `${inject('fixturesUrl')}slack/${channel}/${action}`;

let db: { url: string; warehouse: Warehouse };

const overrides = () => ({ WAREHOUSE_URL: db.url, SLACK_WEBHOOK_URL: slack('webhook') });

async function load(bucket: 'vessel-annotations' | 'vessel-csv', key: string, fixture: string): Promise<void> {
  const object = await putObject(bucket, key, await fixtureBytes(fixture));
  const delivery = await deliver([{ body: putEvent(bucket, key, object) }], { WAREHOUSE_URL: db.url });
  expect(delivery.explicitAcks).toHaveLength(1);
}

async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  await discovery.scheduled(
    createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() }),
    discoveryEnv(overrides()),
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function api(path: string, init: RequestInit = {}, extra: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, init),
    { ...env, WAREHOUSE_URL: db.url, ...extra },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const auth = { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' };

async function slackState(): Promise<{ accepted: { text: string; blocks: { type: string }[] }[]; attempts: number }> {
  return (await fetch(slack('messages'))).json();
}

const snapshots = () =>
  db.warehouse.query<{
    version: number;
    semver: string;
    bump: string;
    content_hash: string;
    previous_hash: string | null;
  }>('SELECT version, semver, bump, content_hash, previous_hash FROM schema_snapshots ORDER BY version');

beforeAll(async () => {
  db = await migratedDatabase('discovery_loop');
  await load('vessel-annotations', 'argilla/vessels-1.parquet', 'discovery/vessels-1.parquet');
  await load('vessel-csv', 'registry/2026-11-20.parquet', 'discovery/registry-1.parquet');
  await load('vessel-csv', 'registry/2026-11-21.parquet', 'discovery/registry-2.parquet');
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

describe('the discovery loop', () => {
  it('first cron run: catalog, the right conflicts, snapshot v1; Slack answers 500 so the digest waits', async () => {
    await fetch(slack('script'), { method: 'POST', body: JSON.stringify([{ status: 500, body: 'rollup_error' }]) });
    await cron();

    const types = await db.warehouse.query<{ name: string; status: string; occurrence_count: number }>(
      'SELECT name, status, occurrence_count::INTEGER AS occurrence_count FROM entity_types ORDER BY name',
    );
    expect(types).toEqual([
      { name: 'CALL_SIGN', status: 'candidate', occurrence_count: 0 },
      { name: 'FLAG_STATE', status: 'candidate', occurrence_count: 2 },
      { name: 'IMO_NUMBER', status: 'active', occurrence_count: 3 },
      { name: 'PART', status: 'candidate', occurrence_count: 1 },
      { name: 'PORT', status: 'active', occurrence_count: 3 },
      { name: 'VESEL_NAME', status: 'candidate', occurrence_count: 1 },
      { name: 'VESSEL_NAME', status: 'active', occurrence_count: 4 },
      { name: 'vessel name', status: 'candidate', occurrence_count: 1 },
    ]);
    const fields = await db.warehouse.query<{ name: string; inferred_type: string; status: string }>(
      `SELECT name, inferred_type, status FROM field_definitions WHERE source = 'registry' ORDER BY name`,
    );
    expect(fields.map((f) => `${f.name} ${f.inferred_type}`)).toEqual([
      'flag varchar',
      'flag_state varchar',
      'gross_tonage int',
      'gross_tonnage decimal',
      'imo bigint',
      'name varchar',
      'owner object',
      'owner.country varchar',
      'owner.name varchar',
    ]);

    const response = await api('/api/conflicts?status=open');
    expect(response.status).toBe(200);
    const { conflicts } = await response.json<{
      conflicts: {
        kind: string;
        source: string;
        newName: string;
        existingName: string;
        score: number;
        reasons: unknown[];
      }[];
    }>();
    const pairs = conflicts.map(({ kind, source, newName, existingName }) => ({ kind, source, newName, existingName }));
    expect(pairs).toHaveLength(EXPECTED_CONFLICTS.length);
    // A page says how many there are in all.
    const page = await (await api('/api/conflicts?status=open&limit=1&offset=1')).json<{
      conflicts: unknown[];
      total: number;
    }>();
    expect(page).toEqual({
      conflicts: [expect.anything()],
      limit: 1,
      offset: 1,
      total: EXPECTED_CONFLICTS.length,
    });
    expect(pairs).toEqual(expect.arrayContaining([...EXPECTED_CONFLICTS]));
    for (const c of conflicts) {
      expect(c.score).toBeGreaterThanOrEqual(0.85);
      expect(c.reasons.length).toBeGreaterThan(0);
    }

    expect(await snapshots()).toEqual([
      expect.objectContaining({ version: 1, semver: '0.1.0', bump: 'minor', previous_hash: null }),
    ]);
    expect(await slackState()).toMatchObject({ accepted: [], attempts: 1 });
    const [outbox] = await db.warehouse.query<{ status: string; attempts: number; last_error: string }>(
      'SELECT status, attempts, last_error FROM notifications_outbox',
    );
    expect(outbox).toEqual({ status: 'pending', attempts: 1, last_error: '500 rollup_error' });
  });

  it('second cron run: nothing changes or is published; the waiting digest is delivered, once', async () => {
    await cron();
    expect(await snapshots()).toHaveLength(1);
    const [run] = await db.warehouse.query<{ report: string }>(
      `SELECT report::VARCHAR AS report FROM discovery_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`,
    );
    expect(JSON.parse(run?.report as string)).toMatchObject({
      loads: 0,
      snapshot: null,
      conflicts: [],
      entityTypes: { written: 0, new: [] },
      fields: { written: 0, new: [] },
      slack: { queued: false, sent: 1 },
    });
    const state = await slackState();
    expect(state.accepted).toHaveLength(1);
    const digest = state.accepted[0] as { text: string; blocks: { type: string; text?: { text: string } }[] };
    expect(digest.text).toMatch(/^Schema v1 published \(0\.1\.0, minor\)/);
    expect(digest.blocks.length).toBeLessThanOrEqual(50);
    const all = JSON.stringify(digest.blocks);
    for (const c of EXPECTED_CONFLICTS) expect(all).toContain(c.newName);
    expect(all).toContain('/conflicts/');

    await cron();
    expect((await slackState()).accepted).toHaveLength(1);
  });

  it('a merge decision through the API, then a run: v2, a PATCH, chained to v1, one more digest', async () => {
    const { conflicts } = await (await api('/api/conflicts?status=open')).json<{
      conflicts: { id: string; newName: string }[];
    }>();
    const target = conflicts.find((c) => c.newName === 'VESEL_NAME') as { id: string };
    const body = JSON.stringify({ decision: 'merge', by: 'maria@example.com', note: 'typo' });
    expect((await api(`/api/conflicts/${target.id}/resolve`, { method: 'POST', body })).status).toBe(401);
    const bad = await api(`/api/conflicts/${target.id}/resolve`, {
      method: 'POST',
      headers: auth,
      body: '{"decision":"maybe"}',
    });
    expect(bad.status).toBe(400);
    const decided = await api(`/api/conflicts/${target.id}/resolve`, { method: 'POST', headers: auth, body });
    expect(decided.status).toBe(200);
    expect(await decided.json()).toMatchObject({
      conflict: { status: 'merged', decision: 'merge', decidedBy: 'maria@example.com', note: 'typo' },
      effect: "entity type 'VESEL_NAME' is now an alias of 'VESSEL_NAME'",
    });
    const again = await api(`/api/conflicts/${target.id}/resolve`, { method: 'POST', headers: auth, body });
    expect(again.status).toBe(409);

    await cron();
    const [v1, v2] = await snapshots();
    expect(v2).toMatchObject({ version: 2, semver: '0.1.1', bump: 'patch', previous_hash: v1?.content_hash });
    const [diff] = await db.warehouse.query<{ diff: string }>(
      'SELECT diff::VARCHAR AS diff FROM schema_snapshots WHERE version = 2',
    );
    expect(JSON.parse(diff?.diff as string)).toEqual([
      expect.objectContaining({
        change: 'changed',
        key: { kind: 'entity_type', name: 'VESEL_NAME' },
        attribute: 'status',
        from: 'candidate',
        to: 'merged',
      }),
      expect.objectContaining({
        change: 'changed',
        key: { kind: 'entity_type', name: 'VESEL_NAME' },
        attribute: 'mergedInto',
        from: null,
        to: 'VESSEL_NAME',
      }),
    ]);
    const state = await slackState();
    expect(state.accepted).toHaveLength(2);
    expect(state.accepted[1]?.text).toMatch(/^Schema v2 published \(0\.1\.1, patch\)/);
    // The digest says what the version changed, though no name is new.
    const sections = JSON.stringify(state.accepted[1]?.blocks);
    const [first] = JSON.parse(diff?.diff as string) as { reason: string }[];
    expect(sections).toContain('Other catalog changes');
    expect(sections).toContain(JSON.stringify(first?.reason).slice(1, -1));
  });

  it('shows the open conflicts in the console, with both names and a decision form per conflict', async () => {
    expect((await api('/review')).headers.get('location')).toBe('/');
    const session = await signIn((path, init) => api(path, init));
    const response = await session.get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('<code>vessel name</code> ↔ <code>VESSEL_NAME</code>');
    expect(html.match(/<form method="post" action="\/conflicts\/[^"]+\/decide" class="decide">/g)).toHaveLength(
      EXPECTED_CONFLICTS.length - 1,
    );
    // Both names' catalog entries side by side: the existing name's counts come from entity_types.
    expect(html).toMatch(
      /<h3>Existing <code>VESSEL_NAME<\/code><\/h3>\s*<dl>\s*<dt>Status<\/dt><dd><span class="status status-\w+">/,
    );
  });
});

describe('runs requested through the API and the discovery queue', () => {
  function capturingQueue(): { queue: Queue; sent: unknown[] } {
    const sent: unknown[] = [];
    return {
      sent,
      queue: { send: async (body: unknown) => void sent.push(body), sendBatch: async () => {} } as unknown as Queue,
    };
  }

  async function consume(bodies: unknown[], attempts = 1, extra: Record<string, string> = {}) {
    const batch = createMessageBatch(
      'discovery',
      bodies.map((body, i) => ({ id: `d-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })),
    );
    const retryAll = vi.spyOn(batch, 'retryAll');
    const ctx = createExecutionContext();
    await discovery.queue(batch, discoveryEnv({ ...overrides(), ...extra }), ctx);
    const result = await getQueueResult(batch, ctx);
    return { result, retryDelay: retryAll.mock.calls[0]?.[0]?.delaySeconds };
  }

  const run = async (id: string) =>
    (await api(`/api/discovery/runs/${id}`)).json<{
      status: string;
      trigger: string;
      coalescedInto: string | null;
      report: { loads: number } | null;
    }>();

  it('POST /api/discovery/run needs the token, answers 202 with an id, and queues the run', async () => {
    expect((await api('/api/discovery/run', { method: 'POST' })).status).toBe(401);
    const { queue, sent } = capturingQueue();
    const response = await api(
      '/api/discovery/run',
      { method: 'POST', headers: auth, body: '{"full": true}' },
      { DISCOVERY_QUEUE: queue },
    );
    expect(response.status).toBe(202);
    const { id } = await response.json<{ id: string }>();
    expect(sent).toEqual([{ kind: 'run', runId: id, full: true }]);
    expect(await run(id)).toMatchObject({ status: 'queued', trigger: 'api' });
    expect((await api('/api/discovery/runs/nope')).status).toBe(404);
    // ?full= is true or false: anything else is refused rather than read as false.
    const maybe = await api(
      '/api/discovery/run?full=maybe',
      { method: 'POST', headers: auth },
      { DISCOVERY_QUEUE: queue },
    );
    expect(maybe.status).toBe(400);
    expect(sent).toHaveLength(1);

    // A second request and an ingest note arrive in the same batch: one run does the work of all three.
    const second = capturingQueue();
    const other = await (
      await api('/api/discovery/run', { method: 'POST', headers: auth }, { DISCOVERY_QUEUE: second.queue })
    ).json<{ id: string }>();
    const { result } = await consume([
      ...sent,
      ...second.sent,
      { kind: 'ingested', loads: [], sentAt: new Date().toISOString() },
    ]);
    expect(result.ackAll).toBe(true);
    expect(await run(id)).toMatchObject({ status: 'succeeded', trigger: 'api' });
    expect(await run(other.id)).toMatchObject({ status: 'coalesced', coalescedInto: id });
  });

  it('fails a requested run for an invalid DISCOVERY_CONFIG, saying which key, and acks it', async () => {
    const { queue, sent } = capturingQueue();
    const { id } = await (
      await api('/api/discovery/run', { method: 'POST', headers: auth }, { DISCOVERY_QUEUE: queue })
    ).json<{ id: string }>();
    const { result } = await consume(sent, 1, { DISCOVERY_CONFIG: '{"lockSeconds": "soon"}' });
    expect(result.ackAll).toBe(true);
    const failed = await (await api(`/api/discovery/runs/${id}`)).json<{ status: string; error: string }>();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^DISCOVERY_CONFIG is invalid: .*lockSeconds/s);
  });

  it('a batch that finds the lock taken is retried a minute later, its run still queued', async () => {
    const { queue, sent } = capturingQueue();
    const { id } = await (
      await api('/api/discovery/run', { method: 'POST', headers: auth }, { DISCOVERY_QUEUE: queue })
    ).json<{ id: string }>();
    const until = new Date(Date.now() + 600_000);
    await db.warehouse.execute(
      `INSERT INTO discovery_lock VALUES ('discovery', 'someone-else', now(), $1::TIMESTAMPTZ, 'x')`,
      [until],
    );
    try {
      const busy = await consume(sent);
      expect(busy.result.ackAll).toBe(false);
      expect(busy.retryDelay).toBe(60);
      expect(await run(id)).toMatchObject({ status: 'queued' });
      // After its last attempt it stops waiting: the run is marked skipped, the batch acked.
      const last = await consume(sent, 5);
      expect(last.result.ackAll).toBe(true);
      expect(await run(id)).toMatchObject({ status: 'skipped' });
    } finally {
      await db.warehouse.execute(`DELETE FROM discovery_lock WHERE holder = 'someone-else'`);
    }
  });
});

describe('a PUBLIC_URL that nobody else can open', () => {
  /** The PUBLIC_URL errors one discovery run logs (an invalid DISCOVERY_CONFIG ends the run at once). */
  async function publicUrlErrors(extra: Record<string, string>): Promise<unknown[]> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(String(line)));
    try {
      const batch = createMessageBatch('discovery', [
        {
          id: `u-${crypto.randomUUID()}`,
          timestamp: new Date(),
          attempts: 1,
          body: { kind: 'ingested', loads: [], sentAt: new Date().toISOString() },
        },
      ]);
      const ctx = createExecutionContext();
      await discovery.queue(
        batch,
        discoveryEnv({ ...overrides(), DISCOVERY_CONFIG: '{"lockSeconds": "soon"}', ...extra }),
        ctx,
      );
      await waitOnExecutionContext(ctx);
    } finally {
      spy.mockRestore();
    }
    return lines.filter((l) => l.includes('PUBLIC_URL')).map((l) => JSON.parse(l));
  }

  it('is logged as an error once per run outside local development, naming the problem', async () => {
    const fix = 'deploy with `npm run deploy` and the main Worker’s public https URL as PUBLIC_URL';
    expect(await publicUrlErrors({ LOCAL_DEV: 'false' })).toEqual([
      {
        level: 'error',
        message:
          'discovery: PUBLIC_URL http://127.0.0.1:8787 is a loopback address, which only this machine can open; the links in Slack digests are unusable',
        worker: 'living-schema-discovery',
        fix,
      },
    ]);
    expect(await publicUrlErrors({ LOCAL_DEV: 'false', PUBLIC_URL: '' })).toEqual([
      expect.objectContaining({ message: 'discovery: PUBLIC_URL is not set; the links in Slack digests are unusable' }),
    ]);
    expect(await publicUrlErrors({ LOCAL_DEV: 'true' })).toEqual([]);
    expect(await publicUrlErrors({ LOCAL_DEV: 'false', PUBLIC_URL: 'https://schema.example.com' })).toEqual([]);
  });
});
