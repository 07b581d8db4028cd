// Argilla's own webhook deliveries, end to end in Node: the stand-in sends its real signed Standard Webhooks
// (retrying with a NEW webhook-id, as Argilla does) to a loopback HTTP server running the project's receiver
// (lib/argilla/webhook.ts, with the embedded warehouse for deduplication); the sync it queues goes through the
// argilla-sync consumer to syncArgilla and the ingest consumer.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgillaSyncMessage } from '../../lib/argilla/messages.ts';
import { handleArgillaSyncBatch } from '../../lib/argilla/queue.ts';
import { ArgillaTime } from '../../lib/argilla/schemas.ts';
import { type SyncReport, syncArgilla } from '../../lib/argilla/sync.ts';
import { receiveArgillaWebhook, type WebhookOutcome } from '../../lib/argilla/webhook.ts';
import { silentLogger } from '../../lib/log.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { freePort } from '../../tools/local/ports.ts';
import { currentRows, OWNER_KEY, type SyncHarness, startSyncHarness } from '../support/argilla-sync-harness.ts';

const DATASET = 'vessel-entities';
const V1 = 'd1a7a5e7-0000-4000-8000-000000000001';
const record = (n: number) => `7ec0bd00-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
// The receiver's clock; the stand-in stamps its attempts `skew` before it (webhook-timestamp, unix seconds).
const RECEIVER_NOW = new Date('2026-11-21T12:00:00.000Z');
let skew = 1_000;
// An 88-character base64 secret the receiver is left holding after the webhook's secret changed.
const ROTATED = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 31 + 5) % 256)).toString('base64');

let h: SyncHarness;
let receiver: Server;
let secret = '';
/** How the receiver takes the next deliveries: as they come, with an old secret, or rewritten on the way. */
let mode: 'as-sent' | 'rotated-secret' | 'rewritten' = 'as-sent';
/** Event types whose next answer a proxy in front of the receiver loses (after the receiver acted). */
const loseAnswer = new Set<string>();
const queued: ArgillaSyncMessage[] = [];
const handled: { id: string; type: string; status: number; outcome: string }[] = [];

/** The route's answers (workers/main/routes/argilla-webhook.ts): 401 refused, 400 not understood, 202 queued. */
const statusOf = (o: WebhookOutcome) =>
  o.kind === 'rejected' ? 401 : o.kind === 'invalid' ? 400 : o.kind === 'queued' ? 202 : 200;

async function startReceiver(): Promise<string> {
  const port = await freePort();
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = new Uint8Array(Buffer.concat(chunks));
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const type = String(JSON.parse(Buffer.from(body).toString('utf8')).type);
    // A proxy sends the sync to another record: the signature covers the bytes, so this must be refused.
    if (mode === 'rewritten')
      body = new TextEncoder().encode(Buffer.from(body).toString().replaceAll(record(6), record(4)));
    const outcome = await receiveArgillaWebhook(
      {
        secret: mode === 'rotated-secret' ? ROTATED : secret,
        warehouse: h.warehouse,
        clock: () => RECEIVER_NOW,
        log: silentLogger,
        enqueue: async (message) => void queued.push(message),
      },
      { headers, body },
    );
    let status = statusOf(outcome);
    handled.push({
      id: headers.get('webhook-id') ?? '',
      type,
      status,
      outcome: outcome.kind === 'rejected' ? `rejected: ${outcome.reason}` : outcome.kind,
    });
    if (loseAnswer.delete(type)) status = 502;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ outcome: outcome.kind }));
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${port}/api/argilla/webhook`;
}

