// Delivering the notifications outbox to a Slack-shaped webhook (the fixtures server's fake, which answers
// like hooks.slack.com): what happens to a message on 429, 5xx, a network error, and Slack's final refusals.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { countPending, dueNotifications, enqueueNotification, markSent } from '../../lib/notify/outbox.ts';
import { enqueueMessage, flushOutbox, MAX_SLACK_ATTEMPTS } from '../../lib/notify/slack-outbox.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

let warehouse: Warehouse;

beforeAll(async () => {
  ({ warehouse } = await migratedDatabase('slack_outbox'));
});
afterAll(async () => {
  await warehouse.close();
});

function channel() {
  const name = `outbox-${crypto.randomUUID().slice(0, 8)}`;
  const url = (action: string) => `${inject('fixturesUrl')}slack/${name}/${action}`;
  return {
    webhook: url('webhook'),
    script: (answers: { status: number; body: string; retryAfter?: string }[]) =>
      fetch(url('script'), { method: 'POST', body: JSON.stringify(answers) }),
    accepted: async () => ((await (await fetch(url('messages'))).json()) as { accepted: unknown[] }).accepted,
  };
}

async function queue(text: string, now: Date): Promise<string> {
  const id = crypto.randomUUID();
  await enqueueMessage(warehouse, { id, dedupeKey: `test:${id}`, payload: { text, blocks: [] }, runId: 'run', now });
  return id;
}

const row = async (id: string) =>
  (
    await warehouse.query<{
      status: string;
      attempts: number;
      last_error: string | null;
      next_attempt_at: Date | null;
    }>('SELECT status, attempts, last_error, next_attempt_at FROM notifications_outbox WHERE id = $1::VARCHAR', [id])
  )[0];

const flush = (webhookUrl: string | undefined, now: Date) =>
  flushOutbox(warehouse, { webhookUrl, fetcher: fetch, now: () => now, log: silentLogger });

async function clear() {
  await warehouse.execute(`UPDATE notifications_outbox SET status = 'sent' WHERE status = 'pending'`);
}

describe('the Slack outbox', () => {
  it('honours 429 Retry-After: the message waits until then, and the rest wait with it', async () => {
    await clear();
    const slack = channel();
    const t0 = new Date('2026-11-21T10:00:00Z');
    const first = await queue('one', t0);
    const second = await queue('two', new Date(t0.getTime() + 1));
    await slack.script([{ status: 429, body: 'rate_limited', retryAfter: '120' }]);
    expect(await flush(slack.webhook, t0)).toEqual({ sent: 0, retrying: 1, failed: 0, waiting: 1 });
    expect(await row(first)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: '429 rate limited: rate_limited (retry after 120 s)',
      next_attempt_at: new Date(t0.getTime() + 120_000),
    });
    // A minute later the first is not due yet; the second goes.
    expect(await flush(slack.webhook, new Date(t0.getTime() + 60_000))).toMatchObject({ sent: 1 });
    expect(await row(second)).toMatchObject({ status: 'sent' });
    expect(await flush(slack.webhook, new Date(t0.getTime() + 121_000))).toMatchObject({ sent: 1 });
    expect(await row(first)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(await slack.accepted()).toEqual([
      { text: 'two', blocks: [] },
      { text: 'one', blocks: [] },
    ]);
  });

  it('keeps a message through 5xx and network errors, and gives up only after many attempts', async () => {
    await clear();
    const slack = channel();
    const now = new Date('2026-11-21T11:00:00Z');
    const id = await queue('flaky', now);
    await slack.script([{ status: 503, body: 'service_unavailable' }]);
    await flush(slack.webhook, now);
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, last_error: '503 service_unavailable' });
    await flush('http://127.0.0.1:1/slack/webhook', now);
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 2 });
    expect((await row(id))?.last_error).toMatch(/^network error: /);
    await warehouse.execute('UPDATE notifications_outbox SET attempts = $2::INTEGER WHERE id = $1::VARCHAR', [
      id,
      MAX_SLACK_ATTEMPTS - 1,
    ]);
    await slack.script([{ status: 500, body: 'rollup_error' }]);
    expect(await flush(slack.webhook, now)).toMatchObject({ failed: 1 });
    expect(await row(id)).toMatchObject({
      status: 'failed',
      last_error: `500 rollup_error (gave up after ${MAX_SLACK_ATTEMPTS} attempts)`,
    });
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('marks a message failed on %i with Slack’s error text, and never sends it again', async (status, body) => {
    await clear();
    const slack = channel();
    const now = new Date('2026-11-21T12:00:00Z');
    const id = await queue(`refused ${status}`, now);
    await slack.script([{ status, body }]);
    expect(await flush(slack.webhook, now)).toEqual({ sent: 0, retrying: 0, failed: 1, waiting: 0 });
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: `${status} ${body}` });
    expect(await flush(slack.webhook, now)).toEqual({ sent: 0, retrying: 0, failed: 0, waiting: 0 });
    expect(await slack.accepted()).toEqual([]);
  });

  it('queues a run’s digest once, however often it is enqueued, and waits without a webhook', async () => {
    await clear();
    const now = new Date('2026-11-21T13:00:00Z');
    for (let i = 0; i < 3; i++) {
      await enqueueMessage(warehouse, {
        id: crypto.randomUUID(),
        dedupeKey: 'discovery-run:same',
        payload: { text: 'x', blocks: [] },
        runId: 'same',
        now,
      });
    }
    const [{ n } = { n: 0 }] = await warehouse.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM notifications_outbox WHERE dedupe_key = 'discovery-run:same'`,
    );
    expect(n).toBe(1);
    expect(await flush(undefined, now)).toEqual({ sent: 0, retrying: 0, failed: 0, waiting: 1 });
  });

  it('keeps each channel to itself: a Slack flush neither sends nor counts another channel’s messages', async () => {
    await clear();
    const slack = channel();
    const now = new Date('2026-11-21T14:00:00Z');
    const id = crypto.randomUUID();
    const payload = { report: 'vessels by flag', rows: 3 };
    await enqueueNotification(warehouse, {
      channel: 'reports',
      id,
      dedupeKey: `test:${id}`,
      payload,
      runId: null,
      now,
    });
    expect(await flush(slack.webhook, now)).toEqual({ sent: 0, retrying: 0, failed: 0, waiting: 0 });
    expect(await slack.accepted()).toEqual([]);
    expect(await dueNotifications(warehouse, 'reports', now)).toEqual([{ id, payload, attempts: 0 }]);
    await markSent(warehouse, id, { attempts: 1, now });
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    expect(await countPending(warehouse, 'reports')).toBe(0);
  });
});
