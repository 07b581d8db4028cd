// GET /health: whether the Worker reaches the warehouse and its schema is migrated (503 when not).
import { Hono } from 'hono';
import { checkHealth } from '../../../lib/health.ts';
import type { AppEnv } from '../context.ts';

export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get('/health', async (c) => {
  const report = await checkHealth(c.var.deps);
  return c.json(report, report.status === 'ok' ? 200 : 503);
});
