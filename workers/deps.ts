// The one place that reads bindings and secrets and turns them into lib/ dependencies.
import { createLogger, type Logger } from '../lib/log.ts';
import type { SchemaCachePort } from '../lib/schema/cache.ts';
import type { Warehouse } from '../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../lib/warehouse/postgres.ts';

export interface Deps {
  readonly warehouse: Warehouse;
  readonly log: Logger;
  readonly clock: () => Date;
  /** Milliseconds for durations. NOTE: in workerd the clock only advances across I/O. */
  readonly now: () => number;
  readonly newId: () => string;
}

/**
 * Dependencies for one invocation. NOTE: postgres.js sockets cannot outlive the request that opened
 * them in workerd, so the client is made here and closed when the invocation ends.
 */
function createDeps(env: { readonly WAREHOUSE_URL: string }, worker: string): Deps {
  return {
    warehouse: createPostgresWarehouse(env.WAREHOUSE_URL, { max: 2, applicationName: worker }),
    log: createLogger({ worker }),
    clock: () => new Date(),
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
  };
}

/** Closes the invocation's warehouse client after the response, without delaying it. */
function releaseDeps(deps: Deps, ctx: { waitUntil(promise: Promise<unknown>): void }): void {
  ctx.waitUntil(deps.warehouse.close().catch(() => {}));
}

/** Runs `work` with this invocation's deps and releases them when it settles, whatever the outcome. */
export async function withDeps<T>(
  env: { readonly WAREHOUSE_URL: string },
  ctx: { waitUntil(promise: Promise<unknown>): void },
  worker: string,
  work: (deps: Deps) => Promise<T>,
): Promise<T> {
  const deps = createDeps(env, worker);
  try {
    return await work(deps);
  } finally {
    releaseDeps(deps, ctx);
  }
}

/** Whether local-only routes are enabled (`npm start` sets LOCAL_DEV=true in .dev.vars). */
export function isLocalDev(env: { readonly LOCAL_DEV?: string }): boolean {
  return env.LOCAL_DEV === 'true';
}

/** The two methods of a KV namespace binding the schema cache uses. */
export interface KvBinding {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

/** The schema cache over the SCHEMA_CACHE KV binding; null when the binding is absent. */
export function schemaCache(binding: KvBinding | undefined): SchemaCachePort | null {
  if (!binding) return null;
  return {
    get: (key) => binding.get(key, 'text'),
    put: (key, value) => binding.put(key, value),
  };
}
