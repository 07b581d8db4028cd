// Entry of the main Worker: HTTP API, the ingest and argilla-sync queue consumers, heartbeat cron.

import { consumerFor, handleArgillaSyncBatch } from '../../lib/argilla/queue.ts';
import { checkHealth } from '../../lib/health.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import { withDeps } from '../deps.ts';
import { app } from './app.ts';
import { createSyncQueueDeps } from './argilla-deps.ts';
import { WORKER } from './context.ts';
import { createIngestDeps } from './ingest-deps.ts';

export default {
  fetch: app.fetch,

  async queue(batch, env, ctx) {
    const byId = new Map(batch.messages.map((m) => [m.id, m]));
    const messages = batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body }));
    const settle = (verdict: { id: string; action: 'ack' } | { id: string; action: 'retry'; delaySeconds: number }) => {
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
    });
  },
} satisfies ExportedHandler<Env>;
