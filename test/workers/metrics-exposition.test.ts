// GET /metrics over the rows of metrics-fixture.ts, read back by a strict Prometheus text parser: every family
// with HELP and TYPE, every sample exactly, hostile entity type names escaped and read back as they are; and the
// Grafana dashboard in dashboards/: a valid model whose every query names a metric /metrics exposes.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import dashboard from '../../dashboards/living-schema.json';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { type ParsedFamily, parseExposition, samplesOf } from '../support/prometheus-text.ts';
import { HOSTILE, seedMetrics } from './metrics-fixture.ts';

let db: { url: string; warehouse: Warehouse };
let text: string;
let families: Map<string, ParsedFamily>;

async function api(path: string, headers: Record<string, string> = {}, extra: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, { headers }),
    { ...env, WAREHOUSE_URL: db.url, ...extra },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

beforeAll(async () => {
  db = await migratedDatabase('metrics_exposition');
  await seedMetrics(db.warehouse);
  const response = await api('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  text = await response.text();
  families = parseExposition(text);
});

afterAll(async () => {
  await db.warehouse.close();
});

const seconds = (iso: string) => Date.parse(iso) / 1000;
type Expected = [name: string, labels: Record<string, string>, value: number];
const latency = (version: string, mode: string, [p50, p95, p99, sum, count]: number[]): Expected[] => {
  const labels = { schema_version: version, mode };
  return [
    ['living_schema_query_duration_seconds', { ...labels, quantile: '0.5' }, (p50 as number) / 1000],
    ['living_schema_query_duration_seconds', { ...labels, quantile: '0.95' }, (p95 as number) / 1000],
    ['living_schema_query_duration_seconds', { ...labels, quantile: '0.99' }, (p99 as number) / 1000],
    ['living_schema_query_duration_seconds_sum', labels, (sum as number) / 1000],
    ['living_schema_query_duration_seconds_count', labels, count as number],
  ];
};
const perType = (metric: string, values: [string, number][]): Expected[] =>
  values.map(([name, value]) => [`living_schema_entity_type_${metric}`, { name }, value]);
const periods = (metric: string, day: number, week: number): Expected[] => [
  [`living_schema_churn_${metric}`, { period: 'day' }, day],
  [`living_schema_churn_${metric}`, { period: 'week' }, week],
];

describe('GET /metrics', () => {
  it('exposes every family with HELP and its type', () => {
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toEqual({
      living_schema_churn_versions: 'gauge',
      living_schema_churn_new_entity_types: 'gauge',
      living_schema_churn_new_fields: 'gauge',
      living_schema_churn_conflicts_raised: 'gauge',
      living_schema_churn_conflicts_decided: 'gauge',
      living_schema_conflicts_open: 'gauge',
      living_schema_versions_total: 'counter',
      living_schema_entity_types_created_total: 'counter',
      living_schema_fields_created_total: 'counter',
      living_schema_conflicts_raised_total: 'counter',
      living_schema_conflicts_decided_total: 'counter',
      living_schema_query_duration_seconds: 'summary',
      living_schema_query_errors_total: 'counter',
      living_schema_query_duration_max_seconds: 'gauge',
      living_schema_entity_types: 'gauge',
      living_schema_entity_types_stale: 'gauge',
      living_schema_entity_types_rare: 'gauge',
      living_schema_entity_type_occurrences: 'gauge',
      living_schema_entity_type_last_seen_timestamp_seconds: 'gauge',
      living_schema_entity_type_days_behind_dataset: 'gauge',
      living_schema_entity_type_stale: 'gauge',
      living_schema_entity_type_rare: 'gauge',
    });
    expect([...families.values()].filter((f) => !f.help)).toEqual([]);
  });

  it("has today's and this week's churn, the counters, latency per version and mode, and each type's health", () => {
    const expected: Expected[] = [
      ...periods('versions', 1, 1),
      ...periods('new_entity_types', 0, 0),
      ...periods('new_fields', 0, 0),
      ...periods('conflicts_raised', 1, 1),
      ...periods('conflicts_decided', 0, 0),
      ['living_schema_conflicts_open', {}, 2],
      ['living_schema_versions_total', {}, 5],
      ['living_schema_entity_types_created_total', {}, 7],
      ['living_schema_fields_created_total', {}, 4],
      ['living_schema_conflicts_raised_total', {}, 4],
      ['living_schema_conflicts_decided_total', {}, 2],
      ...latency('3', 'live', [30, 88, 97.6, 200, 5]),
      ...latency('3', 'time_travel', [500, 500, 500, 500, 1]),
      ...latency('2', 'live', [10, 14.5, 14.9, 20, 2]),
      ...latency('none', 'live', [7, 7, 7, 7, 1]),
      ['living_schema_query_errors_total', { schema_version: '3', mode: 'live' }, 1],
      ['living_schema_query_errors_total', { schema_version: '3', mode: 'time_travel' }, 1],
      ['living_schema_query_errors_total', { schema_version: '2', mode: 'live' }, 0],
      ['living_schema_query_errors_total', { schema_version: 'none', mode: 'live' }, 0],
      ['living_schema_query_duration_max_seconds', { schema_version: '3', mode: 'live' }, 0.1],
      ['living_schema_query_duration_max_seconds', { schema_version: '3', mode: 'time_travel' }, 0.5],
      ['living_schema_query_duration_max_seconds', { schema_version: '2', mode: 'live' }, 0.015],
      ['living_schema_query_duration_max_seconds', { schema_version: 'none', mode: 'live' }, 0.007],
      ['living_schema_entity_types', { status: 'candidate' }, 1],
      ['living_schema_entity_types', { status: 'active' }, 3],
      ['living_schema_entity_types', { status: 'stale' }, 1],
      ['living_schema_entity_types', { status: 'rejected' }, 1],
      ['living_schema_entity_types', { status: 'merged' }, 1],
      ['living_schema_entity_types_stale', {}, 1],
      ['living_schema_entity_types_rare', {}, 1],
      // Candidate, active and stale types only, by name; the hostile one was never seen, so has no last-seen.
      ...perType('occurrences', [
        ['FLAG_STATE', 2],
        ['IMO_NUMBER', 45],
        ['PORT', 2],
        [HOSTILE, 1],
        ['VESSEL_NAME', 150],
      ]),
      ...perType('last_seen_timestamp_seconds', [
        ['FLAG_STATE', seconds('2026-03-05T12:00:00Z')],
        ['IMO_NUMBER', seconds('2026-03-10T00:00:00Z')],
        ['PORT', seconds('2026-01-01T00:00:00Z')],
        ['VESSEL_NAME', seconds('2026-03-01T00:00:00Z')],
      ]),
      ...perType('days_behind_dataset', [
        ['FLAG_STATE', 0],
        ['IMO_NUMBER', 10],
        ['PORT', 45],
        ['VESSEL_NAME', 4.5],
      ]),
      ...perType('stale', [
        ['FLAG_STATE', 0],
        ['IMO_NUMBER', 0],
        ['PORT', 1],
        [HOSTILE, 0],
        ['VESSEL_NAME', 0],
      ]),
      ...perType('rare', [
        ['FLAG_STATE', 0],
        ['IMO_NUMBER', 0],
        ['PORT', 0],
        [HOSTILE, 1],
        ['VESSEL_NAME', 0],
      ]),
    ];
    expect(samplesOf(families).map(({ name, labels, value }) => [name, labels, value])).toEqual(expected);
  });

  it('escapes backslash, quote and line feed of a hostile name, so it stays on one line and reads back whole', () => {
    expect(text).toContain(
      'living_schema_entity_type_occurrences{name="VESSEL \\"X\\" \\\\ {a=\\"b\\",c}\\nnext\r😀\\\\"} 1\n',
    );
    expect(text.split('\n').filter((line) => line.startsWith('next'))).toEqual([]);
  });

  it('follows READ_AUTH: with READ_AUTH=token a scrape needs the bearer token', async () => {
    const tokenReads = { READ_AUTH: 'token' } as Partial<Env>;
    expect((await api('/metrics', {}, tokenReads)).status).toBe(401);
    expect((await api('/metrics', { authorization: `Bearer ${TEST_API_TOKEN}` }, tokenReads)).status).toBe(200);
  });

  it('answers 503 in the one error shape when the warehouse is down, not an empty exposition', async () => {
    const response = await api('/metrics', {}, { WAREHOUSE_URL: 'postgres://postgres:x@127.0.0.1:1/none' });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'warehouse_unavailable' } });
  });
});

