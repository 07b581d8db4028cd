// Entry of the discovery Worker: hourly cron, the debounced `discovery` queue, and an RPC entrypoint the
// main Worker uses to fire the cron by hand in local development.
import { WorkerEntrypoint } from 'cloudflare:workers';
import { checkHealth, type HealthReport } from '../../lib/health.ts';
import { createDeps, releaseDeps } from '../deps.ts';
import type { DISCOVERY_BINDINGS } from './bindings.ts';

export type DiscoveryEnv = Pick<Env, (typeof DISCOVERY_BINDINGS)[number]>;

async function runTrigger(env: DiscoveryEnv, ctx: ExecutionContext, trigger: string): Promise<HealthReport> {
  const deps = createDeps(env, 'living-schema-discovery');
  try {
    const report = await checkHealth(deps);
    deps.log.info('discovery trigger', { trigger, warehouse: report.warehouse, migrations: report.migrations });
    return report;
  } finally {
    releaseDeps(deps, ctx);
  }
}

export class DiscoveryControl extends WorkerEntrypoint<DiscoveryEnv> {
  /** Runs what the hourly cron runs, now. */
  async fireCron(): Promise<HealthReport> {
    return runTrigger(this.env, this.ctx, 'manual');
  }
}

export default {
  async scheduled(controller, env, ctx) {
    await runTrigger(env, ctx, `cron ${controller.cron}`);
  },

  async queue(batch, env, ctx) {
    await runTrigger(env, ctx, `queue (${batch.messages.length} messages)`);
    batch.ackAll();
  },
} satisfies ExportedHandler<DiscoveryEnv>;
