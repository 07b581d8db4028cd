// Bindings of the ingest consumer (main Worker only: it alone carries parquet-wasm).
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import type { DeadLetter, DiscoveryNote, IngestDeps } from '../../lib/ingest/consumer.ts';
import { DEFAULT_PUSH_OPTIONS, type Strategy } from '../../lib/ingest/load/types.ts';
import type { LocalUploadDeps } from '../../lib/ingest/local-upload.ts';
import { parseRoutes } from '../../lib/ingest/routes.ts';
import { initParquetWasm } from '../../lib/parquet/decode.ts';
import type { Deps } from '../deps.ts';
import { createR2Store } from './r2-store.ts';

/** Bucket name -> R2 binding, from the `binding` of each INGEST_ROUTES entry. */
function bucketBindings(env: Env): Map<string, R2Bucket> {
  const out = new Map<string, R2Bucket>();
  for (const { bucket, binding } of parseRoutes(env.INGEST_ROUTES)) {
    if (binding === undefined) throw new Error(`INGEST_ROUTES names no binding for bucket ${bucket}`);
    const value = (env as unknown as Record<string, unknown>)[binding];
    if (!value || typeof (value as R2Bucket).head !== 'function') {
      throw new Error(
        `INGEST_ROUTES names binding ${binding} for bucket ${bucket}, but it is not an R2 bucket binding`,
      );
    }
    out.set(bucket, value as R2Bucket);
  }
  return out;
}

/** What a local upload to or delete from `bucketName` needs; not_found for a bucket not ingested. */
export function createUploadDeps(env: Env, bucketName: string, clock: () => Date): LocalUploadDeps {
  const bucket = bucketBindings(env).get(bucketName);
  if (!bucket) throw new AppError('not_found', `no R2 bucket '${bucketName}' is configured for ingestion`);
  return {
    bucket,
    send: async (event) => {
      await env.INGEST_QUEUE.send(event);
    },
    clock,
  };
}

/** Dependencies of the ingest consumer. */
export function createIngestDeps(env: Env, base: Deps): IngestDeps {
  const strategy = z.enum(['push', 'remote']).parse(env.LOAD_STRATEGY) satisfies Strategy;
  // Under remote too: some keys load with push whatever the strategy (consumer.ts, strategyFor).
  initParquetWasm(parquetWasm);
  const maxMb = Number(env.PUSH_MAX_ROW_GROUP_MB);
  return {
    warehouse: base.warehouse,
    store: createR2Store(bucketBindings(env)),
    routes: parseRoutes(env.INGEST_ROUTES),
    strategy,
    push: {
      ...DEFAULT_PUSH_OPTIONS,
      ...(Number.isFinite(maxMb) && maxMb > 0 ? { maxRowGroupBytes: maxMb * 1024 * 1024 } : {}),
    },
    clock: base.clock,
    newId: base.newId,
    log: base.log,
    deadLetter: async (letter: DeadLetter) => {
      await env.INGEST_DLQ.send(letter);
    },
    notifyDiscovery: async (note: DiscoveryNote) => {
      await env.DISCOVERY_QUEUE.send(note);
      // A webhook's file: run now rather than after the queue's debounce. The queued note stays the
      // fallback (a busy lock, a failed call); its run then finds these loads taken in and publishes nothing.
      if (note.loads.some((l) => l.prompt)) {
        const outcome = await env.DISCOVERY.runPrompt();
        base.log.info('ingest: prompt discovery run', { runId: outcome.runId, status: outcome.status });
      }
    },
  };
}