// ---- the Grafana dashboard ---------------------------------------------------------------------------

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
const Datasource = z.strictObject({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const GridPos = z
  .strictObject({
    x: z.number().int().min(0),
    y: z.number().int().min(0),
    w: z.number().int().min(1),
    h: z.number().int().min(1),
  })
  .refine((g) => g.x + g.w <= 24, 'a panel is at most 24 columns wide');
const Target = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: Datasource,
  expr: z.string().min(1),
  legendFormat: z.string(),
});
const Panel = z.object({
  id: z.number().int().min(1),
  type: z.enum(['stat', 'timeseries', 'table', 'bargauge']),
  title: z.string().min(1),
  description: z.string().min(1),
  datasource: Datasource,
  gridPos: GridPos,
  targets: z.array(Target).min(1),
  fieldConfig: z.object({ defaults: z.record(z.string(), z.unknown()), overrides: z.array(z.unknown()) }),
  options: z.record(z.string(), z.unknown()),
});
const Row = z.object({
  id: z.number().int().min(1),
  type: z.literal('row'),
  title: z.string().min(1),
  gridPos: GridPos,
  collapsed: z.literal(false),
  panels: z.array(z.never()),
});
const Variable = z.discriminatedUnion('type', [
  z.object({ type: z.literal('datasource'), name: z.literal('datasource'), query: z.literal('prometheus') }),
  z.object({
    type: z.literal('query'),
    name: z.string(),
    datasource: Datasource,
    query: z.object({ query: z.string() }),
  }),
]);
const Dashboard = z.object({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(36),
  version: z.number().int(),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({ list: z.array(Variable) }),
  panels: z.array(z.union([Row, Panel])),
});

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
]);

