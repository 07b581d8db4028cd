// GET /health: whether the Worker reaches the warehouse and its schema is migrated (503 when not).
import { Hono } from 'hono';
import { z } from 'zod';
import { checkHealth } from '../../../lib/health.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const healthRoutes = new Hono<AppEnv>();

export const HealthReport = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    warehouse: z.object({ reachable: z.boolean(), roundTripMs: z.number().nullable(), error: z.string().optional() }),
    migrations: z.object({ applied: z.number().int(), latest: z.string().nullable(), error: z.string().optional() }),
  })
  .meta({ id: 'Health' });

const getHealth = describeRoute({
  summary: 'one warehouse round trip and the migration record',
  tags: ['health'],
  access: 'open',
  responses: {
    200: { description: 'the warehouse answers and is migrated', schema: HealthReport },
    503: { description: 'the warehouse is unreachable or not migrated', schema: HealthReport },
  },
});

healthRoutes.get('/health', getHealth, async (c) => {
  const report = await checkHealth(c.var.deps);
  return c.json(report, report.status === 'ok' ? 200 : 503);
});
