// Discovery runs on the main Worker: request one (it waits on the discovery queue), read them.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RunMessage } from '../../../lib/discovery/queue.ts';
import { getRun, listRuns, requestRun } from '../../../lib/discovery/runs.ts';
import { AppError } from '../../../lib/errors.ts';
import { requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { jsonBody, parse } from '../input.ts';

export const discoveryRoutes = new Hono<AppEnv>();

const RunRequestBody = z.strictObject({ full: z.boolean().default(false) });
const RunRequestQuery = z.object({ full: z.enum(['true', 'false']).optional() });

// Queues a run (the discovery Worker takes it from the `discovery` queue) and answers with its id.
discoveryRoutes.post('/api/discovery/run', requireToken, async (c) => {
  const body = parse(RunRequestBody, await jsonBody(c.req.raw));
  const full = body.full || parse(RunRequestQuery, c.req.query()).full === 'true';
  const { deps } = c.var;
  const id = deps.newId();
  await requestRun(deps.warehouse, { id, trigger: 'api', full, now: deps.clock() });
  await c.env.DISCOVERY_QUEUE.send({ kind: 'run', runId: id, full } satisfies RunMessage);
  return c.json({ id, status: 'queued', full, links: { self: `/api/discovery/runs/${id}` } }, 202);
});

discoveryRoutes.get('/api/discovery/runs', async (c) => {
  const { limit } = parse(z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }), c.req.query());
  return c.json({ runs: await listRuns(c.var.deps.warehouse, limit) });
});

discoveryRoutes.get('/api/discovery/runs/:id', async (c) => {
  const run = await getRun(c.var.deps.warehouse, c.req.param('id'));
  if (!run) throw new AppError('not_found', `no discovery run ${c.req.param('id')}`);
  return c.json(run);
});
