// HTTP routes of the main Worker. Handlers parse input, build deps, call lib/, shape the response.

import { Hono } from 'hono';
import { AppError, errorMessage } from '../../lib/errors.ts';
import { checkHealth } from '../../lib/health.ts';
import { keyProblem } from '../../lib/ingest/event.ts';
import { IngestionQuery, listIngestions } from '../../lib/ingest/ingest-log.ts';
import { localDeleteEvent, localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { createLogger } from '../../lib/log.ts';
import { createDeps, releaseDeps } from '../deps.ts';
import { localOnly, requireToken } from './auth.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { bucketBindings } from './ingest-deps.ts';

export type AppEnv = { Bindings: Env };

export const app = new Hono<AppEnv>();

app.get('/health', async (c) => {
  const deps = createDeps(c.env, 'living-schema');
  try {
    const report = await checkHealth(deps);
    return c.json(report, report.status === 'ok' ? 200 : 503);
  } finally {
    releaseDeps(deps, c.executionCtx);
  }
});

app.post('/__scheduled/discovery', localOnly, requireToken, async (c) => {
  const report = await c.env.DISCOVERY.fireCron();
  return c.json(report, 200);
});

app.get('/api/ingestions', async (c) => {
  const parsed = IngestionQuery.safeParse(c.req.query());
  if (!parsed.success)
    throw new AppError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const deps = createDeps(c.env, 'living-schema');
  try {
    return c.json({ ingestions: await listIngestions(deps.warehouse, parsed.data) });
  } finally {
    releaseDeps(deps, c.executionCtx);
  }
});

/** The local R2 bucket and key a /v1/objects/:bucket/:key request names; 404 for a bucket not ingested. */
function localObject(c: { env: Env; req: { param(name: 'bucket' | 'key'): string } }) {
  const bucketName = c.req.param('bucket');
  const key = c.req.param('key');
  const bucket = bucketBindings(c.env).get(bucketName);
  if (!bucket) throw new AppError('not_found', `no R2 bucket '${bucketName}' is configured for ingestion`);
  return { bucketName, key, bucket };
}

// Local stand-in for "a file landed in R2": stores it in local R2 and enqueues the notification R2
// would send (miniflare emits none).
app.put('/v1/objects/:bucket/:key{.+}', localOnly, requireToken, async (c) => {
  const { bucketName, key, bucket } = localObject(c);
  const problem = key.endsWith('/') ? 'the key ends with / and names no object' : keyProblem(key);
  if (problem) throw new AppError('bad_request', `key refused: ${problem}`);
  const body = await c.req.arrayBuffer();
  const object = await bucket.put(key, body);
  if (!object) throw new AppError('internal', `R2 did not store ${bucketName}/${key}`);
  const event = localObjectEvent({ bucket: bucketName, key, size: object.size, etag: object.etag, now: new Date() });
  await c.env.INGEST_QUEUE.send(event);
  return c.json({ bucket: bucketName, key, etag: object.etag, size: object.size, event }, 202);
});

// Local stand-in for "an object was deleted from R2": deletes it from local R2 and enqueues R2's notification.
app.delete('/v1/objects/:bucket/:key{.+}', localOnly, requireToken, async (c) => {
  const { bucketName, key, bucket } = localObject(c);
  if (!(await bucket.head(key))) throw new AppError('not_found', `no object ${bucketName}/${key}`);
  await bucket.delete(key);
  const event = localDeleteEvent({ bucket: bucketName, key, now: new Date() });
  await c.env.INGEST_QUEUE.send(event);
  return c.json({ bucket: bucketName, key, event }, 202);
});

app.route('/', discoveryRoutes);

app.notFound((c) =>
  c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
);

app.onError((error, c) => {
  if (error instanceof AppError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status as 400);
  }
  createLogger({ worker: 'living-schema' }).error('unhandled error', { path: c.req.path, error: errorMessage(error) });
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
});
