// Discovery on the main Worker: request a run, read runs, the conflicts review queue (API and page).
import { Hono } from 'hono';
import { z } from 'zod';
import { countConflicts, getConflict, listConflicts } from '../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { Decision, decideConflict } from '../../lib/discovery/decide.ts';
import type { RunMessage } from '../../lib/discovery/queue.ts';
import { REVIEW_SCRIPT, renderReviewPage } from '../../lib/discovery/review-page.ts';
import { getRun, listRuns, requestRun } from '../../lib/discovery/runs.ts';
import { AppError } from '../../lib/errors.ts';
import { createDeps, releaseDeps } from '../deps.ts';
import type { AppEnv } from './app.ts';
import { requireToken } from './auth.ts';

export const discoveryRoutes = new Hono<AppEnv>();

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(
      'bad_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'the body is not valid JSON');
  }
}

/** Runs `work` with this request's deps, released when the response is sent. */
async function withDeps<T>(
  c: { env: Env; executionCtx: { waitUntil(promise: Promise<unknown>): void } },
  work: (deps: ReturnType<typeof createDeps>) => Promise<T>,
): Promise<T> {
  const deps = createDeps(c.env, 'living-schema');
  try {
    return await work(deps);
  } finally {
    releaseDeps(deps, c.executionCtx);
  }
}

const RunRequestBody = z.strictObject({ full: z.boolean().default(false) });
const RunRequestQuery = z.object({ full: z.enum(['true', 'false']).optional() });

// Queues a run (the discovery Worker takes it from the `discovery` queue) and answers with its id.
discoveryRoutes.post('/api/discovery/run', requireToken, async (c) => {
  const body = parse(RunRequestBody, await jsonBody(c.req.raw));
  const full = body.full || parse(RunRequestQuery, c.req.query()).full === 'true';
  return withDeps(c, async (deps) => {
    const id = deps.newId();
    await requestRun(deps.warehouse, { id, trigger: 'api', full, now: deps.clock() });
    await c.env.DISCOVERY_QUEUE.send({ kind: 'run', runId: id, full } satisfies RunMessage);
    return c.json({ id, status: 'queued', full, links: { self: `/api/discovery/runs/${id}` } }, 202);
  });
});

discoveryRoutes.get('/api/discovery/runs', async (c) => {
  const { limit } = parse(z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }), c.req.query());
  return withDeps(c, async (deps) => c.json({ runs: await listRuns(deps.warehouse, limit) }));
});

discoveryRoutes.get('/api/discovery/runs/:id', async (c) =>
  withDeps(c, async (deps) => {
    const run = await getRun(deps.warehouse, c.req.param('id'));
    if (!run) throw new AppError('not_found', `no discovery run ${c.req.param('id')}`);
    return c.json(run);
  }),
);

const ConflictQuery = z.object({
  status: z.enum(['open', 'approved', 'rejected', 'merged']).optional(),
  run: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

discoveryRoutes.get('/api/conflicts', async (c) => {
  const q = parse(ConflictQuery, c.req.query());
  const filter = { status: q.status, runId: q.run };
  return withDeps(c, async (deps) => {
    const conflicts = await listConflicts(deps.warehouse, { ...filter, limit: q.limit });
    return c.json({ conflicts, total: await countConflicts(deps.warehouse, filter) });
  });
});

discoveryRoutes.get('/api/conflicts/:id', async (c) =>
  withDeps(c, async (deps) => {
    const conflict = await getConflict(deps.warehouse, c.req.param('id'));
    if (!conflict) throw new AppError('not_found', `no conflict ${c.req.param('id')}`);
    return c.json(conflict);
  }),
);

discoveryRoutes.post('/api/conflicts/:id/resolve', requireToken, async (c) => {
  const decision = parse(Decision, await jsonBody(c.req.raw));
  return withDeps(c, async (deps) => {
    const result = await decideConflict(deps.warehouse, c.req.param('id'), decision, deps.clock());
    deps.log.info('conflict decided', {
      id: result.conflict.id,
      decision: decision.decision,
      by: decision.by,
      effect: result.effect,
    });
    return c.json({ ...result, note: 'the next discovery run publishes the change as a snapshot' });
  });
});

// The review page: open conflicts with their reasons, and a form per conflict that posts a decision.
discoveryRoutes.get('/review', async (c) =>
  withDeps(c, async (deps) => {
    const [open, decided] = [
      await listConflicts(deps.warehouse, { status: 'open', limit: 500 }),
      (await listConflicts(deps.warehouse, { limit: 50 })).filter((x) => x.status !== 'open'),
    ];
    c.header(
      'content-security-policy',
      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
    );
    return c.html(renderReviewPage({ open, decided }));
  }),
);

discoveryRoutes.get('/review.js', (c) => {
  c.header('content-type', 'text/javascript; charset=utf-8');
  return c.body(REVIEW_SCRIPT);
});
