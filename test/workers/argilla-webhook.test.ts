// POST /api/argilla/webhook through the main Worker's fetch, and the argilla-sync queue through its queue
// handler: signed deliveries (signed by the standardwebhooks package, inside workerd) queue one targeted
// sync, replays with a new webhook-id queue nothing more, and every refusal is a 401 that queues nothing.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArgillaSyncMessage } from '../../lib/argilla/messages.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import worker from '../../workers/main/index.ts';
import { migratedDatabase } from '../support/databases.ts';

const SECRET = btoa(String.fromCharCode(...Array.from({ length: 64 }, (_, i) => (i * 29 + 3) % 256)));
const DATASET = '5f8d1c1e-0000-4000-8000-00000000d001';

let url: string;
let warehouse: Warehouse;

beforeAll(async () => {
  ({ url, warehouse } = await migratedDatabase('argilla_webhook'));
});

afterAll(async () => {
  await warehouse.close();
});

let sequence = 0;

/** A response.* envelope shaped as Argilla 2.x sends it (Python json.dumps separators, naive timestamps). */
function responseEvent(
  overrides: { type?: string; responseId?: string; recordId?: string; updatedAt?: string } = {},
): string {
  const data = {
    id: overrides.responseId ?? 'resp-1',
    values: { entities: { value: [{ label: 'VESSEL_NAME', start: 0, end: 9 }] } },
    status: 'submitted',
    record: {
      id: overrides.recordId ?? 'rec-1',
      status: 'completed',
      fields: { text: 'MV Aurora \u00e9' },
      metadata: {},
      external_id: 'doc-1',
      dataset: { id: DATASET, name: 'vessel-papers', workspace: { id: 'w-1', name: 'argilla' } },
      inserted_at: '2026-11-21T09:39:23.148505',
      updated_at: '2026-11-21T11:06:06.726296',
    },
    user: { id: 'u-1', username: 'sme', role: 'annotator' },
    inserted_at: '2026-11-21T11:06:06.672138',
    updated_at: overrides.updatedAt ?? '2026-11-21T11:13:22.206179',
  };
  return JSON.stringify(
    { type: overrides.type ?? 'response.updated', version: 1, timestamp: '2026-11-21T11:13:22.256501Z', data },
    null,
    0,
  )
    .replaceAll('":', '": ')
    .replaceAll(',"', ', "');
}

function signed(body: string, options: { secret?: string; secondsAgo?: number; id?: string } = {}): RequestInit {
  const id = options.id ?? `msg_test${++sequence}`;
  const at = new Date(Date.now() - (options.secondsAgo ?? 1) * 1000);
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body),
    },
    body,
  };
}

