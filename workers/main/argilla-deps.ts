// Bindings of the Argilla sync (its client, the vessel-annotations bucket and how a written file is announced),
// of the webhook receiver and of the argilla-sync queue consumer.
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { parseArgillaDatasets } from '../../lib/argilla/config.ts';
import type { SyncQueueDeps } from '../../lib/argilla/queue.ts';
import { type ArgillaSyncDeps, syncArgilla } from '../../lib/argilla/sync.ts';
import type { WebhookDeps } from '../../lib/argilla/webhook.ts';
import { AppError } from '../../lib/errors.ts';
import { initParquetWasm } from '../../lib/parquet/decode.ts';
import { type Deps, isLocalDev } from '../deps.ts';

const BUCKET = 'vessel-annotations';

/** Whether the sync is configured: without ARGILLA_URL it is off (the cron logs it and skips). */
export function argillaConfigured(env: Env): boolean {
  return (env.ARGILLA_URL ?? '').trim() !== '';
}

/** Dependencies of the Argilla sync; bad_request when ARGILLA_URL, the key or ARGILLA_DATASETS is missing or bad. */
export function createArgillaSyncDeps(env: Env, base: Deps): ArgillaSyncDeps {
  if (!argillaConfigured(env)) throw new AppError('bad_request', 'the Argilla sync is off: ARGILLA_URL is not set');
  const apiKey = env.ARGILLA_API_KEY;
  if (!apiKey) throw new AppError('bad_request', 'the Argilla sync needs the ARGILLA_API_KEY secret');
  initParquetWasm(parquetWasm);
  const bucket = env.ANNOTATIONS_BUCKET;
  return {
    argilla: createArgillaClient({
      baseUrl: env.ARGILLA_URL,
      apiKey,
      fetch: (...a) => fetch(...a),
      log: base.log,
      now: base.now,
    }),
    warehouse: base.warehouse,
    bucket: {
      put: async (key, body, customMetadata) => bucket.put(key, body, customMetadata ? { customMetadata } : {}),
    },
    bucketName: BUCKET,
    // NOTE: in production R2's event notification on vessel-annotations enqueues the file; sending one here
    // too would deliver it twice. Locally (LOCAL_DEV) miniflare emits none, so the sync sends it.
    notify: isLocalDev(env)
      ? async (event) => {
          await env.INGEST_QUEUE.send(event);
        }
      : async () => {},
    datasets: parseArgillaDatasets(env.ARGILLA_DATASETS),
    clock: base.clock,
    newId: base.newId,
    log: base.log,
  };
}

/** What the webhook route needs; a Worker without ARGILLA_WEBHOOK_SECRET answers 500 saying so. */
export function createWebhookDeps(env: Env, base: Deps): WebhookDeps {
  const secret = env.ARGILLA_WEBHOOK_SECRET;
  if (!secret) {
    throw new AppError(
      'not_implemented',
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
    sync: (request) => syncArgilla(createArgillaSyncDeps(env, base), request),
    deadLetter: async (letter) => {
      await env.ARGILLA_DLQ.send(letter);
    },
    clock: base.clock,
    log: base.log,
  };
}
