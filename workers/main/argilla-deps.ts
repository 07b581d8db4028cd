// Bindings and secrets of the Argilla webhook receiver and the argilla-sync queue consumer.
import type { SyncQueueDeps } from '../../lib/argilla/queue.ts';
import type { WebhookDeps } from '../../lib/argilla/webhook.ts';
import { AppError } from '../../lib/errors.ts';
import type { Deps } from '../deps.ts';

/** What the webhook route needs; a Worker without ARGILLA_WEBHOOK_SECRET answers 500 saying so. */
export function createWebhookDeps(env: Env, base: Deps): WebhookDeps {
  const secret = env.ARGILLA_WEBHOOK_SECRET;
  if (!secret) {
    throw new AppError(
      'internal',
      'ARGILLA_WEBHOOK_SECRET is not set: register the webhook with `npm run argilla -- webhook register <public-url>`',
    );
  }
  return {
    secret,
    warehouse: base.warehouse,
    clock: base.clock,
    log: base.log,
    enqueue: async (message) => {
      await env.ARGILLA_QUEUE.send(message);
    },
  };
}

/** What the argilla-sync consumer needs. */
export function createSyncQueueDeps(env: Env, base: Deps): SyncQueueDeps {
  return {
    // LEAD: replace this line with `sync: (request) => syncArgilla(createArgillaSyncDeps(env, base), request),`
    sync: async (request) => base.log.info('argilla-sync: syncArgilla is not wired yet; acking', { request }),
    deadLetter: async (letter) => {
      await env.ARGILLA_DLQ.send(letter);
    },
    clock: base.clock,
    log: base.log,
  };
}
