// Entry of the main Worker: HTTP API, ingest queue consumer, heartbeat cron.
import { checkHealth } from '../../lib/health.ts';
import { createDeps, releaseDeps } from '../deps.ts';
import { app } from './app.ts';

export default {
  fetch: app.fetch,

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
