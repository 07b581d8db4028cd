// Firing the discovery Worker's cron by hand (local development only), through its RPC entrypoint.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const scheduledRoutes = new Hono<AppEnv>();

const RunOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('succeeded'), report: z.unknown() }),
  z.object({ status: z.literal('busy'), runId: z.string(), holder: z.string().nullable() }),
  z.object({ status: z.literal('failed'), runId: z.string(), error: z.string(), retryable: z.boolean() }),
]);

const fireDiscoveryCron = describeRoute({
  summary: 'run what the discovery Worker’s hourly cron runs, now',
  tags: ['local'],
  access: 'local',
  responses: { 200: { description: 'the run’s outcome and report', schema: RunOutcome } },
});

scheduledRoutes.post('/__scheduled/discovery', fireDiscoveryCron, async (c) => {
  const report = await c.env.DISCOVERY.fireCron();
  return c.json(report, 200);
});
