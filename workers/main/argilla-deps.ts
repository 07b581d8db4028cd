// Bindings of the Argilla sync: its client, the vessel-annotations bucket and how a written file is announced.
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { parseArgillaDatasets } from '../../lib/argilla/config.ts';
import type { ArgillaSyncDeps } from '../../lib/argilla/sync.ts';
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
    bucket: { put: async (key, body) => bucket.put(key, body) },
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
