// Local stand-ins for "a file landed in R2" and "an object was deleted from R2" (miniflare emits no
// notifications): lib/ stores or deletes the object and enqueues what R2 would send. Local development only.
import { Hono } from 'hono';
import { deleteObject, uploadObject } from '../../../lib/ingest/local-upload.ts';
import { localOnly, requireToken } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { createUploadDeps } from '../ingest-deps.ts';

export const objectRoutes = new Hono<AppEnv>();

objectRoutes.put('/v1/objects/:bucket/:key{.+}', localOnly, requireToken, async (c) => {
  const { bucket, key } = c.req.param();
  const deps = createUploadDeps(c.env, bucket, c.var.deps.clock);
  return c.json(await uploadObject(deps, { bucket, key, body: () => c.req.arrayBuffer() }), 202);
});

objectRoutes.delete('/v1/objects/:bucket/:key{.+}', localOnly, requireToken, async (c) => {
  const { bucket, key } = c.req.param();
  const deps = createUploadDeps(c.env, bucket, c.var.deps.clock);
  return c.json(await deleteObject(deps, { bucket, key }), 202);
});