/** The metric names a PromQL expression reads: identifiers outside strings, matchers, ranges and label lists, not called. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !PROMQL_WORDS.has(m[1] as string))
    .map((m) => m[1] as string);
}

describe('dashboards/living-schema.json', () => {
  const model = Dashboard.parse(dashboard);
  const panels = model.panels.filter((p): p is z.infer<typeof Panel> => p.type !== 'row');

  it('is a Grafana dashboard model: unique ids, panels on the 24-column grid without overlap, one refId each', () => {
    const ids = model.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const overlaps = model.panels.flatMap((a, i) =>
      model.panels.slice(i + 1).flatMap((b) => {
        const [p, q] = [a.gridPos, b.gridPos];
        const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
        return apart ? [] : [`${a.title} / ${b.title}`];
      }),
    );
    expect(overlaps).toEqual([]);
    for (const p of panels) expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
    expect(panels.length).toBeGreaterThan(10);
  });

  it('queries only metrics /metrics exposes, each query naming at least one', () => {
    const exposed = new Set(samplesOf(families).map((s) => s.name));
    const variables = model.templating.list.flatMap((v) =>
      v.type === 'query' ? [/^label_values\(([^,]+),\s*\w+\)$/.exec(v.query.query)?.[1] ?? v.query.query] : [],
    );
    const exprs = [...panels.flatMap((p) => p.targets.map((t) => t.expr)), ...variables];
    const read = exprs.map((expr) => ({ expr, names: metricNames(expr) }));
    expect(read.filter((r) => r.names.length === 0)).toEqual([]);
    expect(read.flatMap((r) => r.names.filter((n) => !exposed.has(n)).map((n) => `${r.expr}: ${n}`))).toEqual([]);
    // Every family is on the dashboard, and the reader sees through functions, matchers and ranges.
    const shown = new Set(read.flatMap((r) => r.names).map((n) => n.replace(/_(sum|count)$/, '')));
    expect([...families.keys()].filter((f) => !shown.has(f))).toEqual([]);
    expect(metricNames('sum by (mode) (rate(a_total{mode=~"$mode"}[5m])) / on (x) b')).toEqual(['a_total', 'b']);
  });
});
