// The operations views over HTTP: GET /api/metrics as JSON, GET /metrics as Prometheus text (docs/metrics.md).
import { Hono } from 'hono';
import { z } from 'zod';
import { metricFamilies } from '../../../lib/metrics/exposition.ts';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from '../../../lib/metrics/prometheus.ts';
import { readMetrics } from '../../../lib/metrics/read.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const metricsRoutes = new Hono<AppEnv>();

export const MetricsQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30).meta({ description: 'days of churn, 1 to 366' }),
  weeks: z.coerce.number().int().min(1).max(104).default(12).meta({ description: 'ISO weeks of churn, 1 to 104' }),
});

const count = z.number().int().min(0);

const ChurnPeriod = z
  .object({
    periodStart: z.iso.date().meta({ description: 'the first day of the day or ISO week (Monday), UTC' }),
    versions: count,
    majorVersions: count,
    minorVersions: count,
    patchVersions: count,
    newEntityTypes: count.meta({ description: 'entity types that entered the catalog' }),
    newFields: count,
    conflictsRaised: count,
    conflictsDecided: count,
    openConflicts: count.meta({ description: "the review queue's depth at the period's end (now, for the current)" }),
  })
  .meta({ id: 'ChurnPeriod' });

const QueryLatency = z
  .object({
    schemaVersion: z.number().int().nullable().meta({ description: 'null: before the first snapshot' }),
    mode: z.string(),
    executions: count,
    errors: count,
    p50Ms: z.number(),
    p95Ms: z.number(),
    p99Ms: z.number(),
    maxMs: z.number(),
    totalMs: z.number(),
    lastExecutedAt: z.iso.datetime(),
  })
  .meta({ id: 'QueryLatency' });

const EntityHealth = z
  .object({
    name: z.string(),
    status: z.enum(['candidate', 'active', 'stale', 'rejected', 'merged']),
    mergedInto: z.string().nullable(),
    occurrences: count,
    documents: count,
    proposals: count,
    aliases: count.meta({ description: 'names merged into this one' }),
    openConflicts: count.meta({ description: 'open conflicts naming it' }),
    share: z
      .number()
      .nullable()
      .meta({ description: 'its part of the occurrences of candidate, active and stale types' }),
    firstSeen: z.iso.datetime().nullable(),
    lastSeen: z.iso.datetime().nullable(),
    datasetNewestAt: z.iso.datetime().nullable().meta({ description: "its datasets' newest annotation" }),
    daysBehindDataset: z.number().nullable(),
    daysSinceSeen: z.number().nullable(),
    stale: z.boolean().meta({ description: 'discovery marked it stale' }),
    rare: z.boolean().meta({ description: 'candidate or active, with under 1% of the occurrences' }),
  })
  .meta({ id: 'EntityHealth' });

export const Metrics = z
  .object({
    generatedAt: z.iso.datetime(),
    schemaChurn: z.object({
      days: z.array(ChurnPeriod).meta({ description: 'the last `days` UTC days, oldest first, today last' }),
      weeks: z.array(ChurnPeriod).meta({ description: 'the last `weeks` ISO weeks, oldest first, this week last' }),
      totals: z.object({
        versions: count,
        newEntityTypes: count,
        newFields: count,
        conflictsRaised: count,
        conflictsDecided: count,
      }),
    }),
    slowQueries: z.array(QueryLatency).meta({ description: 'newest schema version first, then by mode' }),
    entityHealth: z.array(EntityHealth).meta({ description: 'every entity type, by name' }),
  })
  .meta({ id: 'Metrics' });

const getMetricsJson = describeRoute({
  summary: 'the operations views: schema churn, query latency, entity type health',
  tags: ['metrics'],
  access: 'read',
  query: MetricsQuery,
  responses: { 200: { description: 'the three views', schema: Metrics } },
});

metricsRoutes.get('/api/metrics', getMetricsJson, async (c) => {
  const { deps } = c.var;
  return c.json(await readMetrics(deps.warehouse, getMetricsJson.query(c), deps.clock()));
});

const getMetricsText = describeRoute({
  summary: 'the operations views in the Prometheus text format',
  description: 'Today and this week of schema churn, all-time counters, query latency summaries, entity type health.',
  tags: ['metrics'],
  access: 'read',
  responses: {
    200: {
      description: 'the exposition (text format 0.0.4)',
      schema: z.string(),
      contentType: 'text/plain; version=0.0.4',
    },
  },
});

metricsRoutes.get('/metrics', getMetricsText, async (c) => {
  const { deps } = c.var;
  const report = await readMetrics(deps.warehouse, { days: 1, weeks: 1 }, deps.clock());
  return c.body(renderExposition(metricFamilies(report)), 200, { 'content-type': EXPOSITION_CONTENT_TYPE });
});
