// Webhook delivery as Argilla's `high` queue worker does it (reference 6.3): one POST per subscribed
// webhook, Standard Webhooks headers, bounded retries, and a NEW webhook-id and timestamp on every attempt.
import { createHmac, randomBytes } from 'node:crypto';
import { pythonJsonDumps } from './format.ts';
import { envelope, recordEventJson, responseEventJson, SERVER_VERSION } from './shapes.ts';
import type { Store, StoreEvent, Webhook } from './store.ts';

export interface WebhookOptions {
  /** Waits before each retry; Argilla's are 10 s, 60 s and 180 s (3 retries, 4 attempts). */
  readonly retryDelaysMs?: readonly number[];
  /** Per attempt; Argilla's httpx timeout is 20 s. */
  readonly timeoutMs?: number;
  /** Wall clock for `webhook-timestamp` (attempt time, unix seconds), separate from the data clock. */
  readonly now?: () => number;
}

export interface Delivery {
  readonly webhookId: string;
  readonly url: string;
  readonly type: string;
  readonly attempt: number;
  readonly messageId: string;
  readonly timestamp: number;
  readonly body: string;
  /** The receiver's status, or null when it could not be reached in time. */
  readonly status: number | null;
  readonly error: string | null;
  readonly ok: boolean;
}

/** `v1,<base64 HMAC-SHA256(base64decode(secret), "id.timestamp.body")>`; an optional `whsec_` is stripped. */
export function signWebhook(secret: string, messageId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** `msg_` + `secrets.token_urlsafe(16)`. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

export class WebhookDispatcher {
  readonly deliveries: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private readonly retryDelays: readonly number[];
  private readonly timeoutMs: number;
  private readonly wallClock: () => number;

  private readonly store: Store;

  constructor(store: Store, options: WebhookOptions = {}) {
    this.store = store;
    this.retryDelays = options.retryDelaysMs ?? [10_000, 60_000, 180_000];
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.wallClock = options.now ?? Date.now;
    store.onEvent((event) => this.handle(event));
  }

  private handle(event: StoreEvent): void {
    const subscribed = this.store.webhooks.filter((w) => w.enabled && w.events.includes(event.type));
    if (subscribed.length === 0) return;
    // Serialised now: the data is the state at event time, whatever happens before delivery.
    const data =
      'response' in event
        ? responseEventJson(this.store, event.response, event.record)
        : recordEventJson(this.store, event.record);
    const body = pythonJsonDumps(envelope(event.type, event.at, data));
    for (const webhook of subscribed) this.track(this.deliver(webhook, event.type, body));
  }

  /** `POST /webhooks/{id}/ping`: one synchronous attempt, never retried. */
  async ping(webhook: Webhook, at: number): Promise<Delivery> {
    const body = pythonJsonDumps(envelope('ping', at, { agent: 'argilla-server', version: SERVER_VERSION }));
    return this.attempt(webhook, 'ping', body, 1);
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async deliver(webhook: Webhook, type: string, body: string): Promise<void> {
    for (let attempt = 1; attempt <= this.retryDelays.length + 1 && !this.closed; attempt++) {
      if (attempt > 1) await this.sleep(this.retryDelays[attempt - 2] as number);
      if (this.closed) return;
      const delivery = await this.attempt(webhook, type, body, attempt);
      if (delivery.ok) return;
    }
  }

  private async attempt(webhook: Webhook, type: string, body: string, attempt: number): Promise<Delivery> {
    const messageId = newMessageId();
    const timestamp = Math.floor(this.wallClock() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(webhook.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'webhook-id': messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(webhook.secret, messageId, timestamp, body),
          'content-type': 'application/json',
        },
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const delivery: Delivery = {
      webhookId: webhook.id,
      url: webhook.url,
      type,
      attempt,
      messageId,
      timestamp,
      body,
      status,
      error,
      ok: error === null,
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  /** Resolves once every delivery started so far (with its retries) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.closed = true;
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
  }
}
