// Slack messages through the notifications outbox (the outbox and the webhook sender wired together): a
// message is queued in its producer's transaction and sent after it commits; what Slack does not take now
// stays queued for the next flush, what it refuses for good is marked failed.
import type { Logger } from '../log.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { countPending, dueNotifications, enqueueNotification, markFailed, markRetrying, markSent } from './outbox.ts';
import { postToSlack } from './slack.ts';
import type { SlackMessage } from './slack-message.ts';

/** The outbox channel of discovery digests; other producers that flush on their own take another (reports). */
export const SLACK_CHANNEL = 'slack';

/** Attempts after which a message Slack keeps failing with 5xx or network errors is given up (a day of hourly runs). */
export const MAX_SLACK_ATTEMPTS = 24;

/** Queues a Slack message once per dedupe key; flushOutbox sends it after the producer commits. */
export async function enqueueMessage(
  db: WarehouseSession,
  m: {
    readonly id: string;
    readonly dedupeKey: string;
    readonly payload: SlackMessage;
    readonly runId: string;
    readonly now: Date;
    /** The outbox channel (default SLACK_CHANNEL): each channel is flushed by its own producer. */
    readonly channel?: string;
  },
): Promise<void> {
  await enqueueNotification(db, { ...m, channel: m.channel ?? SLACK_CHANNEL });
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
    /** The outbox channel to send (default SLACK_CHANNEL). */
    readonly channel?: string;
  },
): Promise<FlushResult> {
  const now = options.now();
  const channel = options.channel ?? SLACK_CHANNEL;
  const due = await dueNotifications(db, channel, now);
  const pending = await countPending(db, channel);
  if (!options.webhookUrl) {
    if (due.length > 0)
      options.log.warn('slack: SLACK_WEBHOOK_URL is not set; messages wait in the outbox', { pending });
    return { sent: 0, retrying: 0, failed: 0, waiting: pending };
  }
  let sent = 0;
  let retrying = 0;
  let failed = 0;
  for (const message of due) {
    const attempts = message.attempts + 1;
    const result = await postToSlack(options.fetcher, options.webhookUrl, message.payload, options.now());
    if (result.outcome === 'sent') {
      sent++;
      await markSent(db, message.id, { attempts, now: options.now() });
      continue;
    }
    const giveUp = result.outcome === 'failed' || attempts >= MAX_SLACK_ATTEMPTS;
    const error =
      result.outcome === 'retry' && giveUp ? `${result.error} (gave up after ${attempts} attempts)` : result.error;
    const unsent = { attempts, error, nextAttemptAt: result.outcome === 'retry' ? result.after : null };
    if (giveUp) {
      await markFailed(db, message.id, unsent);
      failed++;
      options.log.error('slack: message refused, marked failed', { id: message.id, attempts, error });
    } else {
      await markRetrying(db, message.id, unsent);
      retrying++;
      options.log.warn('slack: delivery failed, kept for the next run', { id: message.id, attempts, error });
    }
    if (result.outcome === 'retry' && result.error.startsWith('429')) break;
  }
  return { sent, retrying, failed, waiting: pending - sent - retrying - failed };
}
