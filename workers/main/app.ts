// HTTP routes of the main Worker. Handlers parse input, build deps, call lib/, shape the response.

import { Hono } from 'hono';
import { AppError, errorMessage } from '../../lib/errors.ts';
import { checkHealth } from '../../lib/health.ts';
import { IngestionQuery, listIngestions } from '../../lib/ingest/ingest-log.ts';
import { deleteObject, uploadObject } from '../../lib/ingest/local-upload.ts';
import { createLogger } from '../../lib/log.ts';
import { localOnly, requireToken } from './auth.ts';
import { type AppEnv, provideDeps, WORKER } from './context.ts';
import { createUploadDeps } from './ingest-deps.ts';
import { discoveryRoutes } from './routes/discovery.ts';

export const app = new Hono<AppEnv>();

app.use(provideDeps);

app.get('/health', async (c) => {
  const report = await checkHealth(c.var.deps);
  return c.json(report, report.status === 'ok' ? 200 : 503);
});

app.post('/__scheduled/discovery', localOnly, requireToken, async (c) => {
  const report = await c.env.DISCOVERY.fireCron();
  return c.json(report, 200);
});

app.get('/api/ingestions', async (c) => {
  const parsed = IngestionQuery.safeParse(c.req.query());
  if (!parsed.success)
    throw new AppError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return c.json({ ingestions: await listIngestions(c.var.deps.warehouse, parsed.data) });
});

// Local stand-ins for "a file landed in R2" and "an object was deleted from R2" (miniflare emits no
// notifications): lib/ stores or deletes the object and enqueues what R2 would send.
app.put('/v1/objects/:bucket/:key{.+}', localOnly, requireToken, async (c) => {
  const { bucket, key } = c.req.param();
  const deps = createUploadDeps(c.env, bucket, c.var.deps.clock);
  return c.json(await uploadObject(deps, { bucket, key, body: () => c.req.arrayBuffer() }), 202);
});

app.delete('/v1/objects/:bucket/:key{.+}', localOnly, requireToken, async (c) => {
  const { bucket, key } = c.req.param();
  const deps = createUploadDeps(c.env, bucket, c.var.deps.clock);
  return c.json(await deleteObject(deps, { bucket, key }), 202);
});

app.route('/', discoveryRoutes);

app.notFound((c) =>
  c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
);

app.onError((error, c) => {
  if (error instanceof AppError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status as 400);
  }
  createLogger({ worker: WORKER }).error('unhandled error', { path: c.req.path, error: errorMessage(error) });
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
});
