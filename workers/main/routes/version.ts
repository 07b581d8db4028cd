// GET /version: the service's name and version, with no I/O (the benches' reference route).
import { Hono } from 'hono';
import { z } from 'zod';
import { SERVICE } from '../../../lib/version.ts';
import type { AppEnv } from '../context.ts';

export const VersionResponse = z.object({ name: z.string(), version: z.string() });

export const versionRoutes = new Hono<AppEnv>();

versionRoutes.get('/version', (c) => c.json(SERVICE satisfies z.infer<typeof VersionResponse>));
