// Slack messages through the notifications outbox: a message is queued in its producer's transaction and
// sent after it commits; what Slack does not take now stays queued for the next flush, what it refuses for
// good is marked failed.
import type { Logger } from '../log.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { postToSlack } from './slack.ts';
import type { SlackMessage } from './slack-message.ts';

export const SLACK_CHANNEL = 'slack';

/** Attempts after which a message Slack keeps failing with 5xx or network errors is given up (a day of hourly runs). */
export const MAX_SLACK_ATTEMPTS = 24;

export async function enqueueMessage(
  db: WarehouseSession,
  m: {
    readonly id: string;
    readonly dedupeKey: string;
    readonly payload: SlackMessage;
    readonly runId: string;
    readonly now: Date;
  },
): Promise<void> {
  await db.execute(
    `INSERT INTO notifications_outbox (id, channel, dedupe_key, payload, status, attempts, run_id, created_at)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR::JSON, 'pending', 0, $5::VARCHAR, $6::TIMESTAMPTZ)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [m.id, SLACK_CHANNEL, m.dedupeKey, JSON.stringify(m.payload), m.runId, m.now],
  );
}

export interface FlushResult {
  readonly sent: number;
  readonly retrying: number;
  readonly failed: number;
  /** Messages not due yet (a 429's Retry-After) or waiting because no webhook is configured. */
  readonly waiting: number;
}

/**
 * Sends every due message of the outbox, oldest first. Each message's outcome is recorded right after
 * its attempt, so a crash can at worst send the one message in flight twice, never lose one. After a 429
 * the rest wait too: Slack asked us to slow down.
 */
export async function flushOutbox(
  db: WarehouseSession,
  options: {
    readonly webhookUrl: string | undefined;
    readonly fetcher: typeof fetch;
    readonly now: () => Date;
    readonly log: Logger;
  },
): Promise<FlushResult> {
  const now = options.now();
  const due = await db.query<{ id: string; payload: string; attempts: number }>(
    `SELECT id, payload::VARCHAR AS payload, attempts FROM notifications_outbox
     WHERE channel = $1::VARCHAR AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $2::TIMESTAMPTZ)
     ORDER BY created_at, id`,
    [SLACK_CHANNEL, now],
  );
  const [{ n: pending } = { n: 0 }] = await db.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM notifications_outbox WHERE channel = $1::VARCHAR AND status = 'pending'`,
    [SLACK_CHANNEL],
  );
  if (!options.webhookUrl) {
    if (due.length > 0)
      options.log.warn('slack: SLACK_WEBHOOK_URL is not set; messages wait in the outbox', { pending });
    return { sent: 0, retrying: 0, failed: 0, waiting: pending };
  }
  let sent = 0;
  let retrying = 0;
  let failed = 0;
  for (const message of due) {
    const attempts = Number(message.attempts) + 1;
    const result = await postToSlack(options.fetcher, options.webhookUrl, JSON.parse(message.payload), options.now());
    if (result.outcome === 'sent') {
      sent++;
      await db.execute(
        `UPDATE notifications_outbox SET status = 'sent', attempts = $2::INTEGER, sent_at = $3::TIMESTAMPTZ, last_error = NULL
         WHERE id = $1::VARCHAR`,
        [message.id, attempts, options.now()],
      );
      continue;
    }
    const giveUp = result.outcome === 'failed' || attempts >= MAX_SLACK_ATTEMPTS;
    const error =
      result.outcome === 'retry' && giveUp ? `${result.error} (gave up after ${attempts} attempts)` : result.error;
    await db.execute(
      `UPDATE notifications_outbox SET status = $2::VARCHAR, attempts = $3::INTEGER, last_error = $4::VARCHAR,
         next_attempt_at = $5::TIMESTAMPTZ WHERE id = $1::VARCHAR`,
      [message.id, giveUp ? 'failed' : 'pending', attempts, error, result.outcome === 'retry' ? result.after : null],
    );
    if (giveUp) {
      failed++;
      options.log.error('slack: message refused, marked failed', { id: message.id, attempts, error });
    } else {
      retrying++;
      options.log.warn('slack: delivery failed, kept for the next run', { id: message.id, attempts, error });
    }
    if (result.outcome === 'retry' && result.error.startsWith('429')) break;
  }
  return { sent, retrying, failed, waiting: pending - sent - retrying - failed };
}
