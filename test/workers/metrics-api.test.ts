// The operations views (migration 0012) over the rows of metrics-fixture.ts, exactly, and what the main Worker
// serves of them: GET /api/metrics (JSON, as its OpenAPI schema says) and GET /metrics (Prometheus text, read
// back by a strict parser, hostile names included).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import worker from '../../workers/main/index.ts';
import { Metrics } from '../../workers/main/routes/metrics.ts';
import { migratedDatabase } from '../support/databases.ts';
import { HOSTILE, seedMetrics } from './metrics-fixture.ts';

let db: { url: string; warehouse: Warehouse };
/** Today in UTC as the warehouse sees it (the views' now()). */
let today: string;

beforeAll(async () => {
  db = await migratedDatabase('metrics_api');
  await seedMetrics(db.warehouse);
  const [row] = await db.warehouse.query<{ today: string }>(
    `SELECT (now() AT TIME ZONE 'UTC')::DATE::VARCHAR AS today`,
  );
  today = row?.today as string;
});

afterAll(async () => {
  await db.warehouse.close();
});

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

/** `date` plus `days` days, as YYYY-MM-DD. */
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));

/** A schema_churn row: the view's column order, counts as the wire sends BIGINT (text). */
function churn(grain: string, start: string, counts: Partial<Record<string, number>> = {}) {
  const n = (key: string) => String(counts[key] ?? 0);
  return {
    grain,
    period_start: start,
    versions: n('versions'),
    major_versions: n('major'),
    minor_versions: n('minor'),
    patch_versions: n('patch'),
    new_entity_types: n('types'),
    new_fields: n('fields'),
    conflicts_raised: n('raised'),
    conflicts_decided: n('decided'),
    open_conflicts: String(counts.open ?? 1),
  };
}

describe('schema_churn', () => {
  it('counts each UTC day and ISO week: versions by bump, new names, conflicts raised, decided and open', async () => {
    const rows = await db.warehouse.query(
      `SELECT * EXCLUDE (period_start), period_start::VARCHAR AS period_start FROM schema_churn
       WHERE period_start < DATE '2026-03-12' ORDER BY grain, period_start`,
    );
    const reorder = rows.map(({ grain, period_start, ...rest }) => ({ grain, period_start, ...rest }));
    expect(reorder).toEqual([
      churn('day', '2026-03-02', { versions: 2, minor: 1, patch: 1, types: 2, raised: 1 }),
      churn('day', '2026-03-03', { types: 1, raised: 1, open: 2 }),
      churn('day', '2026-03-04', { versions: 1, minor: 1, fields: 3, decided: 1 }),
      churn('day', '2026-03-05'),
      churn('day', '2026-03-06'),
      churn('day', '2026-03-07'),
      churn('day', '2026-03-08'),
      churn('day', '2026-03-09', { versions: 1, major: 1, types: 1, fields: 1 }),
      churn('day', '2026-03-10', { types: 3, raised: 1, decided: 1 }),
      churn('day', '2026-03-11'),
      churn('week', '2026-03-02', { versions: 3, minor: 2, patch: 1, types: 3, fields: 3, raised: 2, decided: 1 }),
      churn('week', '2026-03-09', { versions: 1, major: 1, types: 4, fields: 1, raised: 1, decided: 1 }),
    ]);
  });

  it('goes on to today, every day and week present, today with the snapshot and the conflict of now', async () => {
    const [span] = await db.warehouse.query<Record<string, unknown>>(
      `SELECT count(*) FILTER (WHERE grain = 'day')::INTEGER AS days, count(*) FILTER (WHERE grain = 'week')::INTEGER AS weeks,
              max(period_start) FILTER (WHERE grain = 'day')::VARCHAR AS last_day,
              max(period_start) FILTER (WHERE grain = 'week')::VARCHAR AS last_week
       FROM schema_churn`,
    );
    const days = (Date.parse(today) - Date.parse('2026-03-02')) / 86_400_000 + 1;
    const weeks = (Date.parse(mondayOf(today)) - Date.parse('2026-03-02')) / (7 * 86_400_000) + 1;
    expect(span).toEqual({ days, weeks, last_day: today, last_week: mondayOf(today) });
    const [now] = await db.warehouse.query(
      `SELECT * EXCLUDE (period_start), period_start::VARCHAR AS period_start FROM schema_churn
       WHERE grain = 'day' AND period_start = (now() AT TIME ZONE 'UTC')::DATE`,
    );
    expect(now).toEqual({ ...churn('day', today, { versions: 1, minor: 1, raised: 1, open: 2 }) });
  });
});

