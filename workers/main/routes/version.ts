// GET /version: the service's name and version, with no I/O (the benches' reference route).
import { Hono } from 'hono';
import { z } from 'zod';
import { SERVICE } from '../../../lib/version.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const VersionResponse = z.object({ name: z.string(), version: z.string() });

export const versionRoutes = new Hono<AppEnv>();

const getVersion = describeRoute({
  summary: "the service's name and version (no I/O)",
  tags: ['health'],
  access: 'open',
  responses: { 200: { description: 'name and version', schema: VersionResponse } },
});

versionRoutes.get('/version', getVersion, (c) => c.json(SERVICE satisfies z.infer<typeof VersionResponse>));
