// Entry of the main Worker: HTTP API, the ingest and argilla-sync queue consumers, heartbeat cron, the daily
// report refresh.

import { ARGILLA_RECONCILE_CRON } from '../../lib/argilla/config.ts';
import { consumerFor, handleArgillaSyncBatch } from '../../lib/argilla/queue.ts';
import { syncArgilla } from '../../lib/argilla/sync.ts';
import { errorMessage } from '../../lib/errors.ts';
import { checkHealth } from '../../lib/health.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import { REPORTS_REFRESH_CRON, refreshAllReports } from '../../lib/reports/daily.ts';
import { withDeps } from '../deps.ts';
import { app, createApp } from './app.ts';
import { argillaConfigured, createArgillaSyncDeps, createSyncQueueDeps } from './argilla-deps.ts';
import { WORKER } from './context.ts';
import { createIngestDeps } from './ingest-deps.ts';
import { type QueryEngine, queryEngine } from './query-engine.ts';
import { createDailyRefreshDeps } from './reports-deps.ts';

/** The Worker over a query engine: the default export uses its own; tests pass theirs. */
export const createMainWorker = (engine: QueryEngine) =>
  ({
    fetch: (engine === queryEngine ? app : createApp(engine)).fetch,

    async queue(batch, env, ctx) {
      const byId = new Map(batch.messages.map((m) => [m.id, m]));
      const messages = batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body }));
      const settle = (
        verdict: { id: string; action: 'ack' } | { id: string; action: 'retry'; delaySeconds: number },
      ) => {
        const message = byId.get(verdict.id);
        if (verdict.action === 'ack') message?.ack();
        else message?.retry({ delaySeconds: verdict.delaySeconds });
      };
      await withDeps(env, ctx, WORKER, async (deps) => {
        if (consumerFor(batch.queue) === 'argilla-sync') {
          for (const verdict of await handleArgillaSyncBatch(messages, createSyncQueueDeps(env, deps))) settle(verdict);
          return;
        }
        // Each message is acked (or retried) as soon as it settles, not when the whole batch has.
        await ingestBatch(messages, createIngestDeps(env, deps), settle);
      });
    },

    async scheduled(controller, env, ctx) {
      await withDeps(env, ctx, WORKER, async (deps) => {
        const report = await checkHealth(deps);
        const log = report.status === 'ok' ? deps.log.info : deps.log.error;
        log('heartbeat', { cron: controller.cron, ...report });
        if (controller.cron === REPORTS_REFRESH_CRON) {
          const refresh = await refreshAllReports(createDailyRefreshDeps(env, deps, engine(env, deps)));
          (refresh.status === 'succeeded' ? deps.log.info : deps.log.error)('daily report refresh', { ...refresh });
          return;
        }
        // The same crons sync Argilla, when it is configured (the daily one reconciles in full); off is said once
        // per run, not silently.
        if (!argillaConfigured(env)) {
          deps.log.info('argilla sync skipped: ARGILLA_URL is not set', { cron: controller.cron });
          return;
        }
        try {
          const reconcile = controller.cron === ARGILLA_RECONCILE_CRON;
          await syncArgilla(
            createArgillaSyncDeps(env, deps),
            reconcile ? { trigger: 'reconcile', full: true } : { trigger: 'cron' },
          );
        } catch (error) {
          deps.log.error('argilla sync could not start', { error: errorMessage(error) });
        }
      });
    },
  }) satisfies ExportedHandler<Env>;

export default createMainWorker(queryEngine);