describe('slow_queries', () => {
  it('has p50, p95 and p99 (interpolated) per schema version and mode, over executions with a duration', async () => {
    expect(
      await db.warehouse.query('SELECT * FROM slow_queries ORDER BY schema_version DESC NULLS LAST, mode'),
    ).toEqual([
      {
        schema_version: 3,
        mode: 'live',
        executions: '5',
        errors: '1',
        p50_ms: 30,
        p95_ms: 88,
        p99_ms: 97.6,
        max_ms: 100,
        total_ms: '200',
        last_executed_at: new Date('2026-03-05T10:04:00Z'),
      },
      {
        schema_version: 3,
        mode: 'time_travel',
        executions: '1',
        errors: '1',
        p50_ms: 500,
        p95_ms: 500,
        p99_ms: 500,
        max_ms: 500,
        total_ms: '500',
        last_executed_at: new Date('2026-03-05T11:00:00Z'),
      },
      {
        schema_version: 2,
        mode: 'live',
        executions: '2',
        errors: '0',
        p50_ms: 10,
        p95_ms: 14.5,
        p99_ms: 14.9,
        max_ms: 15,
        total_ms: '20',
        last_executed_at: new Date('2026-03-03T11:00:00Z'),
      },
      {
        schema_version: null,
        mode: 'live',
        executions: '1',
        errors: '0',
        p50_ms: 7,
        p95_ms: 7,
        p99_ms: 7,
        max_ms: 7,
        total_ms: '7',
        last_executed_at: new Date('2026-03-01T10:00:00Z'),
      },
    ]);
  });
});

/** An entity_health row of the fixture, in the API's camelCase; `lastSeen` and `newest` as ISO instants. */
function health(name: string, row: Record<string, unknown>) {
  return {
    name,
    status: 'active',
    mergedInto: null,
    occurrences: 0,
    documents: 0,
    proposals: 0,
    aliases: 0,
    openConflicts: 0,
    share: null,
    firstSeen: row.lastSeen ?? null,
    lastSeen: null,
    datasetNewestAt: '2026-03-05T12:00:00.000Z',
    daysBehindDataset: null,
    stale: false,
    rare: false,
    ...row,
  };
}

const HEALTH = [
  health('FLAG_STATE', {
    occurrences: 2,
    documents: 2,
    share: 0.01,
    lastSeen: '2026-03-05T12:00:00.000Z',
    daysBehindDataset: 0,
  }),
  health('IMO_NUMBER', {
    occurrences: 45,
    documents: 30,
    share: 0.225,
    lastSeen: '2026-03-10T00:00:00.000Z',
    datasetNewestAt: '2026-03-20T00:00:00.000Z',
    daysBehindDataset: 10,
  }),
  health('MISSPELT', {
    status: 'rejected',
    occurrences: 3,
    documents: 1,
    lastSeen: '2026-03-01T00:00:00.000Z',
    daysBehindDataset: 4.5,
  }),
  health('PORT', {
    status: 'stale',
    occurrences: 2,
    documents: 1,
    share: 0.01,
    lastSeen: '2026-01-01T00:00:00.000Z',
    datasetNewestAt: '2026-02-15T00:00:00.000Z',
    daysBehindDataset: 45,
    stale: true,
  }),
  health(HOSTILE, {
    status: 'candidate',
    occurrences: 1,
    documents: 1,
    proposals: 1,
    openConflicts: 1,
    share: 0.005,
    datasetNewestAt: '2026-02-15T00:00:00.000Z',
    rare: true,
  }),
  health('VESSEL_NAM', {
    status: 'merged',
    mergedInto: 'VESSEL_NAME',
    occurrences: 5,
    documents: 5,
    lastSeen: '2026-03-01T00:00:00.000Z',
    daysBehindDataset: 4.5,
  }),
  health('VESSEL_NAME', {
    occurrences: 150,
    documents: 40,
    aliases: 1,
    openConflicts: 1,
    share: 0.75,
    lastSeen: '2026-03-01T00:00:00.000Z',
    daysBehindDataset: 4.5,
  }),
];

