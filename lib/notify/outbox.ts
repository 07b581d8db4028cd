// The notifications_outbox table: messages queued in their producer's transaction and delivered after it
// commits, one channel at a time. It knows nothing of what a message says or how its channel sends it.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';
import { CountRow, jsonText } from '../warehouse/rows.ts';

/** A pending message as a delivery reads it (the payload as JSON text). */
export const DueNotificationRow = z.object({
  id: z.string(),
  payload: jsonText(z.unknown()),
  attempts: z.coerce.number(),
});
export type DueNotificationRow = z.infer<typeof DueNotificationRow>;

export interface OutboxMessage {
  readonly id: string;
  /** What was queued, as JSON gave it back. */
  readonly payload: unknown;
  /** Delivery attempts so far. */
  readonly attempts: number;
}

/** Queues a message once: another with the same dedupe key (the same logical event) is dropped. */
export async function enqueueNotification(
  db: WarehouseSession,
  m: {
    readonly channel: string;
    readonly id: string;
    readonly dedupeKey: string;
    readonly payload: unknown;
    /** The run (a discovery run, a sync) that queued it, for tracing. */
    readonly runId: string | null;
    readonly now: Date;
  },
): Promise<void> {
  await db.execute(
    `INSERT INTO notifications_outbox (id, channel, dedupe_key, payload, status, attempts, run_id, created_at)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR::JSON, 'pending', 0, $5::VARCHAR, $6::TIMESTAMPTZ)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [m.id, m.channel, m.dedupeKey, JSON.stringify(m.payload), m.runId, m.now],
  );
}

/**
 * The channel's pending messages due at `now` (never tried, or past their next attempt), oldest first.
 * It takes no lock: whoever flushes a channel keeps its flushes apart (one at a time).
 */
export async function dueNotifications(db: WarehouseSession, channel: string, now: Date): Promise<OutboxMessage[]> {
  const rows = await db.query(
    `SELECT id, payload::VARCHAR AS payload, attempts FROM notifications_outbox
     WHERE channel = $1::VARCHAR AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $2::TIMESTAMPTZ)
     ORDER BY created_at, id`,
    [channel, now],
  );
  return rows.map((r) => {
    const row = DueNotificationRow.parse(r);
    return { id: row.id, payload: row.payload, attempts: row.attempts };
  });
}

/** The channel's pending messages, due or not. */
export async function countPending(db: WarehouseSession, channel: string): Promise<number> {
  const [row] = await db.query(
    `SELECT count(*)::INTEGER AS n FROM notifications_outbox WHERE channel = $1::VARCHAR AND status = 'pending'`,
    [channel],
  );
  return row ? CountRow.parse(row).n : 0;
}

export async function markSent(
  db: WarehouseSession,
  id: string,
  m: { readonly attempts: number; readonly now: Date },
): Promise<void> {
  await db.execute(
    `UPDATE notifications_outbox SET status = 'sent', attempts = $2::INTEGER, sent_at = $3::TIMESTAMPTZ, last_error = NULL
     WHERE id = $1::VARCHAR`,
    [id, m.attempts, m.now],
  );
}

interface Unsent {
  readonly attempts: number;
  readonly error: string;
  /** When the channel may be tried again (a rate limit's Retry-After), or null for the next flush. */
  readonly nextAttemptAt: Date | null;
}

/** Keeps the message pending for a later flush. */
export async function markRetrying(db: WarehouseSession, id: string, m: Unsent): Promise<void> {
  await markUnsent(db, id, 'pending', m);
}

/** Gives the message up: no flush sends it again. */
export async function markFailed(db: WarehouseSession, id: string, m: Unsent): Promise<void> {
  await markUnsent(db, id, 'failed', m);
}

async function markUnsent(db: WarehouseSession, id: string, status: 'pending' | 'failed', m: Unsent): Promise<void> {
  await db.execute(
    `UPDATE notifications_outbox SET status = $2::VARCHAR, attempts = $3::INTEGER, last_error = $4::VARCHAR,
       next_attempt_at = $5::TIMESTAMPTZ WHERE id = $1::VARCHAR`,
    [id, status, m.attempts, m.error, m.nextAttemptAt],
  );
}
