// The Argilla webhook receiver: verify the signature over the raw bytes, parse the envelope, remember the
// event once, and queue a targeted sync of the record it names. The sync itself runs on the queue, never
// in the request (Argilla gives up on a delivery after 20 s).
import type { Logger } from '../log.ts';
import type { Warehouse } from '../warehouse/port.ts';
import type { ArgillaSyncMessage } from './messages.ts';
import { type ParsedWebhook, parseWebhook, type WebhookEvent } from './webhook-event.ts';
import { type HeaderLookup, type SignatureFailure, verifyWebhookSignature } from './webhook-signature.ts';

export interface WebhookDeps {
  readonly secret: string;
  readonly warehouse: Warehouse;
  readonly clock: () => Date;
  readonly log: Logger;
  /** Puts a message on the argilla-sync queue. */
  readonly enqueue: (message: ArgillaSyncMessage) => Promise<void>;
}

export interface WebhookDelivery {
  readonly headers: HeaderLookup;
  readonly body: Uint8Array;
}

export type WebhookOutcome =
  | { readonly kind: 'rejected'; readonly reason: SignatureFailure; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'ignored'; readonly type: string }
  | { readonly kind: 'duplicate'; readonly event: WebhookEvent }
  | { readonly kind: 'queued'; readonly event: WebhookEvent; readonly message: ArgillaSyncMessage };

/** The targeted sync a handled event asks for. */
export function syncMessageFor(event: WebhookEvent): ArgillaSyncMessage {
  return { kind: 'argilla-sync', trigger: 'webhook', datasets: [event.datasetId], recordIds: [event.recordId] };
}

/**
 * Records the event unless it is already known, in one statement; true when this delivery is its first.
 * The row and the queued message commit together: a failed send rolls the row back, so Argilla's retry
 * is not mistaken for a duplicate.
 */
async function rememberAndQueue(deps: WebhookDeps, event: WebhookEvent, webhookId: string): Promise<boolean> {
  return deps.warehouse.transaction(async (tx) => {
    // NOTE: a `$n::TIMESTAMPTZ` string goes through postgres.js's Date serializer, which cuts microseconds;
    // Argilla's updated_at has them, and two edits a millisecond apart are two keys. Sent as text, cast here.
    const inserted = await tx.execute(
      `INSERT INTO argilla_webhook_events
         (event_type, object_id, updated_at, record_id, dataset_id, webhook_id, event_time, received_at)
       VALUES ($1::VARCHAR, $2::VARCHAR, CAST($3::VARCHAR AS TIMESTAMPTZ), $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::TIMESTAMPTZ,
               $8::TIMESTAMPTZ)
       ON CONFLICT (event_type, object_id, updated_at) DO NOTHING`,
      [
        event.type,
        event.objectId,
        event.updatedAt,
        event.recordId,
        event.datasetId,
        webhookId,
        event.eventTime,
        deps.clock(),
      ],
    );
    if (inserted === 0) return false;
    await deps.enqueue(syncMessageFor(event));
    return true;
  });
}

/**
 * Handles one delivery. Expected outcomes (a bad signature, an event type we ignore, a replay) are
 * returned; a warehouse or queue failure throws, so the caller answers 5xx and Argilla retries.
 */
export async function receiveArgillaWebhook(deps: WebhookDeps, delivery: WebhookDelivery): Promise<WebhookOutcome> {
  const verified = await verifyWebhookSignature({
    secret: deps.secret,
    headers: delivery.headers,
    body: delivery.body,
    now: deps.clock(),
  });
  if (!verified.ok) {
    deps.log.warn('argilla webhook: refused', { reason: verified.reason });
    return { kind: 'rejected', reason: verified.reason, message: verified.message };
  }
  const parsed: ParsedWebhook = parseWebhook(delivery.body);
  if (parsed.kind === 'invalid') {
    deps.log.warn('argilla webhook: signed but not understood', { webhookId: verified.id, error: parsed.message });
    return parsed;
  }
  if (parsed.kind === 'ignored') return parsed;
  const { event } = parsed;
  const first = await rememberAndQueue(deps, event, verified.id);
  const fields = { webhookId: verified.id, type: event.type, objectId: event.objectId, updatedAt: event.updatedAt };
  if (!first) {
    deps.log.info('argilla webhook: duplicate delivery', fields);
    return { kind: 'duplicate', event };
  }
  deps.log.info('argilla webhook: queued a sync', { ...fields, recordId: event.recordId, datasetId: event.datasetId });
  return { kind: 'queued', event, message: syncMessageFor(event) };
}