beforeAll(async () => {
  h = await startSyncHarness({
    prefix: 'argilla_webhook_delivery',
    seed: MARITIME_FIXTURE,
    names: [DATASET],
    webhooks: { retryDelaysMs: [5, 5, 5], timeoutMs: 10_000, now: () => RECEIVER_NOW.getTime() - skew },
  });
  const url = await startReceiver();
  const created = await fetch(`${h.argilla.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-argilla-api-key': OWNER_KEY },
    body: JSON.stringify({
      url,
      events: ['response.created', 'response.updated', 'response.deleted', 'record.completed'],
      description: 'living-schema',
    }),
  });
  expect(created.status).toBe(201);
  secret = ((await created.json()) as { secret: string }).secret;
  // The sync state as the cron leaves it, so a webhook's targeted sync writes only what changed.
  await syncArgilla(h.deps(), { trigger: 'cron' });
  await h.ingestSent();
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** What the stand-in delivered since `mark`: type, attempt and the answer it got, in a stable order. */
const deliveredSince = (mark: number) =>
  h.argilla.deliveries
    .slice(mark)
    .map((d) => [d.type, d.attempt, d.status] as const)
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);

const eventRows = (objectId: string) =>
  h.warehouse.query(
    `SELECT event_type, CAST(updated_at AS VARCHAR) AS updated_at, webhook_id FROM argilla_webhook_events
     WHERE object_id = $1::VARCHAR ORDER BY event_type`,
    [objectId],
  );

describe('the stand-in’s signed webhooks at the project’s receiver', () => {
  it('are accepted once; Argilla’s retry with a new webhook-id queues nothing more, and the sync follows', async () => {
    const mark = h.argilla.deliveries.length;
    loseAnswer.add('response.updated');
    const edited = h.argilla.submitResponse({
      recordId: record(1),
      username: 'alice',
      spans: [{ label: 'VESSEL_NAME', start: 3, end: 14 }],
    });
    await h.argilla.webhooksIdle();
    expect(deliveredSince(mark)).toEqual([
      ['record.completed', 1, 202],
      ['response.updated', 1, 502],
      ['response.updated', 2, 200],
    ]);
    const [first, retry] = h.argilla.deliveries.slice(mark).filter((d) => d.type === 'response.updated');
    expect(retry?.messageId).not.toBe(first?.messageId);
    expect(retry?.body).toBe(first?.body);
    expect(handled.filter((x) => x.type === 'response.updated')).toEqual([
      { id: first?.messageId, type: 'response.updated', status: 202, outcome: 'queued' },
      { id: retry?.messageId, type: 'response.updated', status: 200, outcome: 'duplicate' },
    ]);
    const message = { kind: 'argilla-sync', trigger: 'webhook', datasets: [V1], recordIds: [record(1)] };
    // The response's event and its record's record.completed ask for the same sync.
    expect(queued).toEqual([message, message]);
    expect(await eventRows(edited.id)).toEqual([
      {
        event_type: 'response.updated',
        updated_at: `${ArgillaTime.parse(edited.updated_at).slice(0, 26).replace('T', ' ')}+00`,
        webhook_id: first?.messageId,
      },
    ]);

    const reports: SyncReport[] = [];
    const verdicts = await handleArgillaSyncBatch(
      queued.splice(0).map((body, i) => ({ id: `q-${i}`, attempts: 1, body })),
      {
        sync: async (request) => void reports.push(await syncArgilla(h.deps(), request)),
        deadLetter: async () => {
          throw new Error('nothing should be dead-lettered');
        },
        clock: () => RECEIVER_NOW,
        log: silentLogger,
      },
    );
    expect(verdicts).toEqual([
      { id: 'q-0', action: 'ack' },
      { id: 'q-1', action: 'ack' },
    ]);
    expect(reports.map((r) => r.datasets[0])).toMatchObject([
      { outcome: 'synced', records: 1, responses: 1, spans: 1, file: { rows: 1 } },
    ]);
    await h.ingestSent();
    const alice1 = (await currentRows(h.warehouse, DATASET)).filter((r) => r[0] === '01' && r[6] === 'alice');
    expect(alice1).toEqual([
      ['01', 'doc-0001', 'VESSEL_NAME', 3, 14, 'Nordic Star', 'alice', 'submitted', 'code_points', null],
    ]);
  });

  const refusals = [
    {
      what: 'a bad signature (the receiver holds another secret)',
      change: 2,
      mode: 'rotated-secret',
      skew: 1_000,
      reason: 'no_matching_signature',
    },
    { what: 'an old timestamp (6 minutes)', change: 3, mode: 'as-sent', skew: 6 * 60_000, reason: 'timestamp_too_old' },
    {
      what: 'a tampered body (another record id)',
      change: 6,
      mode: 'rewritten',
      skew: 1_000,
      reason: 'no_matching_signature',
    },
  ] as const;

  for (const refusal of refusals) {
    it(`are refused with 401 on every attempt for ${refusal.what}, and queue nothing`, async () => {
      const mark = h.argilla.deliveries.length;
      const seen = handled.length;
      mode = refusal.mode;
      skew = refusal.skew;
      const target = h.argilla.store.record(record(refusal.change));
      const response = target.responses.find((r) => r.status === 'submitted');
      const username = [...h.argilla.store.users.values()].find((u) => u.id === response?.user_id)?.username;
      const changed = h.argilla.submitResponse({
        recordId: target.id,
        ...(username ? { username } : {}),
        spans: [{ label: 'PORT', start: 0, end: 3 }],
      });
      try {
        await h.argilla.webhooksIdle();
      } finally {
        mode = 'as-sent';
        skew = 1_000;
      }
      const attempts = [1, 2, 3, 4];
      expect(deliveredSince(mark)).toEqual([
        ...attempts.map((a) => ['record.completed', a, 401]),
        ...attempts.map((a) => ['response.updated', a, 401]),
      ]);
      expect(new Set(h.argilla.deliveries.slice(mark).map((d) => d.messageId)).size).toBe(8);
      expect(handled.slice(seen).map((x) => x.outcome)).toEqual(Array(8).fill(`rejected: ${refusal.reason}`));
      expect(queued).toEqual([]);
      expect(await eventRows(changed.id)).toEqual([]);
    });
  }
});
