// Entry of the main Worker: HTTP API, ingest queue consumer, heartbeat cron.

import { checkHealth } from '../../lib/health.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import { withDeps } from '../deps.ts';
import { app } from './app.ts';
import { WORKER } from './context.ts';
import { createIngestDeps } from './ingest-deps.ts';

export default {
  fetch: app.fetch,

  async queue(batch, env, ctx) {
    const byId = new Map(batch.messages.map((m) => [m.id, m]));
    await withDeps(env, ctx, WORKER, (deps) =>
      // Each message is acked (or retried) as soon as it settles, not when the whole batch has.
      ingestBatch(
        batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body })),
        createIngestDeps(env, deps),
        (verdict) => {
          const message = byId.get(verdict.id);
          if (verdict.action === 'ack') message?.ack();
          else message?.retry({ delaySeconds: verdict.delaySeconds });
        },
      ),
    );
  },

  async scheduled(controller, env, ctx) {
    await withDeps(env, ctx, WORKER, async (deps) => {
      const report = await checkHealth(deps);
      const log = report.status === 'ok' ? deps.log.info : deps.log.error;
      log('heartbeat', { cron: controller.cron, ...report });
    });
  },
} satisfies ExportedHandler<Env>;
