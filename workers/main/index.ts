// Entry of the main Worker: HTTP API, ingest queue consumer, heartbeat cron.

import { checkHealth } from '../../lib/health.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import { createDeps, releaseDeps } from '../deps.ts';
import { app } from './app.ts';
import { createIngestDeps } from './ingest-deps.ts';

export default {
  fetch: app.fetch,

  async queue(batch, env, ctx) {
    const deps = createDeps(env, 'living-schema');
    try {
      const byId = new Map(batch.messages.map((m) => [m.id, m]));
      // Each message is acked (or retried) as soon as it settles, not when the whole batch has.
      await ingestBatch(
        batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body })),
        createIngestDeps(env, deps),
        (verdict) => {
          const message = byId.get(verdict.id);
          if (verdict.action === 'ack') message?.ack();
          else message?.retry({ delaySeconds: verdict.delaySeconds });
        },
      );
    } finally {
      releaseDeps(deps, ctx);
    }
  },

  async scheduled(controller, env, ctx) {
    const deps = createDeps(env, 'living-schema');
    try {
      const report = await checkHealth(deps);
      const log = report.status === 'ok' ? deps.log.info : deps.log.error;
      log('heartbeat', { cron: controller.cron, ...report });
    } finally {
      releaseDeps(deps, ctx);
    }
  },
} satisfies ExportedHandler<Env>;
