// Firing the discovery Worker's cron by hand (local development only), through its RPC entrypoint.
import { Hono } from 'hono';
import { localOnly, requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';

export const scheduledRoutes = new Hono<AppEnv>();

scheduledRoutes.post('/__scheduled/discovery', localOnly, requireToken, async (c) => {
  const report = await c.env.DISCOVERY.fireCron();
  return c.json(report, 200);
});
