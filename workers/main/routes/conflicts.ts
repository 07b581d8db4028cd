// The conflicts review queue's API: list, read, decide (the console's review queue is workers/main/console/review.ts).
import { Hono } from 'hono';
import { z } from 'zod';
import {
  ConflictKind,
  ConflictStatus,
  countConflicts,
  getConflict,
  listConflicts,
} from '../../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { ConflictReason } from '../../../lib/discovery/conflicts.ts';
import { Decision, decideConflict } from '../../../lib/discovery/decide.ts';
import { AppError } from '../../../lib/errors.ts';
import { pageParams, pageSchema } from '../../../lib/http/page.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const conflictRoutes = new Hono<AppEnv>();

export const Conflict = z
  .object({
    id: z.string(),
    kind: ConflictKind,
    source: z.string(),
    newName: z.string(),
    existingName: z.string(),
    score: z.number(),
    reasons: z.array(ConflictReason),
    status: ConflictStatus,
    decision: Decision.shape.decision.nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.iso.datetime().nullable(),
    note: z.string().nullable(),
    detectedAt: z.iso.datetime(),
    runId: z.string().nullable(),
  })
  .meta({ id: 'Conflict' });

const ConflictId = z.object({ id: z.string() });

const getConflicts = describeRoute({
  summary: 'the review queue, newest first',
  description: 'Without `status`, every status; `run` keeps one discovery run’s conflicts.',
  tags: ['conflicts'],
  access: 'read',
  query: z.object({
    status: ConflictStatus.optional(),
    run: z.string().min(1).optional(),
    ...pageParams(1000, 100).shape,
  }),
  responses: { 200: { description: 'one page of conflicts', schema: pageSchema('conflicts', Conflict) } },
});

conflictRoutes.get('/api/conflicts', getConflicts, async (c) => {
  const { status, run, limit, offset } = getConflicts.query(c);
  const filter = { status, runId: run };
  const { warehouse } = c.var.deps;
  const conflicts = await listConflicts(warehouse, { ...filter, limit, offset });
  return c.json({ conflicts, limit, offset, total: await countConflicts(warehouse, filter) });
});

const getOneConflict = describeRoute({
  summary: 'one conflict with its reasons',
  tags: ['conflicts'],
  access: 'read',
  params: ConflictId,
  responses: { 200: { description: 'the conflict', schema: Conflict } },
});

conflictRoutes.get('/api/conflicts/:id', getOneConflict, async (c) => {
  const { id } = getOneConflict.params(c);
  const conflict = await getConflict(c.var.deps.warehouse, id);
  if (!conflict) throw new AppError('not_found', `no conflict ${id}`);
  return c.json(conflict);
});

const resolveConflict = describeRoute({
  summary: 'decide a conflict: approve, reject or merge',
  description: 'The next discovery run publishes the change as a snapshot (docs/discovery.md#decisions).',
  tags: ['conflicts'],
  access: 'write',
  params: ConflictId,
  body: Decision,
  responses: {
    200: {
      description: 'the decided conflict and its effect on the catalog, in words',
      schema: z.object({ conflict: Conflict, effect: z.string(), note: z.string() }),
    },
    409: { description: 'already decided' },
  },
});

conflictRoutes.post('/api/conflicts/:id/resolve', resolveConflict, async (c) => {
  const { id } = resolveConflict.params(c);
  const decision = await resolveConflict.body(c);
  const { deps } = c.var;
  const result = await decideConflict(deps.warehouse, id, decision, deps.clock());
  deps.log.info('conflict decided', {
    id: result.conflict.id,
    decision: decision.decision,
    by: decision.by,
    effect: result.effect,
  });
  return c.json({ ...result, note: 'the next discovery run publishes the change as a snapshot' });
});
