// POST /api/argilla/sync: one Argilla sync now, answered with its report.
import { Hono } from 'hono';
import { z } from 'zod';
import { syncArgilla } from '../../../lib/argilla/sync.ts';
import { AppError } from '../../../lib/errors.ts';
import { argillaConfigured, createArgillaSyncDeps } from '../argilla-deps.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const argillaRoutes = new Hono<AppEnv>();

const SyncReportSchema = z
  .object({
    trigger: z.string(),
    full: z.boolean(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    datasets: z.array(
      z.looseObject({ name: z.string(), id: z.string().nullable(), outcome: z.enum(['skipped', 'synced', 'failed']) }),
    ),
    totals: z.record(z.string(), z.number()),
  })
  .meta({ id: 'ArgillaSyncReport', description: 'docs/argilla.md#reports' });

const postSync = describeRoute({
  summary: 'sync annotations from Argilla now',
  description:
    '`datasets` (names or ids) limits it to some configured datasets; `full` also reads datasets whose `last_activity_at` did not move (deletions, responses created in bulk).',
  tags: ['argilla'],
  access: 'write',
  body: z.strictObject({ datasets: z.array(z.string().min(1)).min(1).optional(), full: z.boolean().default(false) }),
  responses: { 200: { description: 'the sync report', schema: SyncReportSchema } },
});

argillaRoutes.post('/api/argilla/sync', postSync, async (c) => {
  const body = await postSync.body(c);
  if (!argillaConfigured(c.env)) throw new AppError('not_found', 'the Argilla sync is off: ARGILLA_URL is not set');
  const deps = createArgillaSyncDeps(c.env, c.var.deps);
  const report = await syncArgilla(deps, {
    trigger: 'api',
    full: body.full,
    ...(body.datasets ? { datasets: body.datasets } : {}),
  });
  return c.json(report, 200);
});