/** daysSinceSeen is measured against the warehouse's clock: within a minute of this one's. */
function expectDaysSinceSeen(rows: readonly { lastSeen: string | null; daysSinceSeen: number | null }[]): void {
  for (const r of rows) {
    if (r.lastSeen === null) expect(r.daysSinceSeen).toBeNull();
    else
      expect(Math.abs((r.daysSinceSeen ?? 0) - (Date.now() - Date.parse(r.lastSeen)) / 86_400_000)).toBeLessThan(
        60 / 86_400,
      );
  }
}

describe('GET /api/metrics', () => {
  it('answers the three views in the documented shape: churn cut to ?days and ?weeks, totals, latency, health', async () => {
    const response = await api('/api/metrics?days=3&weeks=2');
    expect(response.status).toBe(200);
    const body = Metrics.parse(await response.json());
    const quiet = (periodStart: string) => ({
      periodStart,
      versions: 0,
      majorVersions: 0,
      minorVersions: 0,
      patchVersions: 0,
      newEntityTypes: 0,
      newFields: 0,
      conflictsRaised: 0,
      conflictsDecided: 0,
      openConflicts: 1,
    });
    const now = (periodStart: string) => ({
      ...quiet(periodStart),
      versions: 1,
      minorVersions: 1,
      conflictsRaised: 1,
      openConflicts: 2,
    });
    expectDaysSinceSeen(body.entityHealth);
    expect({ ...body, entityHealth: body.entityHealth.map(({ daysSinceSeen: _, ...r }) => r) }).toEqual({
      generatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      schemaChurn: {
        days: [quiet(addDays(today, -2)), quiet(addDays(today, -1)), now(today)],
        weeks: [quiet(addDays(mondayOf(today), -7)), now(mondayOf(today))],
        totals: { versions: 5, newEntityTypes: 7, newFields: 4, conflictsRaised: 4, conflictsDecided: 2 },
      },
      slowQueries: [
        {
          schemaVersion: 3,
          mode: 'live',
          executions: 5,
          errors: 1,
          p50Ms: 30,
          p95Ms: 88,
          p99Ms: 97.6,
          maxMs: 100,
          totalMs: 200,
          lastExecutedAt: '2026-03-05T10:04:00.000Z',
        },
        {
          schemaVersion: 3,
          mode: 'time_travel',
          executions: 1,
          errors: 1,
          p50Ms: 500,
          p95Ms: 500,
          p99Ms: 500,
          maxMs: 500,
          totalMs: 500,
          lastExecutedAt: '2026-03-05T11:00:00.000Z',
        },
        {
          schemaVersion: 2,
          mode: 'live',
          executions: 2,
          errors: 0,
          p50Ms: 10,
          p95Ms: 14.5,
          p99Ms: 14.9,
          maxMs: 15,
          totalMs: 20,
          lastExecutedAt: '2026-03-03T11:00:00.000Z',
        },
        {
          schemaVersion: null,
          mode: 'live',
          executions: 1,
          errors: 0,
          p50Ms: 7,
          p95Ms: 7,
          p99Ms: 7,
          maxMs: 7,
          totalMs: 7,
          lastExecutedAt: '2026-03-01T10:00:00.000Z',
        },
      ],
      entityHealth: HEALTH,
    });
  });

  it('defaults to 30 days and 12 weeks, and refuses a window out of bounds, naming it', async () => {
    const body = Metrics.parse(await (await api('/api/metrics')).json());
    expect([body.schemaChurn.days.length, body.schemaChurn.weeks.length]).toEqual([30, 12]);
    const refused = await api('/api/metrics?days=0&weeks=105');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'days: Too small: expected number to be >=1; weeks: Too big: expected number to be <=104',
      },
    });
  });

  it('is in the OpenAPI document with its schema as a component', async () => {
    const document = (await (await api('/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.paths['/api/metrics']?.get.responses['200']?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Metrics',
    });
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Metrics', 'ChurnPeriod', 'QueryLatency', 'EntityHealth']),
    );
    expect(Object.keys(document.paths['/metrics']?.get.responses['200']?.content ?? {})).toEqual([
      'text/plain; version=0.0.4',
    ]);
  });
});
