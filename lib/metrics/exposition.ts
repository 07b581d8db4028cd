// The metrics report as Prometheus metric families (docs/metrics.md lists them): the current day's and week's
// churn and all-time counters, query latency as a summary per schema version and mode, and entity type health.
import type { MetricFamily, Sample } from './prometheus.ts';
import type { ChurnPeriod, MetricsReport, QueryLatency } from './read.ts';

/** Schema versions whose query latency /metrics exposes (the newest ones queried), so series stay bounded. */
export const EXPOSED_SCHEMA_VERSIONS = 5;

/** Entity type statuses, every one exposed (0 when none has it). */
const STATUSES = ['candidate', 'active', 'stale', 'rejected', 'merged'] as const;

/** Statuses whose types get series of their own; rejected and merged names are decisions, not data. */
const LIVE = new Set(['candidate', 'active', 'stale']);

const QUANTILES = [
  ['0.5', 'p50Ms'],
  ['0.95', 'p95Ms'],
  ['0.99', 'p99Ms'],
] as const;

const gauge = (name: string, help: string, samples: readonly Sample[]): MetricFamily => ({
  name,
  help,
  type: 'gauge',
  samples,
});
const counter = (name: string, help: string, value: number): MetricFamily => ({
  name,
  help,
  type: 'counter',
  samples: [{ value }],
});

function churnFamilies(churn: MetricsReport['schemaChurn']): MetricFamily[] {
  const current: [string, ChurnPeriod | undefined][] = [
    ['day', churn.days.at(-1)],
    ['week', churn.weeks.at(-1)],
  ];
  const perPeriod = (name: string, help: string, pick: (p: ChurnPeriod) => number) =>
    gauge(
      name,
      `${help} in the current UTC day (period="day") or ISO week (period="week")`,
      current.flatMap(([period, p]) => (p ? [{ labels: { period }, value: pick(p) }] : [])),
    );
  return [
    perPeriod('living_schema_churn_versions', 'Schema snapshots published', (p) => p.versions),
    perPeriod('living_schema_churn_new_entity_types', 'Entity types that entered the catalog', (p) => p.newEntityTypes),
    perPeriod('living_schema_churn_new_fields', 'Fields that entered the catalog', (p) => p.newFields),
    perPeriod('living_schema_churn_conflicts_raised', 'Naming conflicts raised', (p) => p.conflictsRaised),
    perPeriod('living_schema_churn_conflicts_decided', 'Naming conflicts decided', (p) => p.conflictsDecided),
    gauge('living_schema_conflicts_open', 'Naming conflicts waiting for review (the queue depth)', [
      { value: churn.days.at(-1)?.openConflicts ?? 0 },
    ]),
    counter('living_schema_versions_total', 'Schema snapshots ever published', churn.totals.versions),
    counter('living_schema_entity_types_created_total', 'Entity types ever recorded', churn.totals.newEntityTypes),
    counter('living_schema_fields_created_total', 'Fields ever recorded', churn.totals.newFields),
    counter('living_schema_conflicts_raised_total', 'Naming conflicts ever raised', churn.totals.conflictsRaised),
    counter('living_schema_conflicts_decided_total', 'Naming conflicts ever decided', churn.totals.conflictsDecided),
  ];
}

/** The rows of the newest EXPOSED_SCHEMA_VERSIONS versions, and those from before the first snapshot. */
function exposedLatency(rows: readonly QueryLatency[]): QueryLatency[] {
  const versions = [...new Set(rows.flatMap((r) => (r.schemaVersion === null ? [] : [r.schemaVersion])))]
    .sort((a, b) => b - a)
    .slice(0, EXPOSED_SCHEMA_VERSIONS);
  return rows.filter((r) => r.schemaVersion === null || versions.includes(r.schemaVersion));
}

function queryFamilies(rows: readonly QueryLatency[]): MetricFamily[] {
  const exposed = exposedLatency(rows);
  const labels = (r: QueryLatency) => ({
    schema_version: r.schemaVersion === null ? 'none' : String(r.schemaVersion),
    mode: r.mode,
  });
  return [
    {
      name: 'living_schema_query_duration_seconds',
      help: 'Duration of queries through the query API, by schema version and mode (every execution so far)',
      type: 'summary',
      samples: exposed.flatMap((r) => [
        ...QUANTILES.map(([quantile, key]) => ({ labels: { ...labels(r), quantile }, value: r[key] / 1000 })),
        { suffix: '_sum' as const, labels: labels(r), value: r.totalMs / 1000 },
        { suffix: '_count' as const, labels: labels(r), value: r.executions },
      ]),
    },
    {
      name: 'living_schema_query_errors_total',
      help: 'Queries that failed or were refused, by schema version and mode',
      type: 'counter',
      samples: exposed.map((r) => ({ labels: labels(r), value: r.errors })),
    },
    gauge(
      'living_schema_query_duration_max_seconds',
      'The slowest query so far, by schema version and mode',
      exposed.map((r) => ({ labels: labels(r), value: r.maxMs / 1000 })),
    ),
  ];
}

function entityFamilies(types: MetricsReport['entityHealth']): MetricFamily[] {
  const live = types.filter((t) => LIVE.has(t.status));
  const perType = (name: string, help: string, pick: (t: (typeof live)[number]) => number | null) =>
    gauge(
      name,
      help,
      live.flatMap((t) => {
        const value = pick(t);
        return value === null ? [] : [{ labels: { name: t.name }, value }];
      }),
    );
  return [
    gauge(
      'living_schema_entity_types',
      'Entity types in the catalog, by status',
      STATUSES.map((status) => ({ labels: { status }, value: types.filter((t) => t.status === status).length })),
    ),
    gauge('living_schema_entity_types_stale', 'Entity types discovery marked stale', [
      { value: types.filter((t) => t.stale).length },
    ]),
    gauge('living_schema_entity_types_rare', 'Candidate and active entity types with under 1% of the occurrences', [
      { value: types.filter((t) => t.rare).length },
    ]),
    perType(
      'living_schema_entity_type_occurrences',
      'Current submitted spans of the entity type',
      (t) => t.occurrences,
    ),
    perType(
      'living_schema_entity_type_last_seen_timestamp_seconds',
      'When the entity type was last annotated (Unix time)',
      (t) => (t.lastSeen ? t.lastSeen.getTime() / 1000 : null),
    ),
    perType(
      'living_schema_entity_type_days_behind_dataset',
      "Days between the entity type's last sighting and its datasets' newest annotation",
      (t) => t.daysBehindDataset,
    ),
    perType('living_schema_entity_type_stale', '1 when discovery marked the entity type stale', (t) => Number(t.stale)),
    perType('living_schema_entity_type_rare', '1 when the entity type has under 1% of the occurrences', (t) =>
      Number(t.rare),
    ),
  ];
}

/** Every metric family /metrics exposes, in a fixed order. */
export function metricFamilies(report: MetricsReport): MetricFamily[] {
  return [
    ...churnFamilies(report.schemaChurn),
    ...queryFamilies(report.slowQueries),
    ...entityFamilies(report.entityHealth),
  ];
}
