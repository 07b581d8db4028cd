// The main Worker's queues: which consumer a batch belongs to, and the argilla-sync consumer, which
// validates each message and hands the sync it asks for to an injected `sync` (syncArgilla in production).
import { z } from 'zod';
import { retryDelaySeconds } from '../core/backoff.ts';
import { errorMessage, isAppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  type ArgillaSyncMessage,
  type ArgillaSyncRequest,
  ArgillaSyncMessage as Message,
  syncRequestOf,
} from './messages.ts';

/** The queue the webhook receiver, the API and the cron send sync requests to (wrangler.toml). */
export const ARGILLA_SYNC_QUEUE = 'argilla-sync';

/** Which consumer of the main Worker handles a batch from `queue`; every other queue it consumes is ingest. */
export function consumerFor(queue: string): 'argilla-sync' | 'ingest' {
  return queue === ARGILLA_SYNC_QUEUE ? 'argilla-sync' : 'ingest';
}

/** Deliveries before a failing sync is dead-lettered (below wrangler.toml's max_retries, the backstop). */
export const SYNC_MAX_ATTEMPTS = 5;

export interface SyncQueueMessage {
  readonly id: string;
  readonly attempts: number;
  readonly body: unknown;
}

export interface SyncDeadLetter {
  readonly reason: 'invalid_message' | 'failed';
  readonly error: string;
  readonly body: unknown;
  readonly attempts: number;
  readonly failedAt: string;
}

export interface SyncQueueDeps {
  readonly sync: (request: ArgillaSyncRequest) => Promise<unknown>;
  readonly deadLetter: (letter: SyncDeadLetter) => Promise<void>;
  readonly clock: () => Date;
  readonly log: Logger;
}

export type SyncVerdict =
  | { readonly id: string; readonly action: 'ack' }
  | { readonly id: string; readonly action: 'retry'; readonly delaySeconds: number };

/**
 * Runs the syncs a batch asks for, one per distinct request (a response's webhook and its record's
 * `record.completed` ask for the same one), and says what to do with each message. A message that is
 * not an ArgillaSyncMessage is dead-lettered at once; a failed sync is retried with backoff when its
 * error may pass (not an AppError marked permanent) and dead-lettered after SYNC_MAX_ATTEMPTS.
 */
export async function handleArgillaSyncBatch(
  messages: readonly SyncQueueMessage[],
  deps: SyncQueueDeps,
): Promise<SyncVerdict[]> {
  const verdicts: SyncVerdict[] = [];
  const groups = new Map<string, { request: ArgillaSyncRequest; messages: SyncQueueMessage[] }>();
  for (const m of messages) {
    const parsed = Message.safeParse(m.body);
    if (!parsed.success) {
      const error = z.prettifyError(parsed.error);
      deps.log.error('argilla-sync: dead-lettering a message that is not a sync request', { messageId: m.id, error });
      await deps.deadLetter(letter('invalid_message', error, m, deps));
      verdicts.push({ id: m.id, action: 'ack' });
      continue;
    }
    const request = syncRequestOf(parsed.data);
    const key = requestKey(parsed.data);
    const group = groups.get(key) ?? { request, messages: [] };
    group.messages.push(m);
    groups.set(key, group);
  }
  for (const { request, messages: group } of groups.values()) {
    const attempts = Math.max(...group.map((m) => m.attempts));
    try {
      await deps.sync(request);
      for (const m of group) verdicts.push({ id: m.id, action: 'ack' });
    } catch (error) {
      const message = errorMessage(error);
      const permanent = isAppError(error) && !error.retryable;
      if (!permanent && attempts < SYNC_MAX_ATTEMPTS) {
        deps.log.warn('argilla-sync: sync failed, retrying', { request, attempts, error: message });
        for (const m of group) verdicts.push({ id: m.id, action: 'retry', delaySeconds: retryDelaySeconds(attempts) });
        continue;
      }
      deps.log.error('argilla-sync: sync failed, dead-lettering', { request, attempts, permanent, error: message });
      for (const m of group) {
        await deps.deadLetter(letter('failed', message, m, deps));
        verdicts.push({ id: m.id, action: 'ack' });
      }
    }
  }
  return verdicts;
}

function requestKey(m: ArgillaSyncMessage): string {
  const sorted = (xs: readonly string[] | undefined) => (xs ? [...xs].sort() : null);
  return JSON.stringify([m.trigger, sorted(m.datasets), sorted(m.recordIds), m.full ?? false]);
}

function letter(
  reason: SyncDeadLetter['reason'],
  error: string,
  m: SyncQueueMessage,
  deps: SyncQueueDeps,
): SyncDeadLetter {
  return { reason, error, body: m.body, attempts: m.attempts, failedAt: deps.clock().toISOString() };
}
