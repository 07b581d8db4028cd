// Discovery runs on the main Worker: request one (it waits on the discovery queue), read them.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RunMessage } from '../../../lib/discovery/queue.ts';
import { getRun, listRuns, RunStatus, RunTrigger, requestRun } from '../../../lib/discovery/runs.ts';
import { AppError } from '../../../lib/errors.ts';
import { pageParams, pageSchema } from '../../../lib/http/page.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const discoveryRoutes = new Hono<AppEnv>();

export const DiscoveryRun = z
  .object({
    id: z.string(),
    trigger: RunTrigger,
    fullScan: z.boolean(),
    status: RunStatus,
    requestedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    coalescedInto: z.string().nullable(),
    snapshotVersion: z.number().int().nullable(),
    report: z.unknown().meta({ description: 'the run report (docs/discovery.md#runs), null until it ends' }),
    error: z.string().nullable(),
  })
  .meta({ id: 'DiscoveryRun' });

const RunAccepted = z.object({
  id: z.string(),
  status: z.literal('queued'),
  full: z.boolean(),
  links: z.object({ self: z.string() }),
});

const postRun = describeRoute({
  summary: 'queue a discovery run',
  description: '`{"full": true}` or `?full=true` recounts everything.',
  tags: ['discovery'],
  access: 'write',
  query: z.object({ full: z.enum(['true', 'false']).optional() }),
  body: z.strictObject({ full: z.boolean().default(false) }),
  responses: { 202: { description: 'queued; read it at links.self', schema: RunAccepted } },
});

// Queues a run (the discovery Worker takes it from the `discovery` queue) and answers with its id.
discoveryRoutes.post('/api/discovery/run', postRun, async (c) => {
  const body = await postRun.body(c);
  const full = body.full || postRun.query(c).full === 'true';
  const { deps } = c.var;
  const id = deps.newId();
  await requestRun(deps.warehouse, { id, trigger: 'api', full, now: deps.clock() });
  await c.env.DISCOVERY_QUEUE.send({ kind: 'run', runId: id, full } satisfies RunMessage);
  return c.json({ id, status: 'queued', full, links: { self: `/api/discovery/runs/${id}` } }, 202);
});

const getRuns = describeRoute({
  summary: 'discovery runs, newest first',
  tags: ['discovery'],
  access: 'read',
  query: pageParams(200, 20),
  responses: { 200: { description: 'one page of runs', schema: pageSchema('runs', DiscoveryRun) } },
});

discoveryRoutes.get('/api/discovery/runs', getRuns, async (c) =>
  c.json(await listRuns(c.var.deps.warehouse, getRuns.query(c))),
);

const getOneRun = describeRoute({
  summary: 'one discovery run with its report',
  tags: ['discovery'],
  access: 'read',
  params: z.object({ id: z.string() }),
  responses: { 200: { description: 'the run', schema: DiscoveryRun } },
});

discoveryRoutes.get('/api/discovery/runs/:id', getOneRun, async (c) => {
  const { id } = getOneRun.params(c);
  const run = await getRun(c.var.deps.warehouse, id);
  if (!run) throw new AppError('not_found', `no discovery run ${id}`);
  return c.json(run);
});
