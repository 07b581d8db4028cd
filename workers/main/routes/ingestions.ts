// GET /api/ingestions: what happened to each object event (ingest_log), newest first.
import { Hono } from 'hono';
import { z } from 'zod';
import { pageSchema } from '../../../lib/http/page.ts';
import { IngestionQuery, IngestStatus, listIngestions } from '../../../lib/ingest/ingest-log.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const ingestionRoutes = new Hono<AppEnv>();

export const Ingestion = z
  .object({
    id: z.string(),
    bucket: z.string(),
    key: z.string(),
    etag: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    strategy: z.string().nullable(),
    batchId: z.string().nullable(),
    schemaVersion: z.string().nullable(),
    rows: z.number().nullable(),
    bytes: z.number().nullable(),
    status: IngestStatus,
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
    attempts: z.number().int(),
    eventTime: z.iso.datetime().nullable(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    durationMs: z.number().nullable(),
  })
  .meta({ id: 'Ingestion' });

const getIngestions = describeRoute({
  summary: 'rows of ingest_log, newest first',
  description: '`since` keeps the rows whose handling started then or later (a date is its start in UTC).',
  tags: ['ingestions'],
  access: 'read',
  query: IngestionQuery,
  responses: { 200: { description: 'one page of ingestions', schema: pageSchema('ingestions', Ingestion) } },
});

ingestionRoutes.get('/api/ingestions', getIngestions, async (c) =>
  c.json(await listIngestions(c.var.deps.warehouse, getIngestions.query(c))),
);
