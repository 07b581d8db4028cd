// GET /api/ingestions: what happened to each object event (ingest_log), newest first.
import { Hono } from 'hono';
import { IngestionQuery, listIngestions } from '../../../lib/ingest/ingest-log.ts';
import type { AppEnv } from '../context.ts';
import { parse } from '../input.ts';

export const ingestionRoutes = new Hono<AppEnv>();

ingestionRoutes.get('/api/ingestions', async (c) => {
  const query = parse(IngestionQuery, c.req.query());
  return c.json({ ingestions: await listIngestions(c.var.deps.warehouse, query) });
});
