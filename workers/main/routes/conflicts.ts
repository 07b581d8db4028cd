// The conflicts review queue: the API (list, read, decide) and the review page that decides through it.
import { Hono } from 'hono';
import { z } from 'zod';
import { countConflicts, getConflict, listConflicts } from '../../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { Decision, decideConflict } from '../../../lib/discovery/decide.ts';
import { AppError } from '../../../lib/errors.ts';
import { requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { jsonBody, parse } from '../input.ts';
import { REVIEW_PAGE_CSP, renderReviewPage } from '../views/review-page.ts';
import { REVIEW_SCRIPT, REVIEW_SCRIPT_PATH } from '../views/review-script.ts';

export const conflictRoutes = new Hono<AppEnv>();

const ConflictQuery = z.object({
  status: z.enum(['open', 'approved', 'rejected', 'merged']).optional(),
  run: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

conflictRoutes.get('/api/conflicts', async (c) => {
  const q = parse(ConflictQuery, c.req.query());
  const filter = { status: q.status, runId: q.run };
  const { warehouse } = c.var.deps;
  const conflicts = await listConflicts(warehouse, { ...filter, limit: q.limit });
  return c.json({ conflicts, total: await countConflicts(warehouse, filter) });
});

conflictRoutes.get('/api/conflicts/:id', async (c) => {
  const conflict = await getConflict(c.var.deps.warehouse, c.req.param('id'));
  if (!conflict) throw new AppError('not_found', `no conflict ${c.req.param('id')}`);
  return c.json(conflict);
});

conflictRoutes.post('/api/conflicts/:id/resolve', requireToken, async (c) => {
  const decision = parse(Decision, await jsonBody(c.req.raw));
  const { deps } = c.var;
  const result = await decideConflict(deps.warehouse, c.req.param('id'), decision, deps.clock());
  deps.log.info('conflict decided', {
    id: result.conflict.id,
    decision: decision.decision,
    by: decision.by,
    effect: result.effect,
  });
  return c.json({ ...result, note: 'the next discovery run publishes the change as a snapshot' });
});

// The review page: open conflicts with their reasons, and a form per conflict that posts a decision.
conflictRoutes.get('/review', async (c) => {
  const { warehouse } = c.var.deps;
  const [open, decided] = [
    await listConflicts(warehouse, { status: 'open', limit: 500 }),
    (await listConflicts(warehouse, { limit: 50 })).filter((x) => x.status !== 'open'),
  ];
  c.header('content-security-policy', REVIEW_PAGE_CSP);
  return c.html(renderReviewPage({ open, decided }));
});

conflictRoutes.get(REVIEW_SCRIPT_PATH, (c) => {
  c.header('content-type', 'text/javascript; charset=utf-8');
  return c.body(REVIEW_SCRIPT);
});
