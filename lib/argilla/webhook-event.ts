// The envelope Argilla posts to a webhook (argilla-2x-api.md, section 6.3) and the parts of its `data`
// this project acts on. Everything else in `data` (the whole dataset, fields, the user) passes unread.
import { z } from 'zod';

/** The events the receiver acts on; any other type is acknowledged and ignored. */
export const HANDLED_EVENTS = ['response.created', 'response.updated', 'response.deleted', 'record.completed'] as const;
export type HandledEvent = (typeof HANDLED_EVENTS)[number];

/** Argilla's timestamps inside `data` are naive UTC (`2024-09-26T14:13:22.206179`); one with a zone passes too. */
const ArgillaTimestamp = z.iso.datetime({ local: true, offset: true });

const DatasetRef = z.looseObject({ id: z.string().min(1), name: z.string().optional() });

/** `data` of `response.*` (ResponseEventSchema): no top-level record_id, the record is nested. */
export const ResponseEventData = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  record: z.looseObject({ id: z.string().min(1), dataset: DatasetRef }),
  updated_at: ArgillaTimestamp,
});

/** `data` of `record.*` (RecordEventSchema): the record without its responses. */
export const RecordEventData = z.looseObject({
  id: z.string().min(1),
  dataset: DatasetRef,
  updated_at: ArgillaTimestamp,
});

export const WebhookEnvelope = z.looseObject({
  type: z.string().min(1),
  version: z.number().int().optional(),
  /** The event's time (`%Y-%m-%dT%H:%M:%S.%fZ`); it stays the same across retries. */
  timestamp: z.iso.datetime({ offset: true }).optional(),
  data: z.unknown(),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;

/** One handled event, reduced to what deduplication and the targeted sync need. */
export interface WebhookEvent {
  readonly type: HandledEvent;
  /** The response's id for `response.*`, the record's for `record.completed`. */
  readonly objectId: string;
  /** That object's `updated_at`, as UTC with its microseconds (`…206179Z`). */
  readonly updatedAt: string;
  readonly recordId: string;
  readonly datasetId: string;
  readonly eventTime: string | null;
}

export type ParsedWebhook =
  | { readonly kind: 'event'; readonly event: WebhookEvent }
  | { readonly kind: 'ignored'; readonly type: string }
  | { readonly kind: 'invalid'; readonly message: string };

const isHandled = (type: string): type is HandledEvent => (HANDLED_EVENTS as readonly string[]).includes(type);

/** A naive Argilla timestamp read as UTC; one with a zone is kept as it is. */
function asUtc(timestamp: string): string {
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(timestamp) ? timestamp : `${timestamp}Z`;
}

/** Parses a verified body: a handled event, an event type to ignore, or why it does not parse. */
export function parseWebhook(body: Uint8Array): ParsedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return { kind: 'invalid', message: 'the body is not UTF-8 JSON' };
  }
  const envelope = WebhookEnvelope.safeParse(json);
  if (!envelope.success) return { kind: 'invalid', message: `envelope: ${z.prettifyError(envelope.error)}` };
  const { type, timestamp } = envelope.data;
  if (!isHandled(type)) return { kind: 'ignored', type };
  const eventTime = timestamp ?? null;
  if (type === 'record.completed') {
    const data = RecordEventData.safeParse(envelope.data.data);
    if (!data.success) return { kind: 'invalid', message: `${type} data: ${z.prettifyError(data.error)}` };
    const { id, dataset, updated_at } = data.data;
    return {
      kind: 'event',
      event: { type, objectId: id, updatedAt: asUtc(updated_at), recordId: id, datasetId: dataset.id, eventTime },
    };
  }
  const data = ResponseEventData.safeParse(envelope.data.data);
  if (!data.success) return { kind: 'invalid', message: `${type} data: ${z.prettifyError(data.error)}` };
  const { id, record, updated_at } = data.data;
  return {
    kind: 'event',
    event: {
      type,
      objectId: id,
      updatedAt: asUtc(updated_at),
      recordId: record.id,
      datasetId: record.dataset.id,
      eventTime,
    },
  };
}
