// Entry of the discovery Worker: the hourly cron, the debounced `discovery` queue, and an RPC entrypoint
// the main Worker uses to fire the cron by hand in local development.
import { WorkerEntrypoint } from 'cloudflare:workers';
import { DEFAULT_DISCOVERY_CONFIG, parseDiscoveryConfig } from '../../lib/discovery/catalog.ts';
import { handleDiscoveryBatch } from '../../lib/discovery/queue.ts';
import { type DiscoveryDeps, type RunOutcome, runDiscovery } from '../../lib/discovery/run.ts';
import { errorMessage } from '../../lib/errors.ts';
import { linkBaseProblem } from '../../lib/http/public-url.ts';
import { syncCache } from '../../lib/schema/cache.ts';
import { latestDocument } from '../../lib/schema/read.ts';
import { type Deps, isLocalDev, schemaCache, withDeps } from '../deps.ts';
import { aiDescriber } from './ai.ts';
import type { DiscoveryEnv } from './bindings.ts';

export type { DiscoveryEnv };

function discoveryDeps(env: DiscoveryEnv, base: Deps): DiscoveryDeps {
  let config = DEFAULT_DISCOVERY_CONFIG;
  let configError: string | undefined;
  try {
    config = parseDiscoveryConfig(env.DISCOVERY_CONFIG);
  } catch (error) {
    configError = errorMessage(error);
  }
  // NOTE: the configs' top-level PUBLIC_URL is loopback, for local development; deployed like that (a
  // plain `wrangler deploy`), every link in the digest would open nothing. Said once per run.
  const linkProblem = isLocalDev(env) ? null : linkBaseProblem(env.PUBLIC_URL);
  if (linkProblem) {
    base.log.error(`discovery: ${linkProblem}; the links in Slack digests are unusable`, {
      fix: 'deploy with `npm run deploy` and the main Worker’s public https URL as PUBLIC_URL',
    });
  }
  return {
    warehouse: base.warehouse,
    config,
    configError,
    clock: base.clock,
    newId: base.newId,
    log: base.log,
    publicUrl: env.PUBLIC_URL,
    slackWebhookUrl: env.SLACK_WEBHOOK_URL || undefined,
    fetcher: (input, init) => fetch(input, init),
    describe: env.AI ? aiDescriber(env.AI, config.aiModel) : undefined,
    ai: env.AI,
    afterCommit: async () => {
      const cache = schemaCache(env.SCHEMA_CACHE);
      if (!cache) return;
      const synced = await syncCache(cache, () => latestDocument(base.warehouse), base.log);
      if (synced) base.log.info('discovery: schema cache updated', { ...synced });
    },
  };
}

const WORKER = 'living-schema-discovery';

function runNow(env: DiscoveryEnv, ctx: ExecutionContext, trigger: 'cron' | 'manual' | 'queue'): Promise<RunOutcome> {
  return withDeps(env, ctx, WORKER, (deps) => runDiscovery(discoveryDeps(env, deps), { trigger, full: false }));
}

export class DiscoveryControl extends WorkerEntrypoint<DiscoveryEnv> {
  /** Runs what the hourly cron runs, now, and returns its outcome (report included). */
  async fireCron(): Promise<RunOutcome> {
    return runNow(this.env, this.ctx, 'manual');
  }

  /**
   * An incremental run now, for loads whose writer asked for one (a webhook's Argilla sync): what the
   * discovery queue's batch would run, without its debounce.
   */
  async runPrompt(): Promise<{ status: RunOutcome['status']; runId: string }> {
    const outcome = await runNow(this.env, this.ctx, 'queue');
    return { status: outcome.status, runId: outcome.status === 'succeeded' ? outcome.report.runId : outcome.runId };
  }
}

export default {
  async scheduled(_controller, env, ctx) {
    // A failed or skipped run is recorded and logged; the next hour's run takes in the same loads.
    await runNow(env, ctx, 'cron');
  },

  async queue(batch, env, ctx) {
    const { verdict } = await withDeps(env, ctx, WORKER, (deps) =>
      handleDiscoveryBatch(
        batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body })),
        discoveryDeps(env, deps),
      ),
    );
    if (verdict.action === 'ack') batch.ackAll();
    else batch.retryAll({ delaySeconds: verdict.delaySeconds });
  },
} satisfies ExportedHandler<DiscoveryEnv>;
