// Local stand-ins for "a file landed in R2" and "an object was deleted from R2" (miniflare emits no
// notifications): lib/ stores or deletes the object and enqueues what R2 would send. Local development only.
import { Hono } from 'hono';
import { z } from 'zod';
import { R2Event } from '../../../lib/ingest/event.ts';
import { deleteObject, uploadObject } from '../../../lib/ingest/local-upload.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { createUploadDeps } from '../ingest-deps.ts';

export const objectRoutes = new Hono<AppEnv>();

const ObjectParams = z.object({
  bucket: z.string().meta({ description: 'a bucket INGEST_ROUTES ingests' }),
  key: z.string().meta({ description: 'the object key; may contain /' }),
});

const putObject = describeRoute({
  summary: 'store a file in local R2 and queue the event R2 would send',
  tags: ['local'],
  access: 'local',
  params: ObjectParams,
  rawBody: { contentType: 'application/octet-stream', description: 'the file’s bytes' },
  responses: {
    202: {
      description: 'stored; the event is on the ingest queue',
      schema: z.object({
        bucket: z.string(),
        key: z.string(),
        etag: z.string(),
        size: z.number().int(),
        event: R2Event,
      }),
    },
  },
});

objectRoutes.put('/v1/objects/:bucket/:key{.+}', putObject, async (c) => {
  const { bucket, key } = putObject.params(c);
  const deps = createUploadDeps(c.env, bucket, c.var.deps.clock);
  return c.json(await uploadObject(deps, { bucket, key, body: () => c.req.arrayBuffer() }), 202);
});

const removeObject = describeRoute({
  summary: 'delete an object from local R2 and queue a DeleteObject event',
  tags: ['local'],
  access: 'local',
  params: ObjectParams,
  responses: {
    202: {
      description: 'deleted; the event is on the ingest queue',
      schema: z.object({ bucket: z.string(), key: z.string(), event: R2Event }),
    },
  },
});

objectRoutes.delete('/v1/objects/:bucket/:key{.+}', removeObject, async (c) => {
  const { bucket, key } = removeObject.params(c);
  const deps = createUploadDeps(c.env, bucket, c.var.deps.clock);
  return c.json(await deleteObject(deps, { bucket, key }), 202);
});