/** Posts to the webhook with a spy for ARGILLA_QUEUE; returns the response and what was sent. */
async function post(init: RequestInit, overrides: Partial<Env> = {}) {
  const sent: unknown[] = [];
  const queue = { send: vi.fn(async (m: unknown) => void sent.push(m)) } as unknown as Queue;
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request('http://worker.test/api/argilla/webhook', init),
    { ...env, WAREHOUSE_URL: url, ARGILLA_WEBHOOK_SECRET: SECRET, ARGILLA_QUEUE: queue, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { response, body: await response.json<Record<string, unknown>>(), sent };
}

describe('POST /api/argilla/webhook', () => {
  it('queues exactly one targeted sync for a signed response event', async () => {
    const { response, body, sent } = await post(signed(responseEvent({ responseId: 'resp-accept' })));
    expect(response.status).toBe(202);
    expect(body).toEqual({ status: 'queued', type: 'response.updated', recordId: 'rec-1', datasetId: DATASET });
    expect(sent).toEqual([
      { kind: 'argilla-sync', trigger: 'webhook', datasets: [DATASET], recordIds: ['rec-1'] },
    ] satisfies ArgillaSyncMessage[]);
    const rows = await warehouse.query(
      `SELECT event_type, object_id, CAST(updated_at AS VARCHAR) AS updated_at, record_id, dataset_id
       FROM argilla_webhook_events WHERE object_id = 'resp-accept'`,
    );
    expect(rows).toEqual([
      {
        event_type: 'response.updated',
        object_id: 'resp-accept',
        updated_at: '2026-11-21 11:13:22.206179+00',
        record_id: 'rec-1',
        dataset_id: DATASET,
      },
    ]);
  });

  it('queues nothing more for a retry with a new webhook-id but the same response and updated_at', async () => {
    const event = responseEvent({ responseId: 'resp-replay' });
    expect((await post(signed(event))).sent).toHaveLength(1);
    const replay = await post(signed(event, { id: 'msg_retry_with_new_id' }));
    expect(replay.response.status).toBe(200);
    expect(replay.body).toMatchObject({ status: 'duplicate', recordId: 'rec-1' });
    expect(replay.sent).toEqual([]);
  });

  it('queues again when the same response has a newer updated_at, or is deleted', async () => {
    const first = await post(
      signed(responseEvent({ responseId: 'resp-edit', updatedAt: '2026-11-21T11:20:00.000001' })),
    );
    const edited = await post(
      signed(responseEvent({ responseId: 'resp-edit', updatedAt: '2026-11-21T11:20:00.000002' })),
    );
    // response.deleted carries the response as it was: the same id and updated_at as its last update.
    const deleted = await post(
      signed(
        responseEvent({ type: 'response.deleted', responseId: 'resp-edit', updatedAt: '2026-11-21T11:20:00.000002' }),
      ),
    );
    expect([first.response.status, edited.response.status, deleted.response.status]).toEqual([202, 202, 202]);
    expect([...first.sent, ...edited.sent, ...deleted.sent]).toHaveLength(3);
  });

  it('queues a sync for record.completed, keyed by the record and its updated_at', async () => {
    const record = {
      id: 'rec-completed',
      status: 'completed',
      fields: {},
      metadata: {},
      external_id: null,
      dataset: { id: DATASET, name: 'vessel-papers' },
      inserted_at: '2026-11-21T09:00:00.000000',
      updated_at: '2026-11-21T11:30:00.123456',
    };
    const event = JSON.stringify({
      type: 'record.completed',
      version: 1,
      timestamp: '2026-11-21T11:30:00.2Z',
      data: record,
    });
    const first = await post(signed(event));
    expect(first.response.status).toBe(202);
    expect(first.sent).toEqual([
      { kind: 'argilla-sync', trigger: 'webhook', datasets: [DATASET], recordIds: ['rec-completed'] },
    ]);
    expect((await post(signed(event))).sent).toEqual([]);
  });

  it('acknowledges and ignores event types it does not act on, ping included', async () => {
    for (const type of ['record.updated', 'dataset.published', 'ping']) {
      const body = JSON.stringify({ type, version: 1, timestamp: '2026-11-21T11:00:00.000000Z', data: { agent: 'x' } });
      const { response, body: answer, sent } = await post(signed(body));
      expect(response.status, type).toBe(200);
      expect(answer).toEqual({ status: 'ignored', type });
      expect(sent).toEqual([]);
    }
  });

  it('answers 401 and queues nothing for a bad signature, a tampered body, an old or future timestamp, missing headers', async () => {
    const event = responseEvent({ responseId: 'resp-refused' });
    const tampered = signed(event);
    tampered.body = event.replace('VESSEL_NAME', 'FLAG_STATE');
    const missing = signed(event);
    const { 'webhook-signature': _dropped, ...headers } = missing.headers as Record<string, string>;
    missing.headers = headers;
    const cases: [string, RequestInit, string][] = [
      ['another secret', signed(event, { secret: btoa('another secret of some length') }), 'no signature'],
      ['tampered body', tampered, 'no signature'],
      ['old timestamp', signed(event, { secondsAgo: 6 * 60 }), 'in the past'],
      ['future timestamp', signed(event, { secondsAgo: -6 * 60 }), 'in the future'],
      ['missing header', missing, 'missing header webhook-signature'],
    ];
    for (const [name, init, message] of cases) {
      const { response, body, sent } = await post(init);
      expect(response.status, name).toBe(401);
      expect(body, name).toMatchObject({ error: { code: 'unauthorized', message: expect.stringContaining(message) } });
      expect(sent, name).toEqual([]);
    }
    const rows = await warehouse.query(`SELECT * FROM argilla_webhook_events WHERE object_id = 'resp-refused'`);
    expect(rows).toEqual([]);
  });

  it('answers 400 for a signed body that is not a handled event’s envelope', async () => {
    const { response, body, sent } = await post(signed('{"type": "response.created", "data": {"id": "r"}}'));
    expect(response.status).toBe(400);
    expect(body).toMatchObject({
      error: { code: 'bad_request', message: expect.stringContaining('response.created data') },
    });
    expect(sent).toEqual([]);
  });

  it('answers 501 naming the secret when ARGILLA_WEBHOOK_SECRET is not set', async () => {
    const { response, body } = await post(signed(responseEvent()), { ARGILLA_WEBHOOK_SECRET: '' });
    expect(response.status).toBe(501);
    expect(body).toMatchObject({
      error: { code: 'not_implemented', message: expect.stringContaining('ARGILLA_WEBHOOK_SECRET') },
    });
  });

  it('is in /openapi.json as an open route with its 202, 200, 400 and 401', async () => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request('http://worker.test/openapi.json'),
      { ...env, WAREHOUSE_URL: url },
      ctx,
    );
    const document = await response.json<{
      paths: Record<string, Record<string, { security: unknown[]; responses: object }>>;
    }>();
    const operation = document.paths['/api/argilla/webhook']?.post;
    expect(operation?.security).toEqual([]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '202', '400', '401', '500']);
  });
});

describe('the argilla-sync queue', () => {
  it('dead-letters a sync the Worker cannot run (ARGILLA_URL unset) with the reason, and one that is not a sync request, at once', async () => {
    const dead: unknown[] = [];
    const dlq = { send: vi.fn(async (m: unknown) => void dead.push(m)) } as unknown as Queue;
    const batch = createMessageBatch('argilla-sync', [
      {
        id: 'sync-1',
        timestamp: new Date(0),
        attempts: 1,
        body: { kind: 'argilla-sync', trigger: 'webhook', datasets: [DATASET], recordIds: ['rec-1'] },
      },
      { id: 'sync-2', timestamp: new Date(0), attempts: 1, body: { kind: 'ingested' } },
    ]);
    const ctx = createExecutionContext();
    const logged = vi.spyOn(console, 'log').mockImplementation(() => {});
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await worker.queue(batch, { ...env, WAREHOUSE_URL: url, ARGILLA_DLQ: dlq }, ctx);
    const result = await getQueueResult(batch, ctx);
    logged.mockRestore();
    errors.mockRestore();
    expect(result.explicitAcks.sort()).toEqual(['sync-1', 'sync-2']);
    expect(result.retryMessages).toEqual([]);
    expect(dead).toEqual([
      expect.objectContaining({ reason: 'invalid_message', body: { kind: 'ingested' }, attempts: 1 }),
      expect.objectContaining({
        reason: 'failed',
        error: 'the Argilla sync is off: ARGILLA_URL is not set',
        body: { kind: 'argilla-sync', trigger: 'webhook', datasets: [DATASET], recordIds: ['rec-1'] },
      }),
    ]);
  });
});
