// The Prometheus text format writer (lib/metrics/prometheus.ts), the families /metrics exposes
// (lib/metrics/exposition.ts), and the test reader they are checked with (test/support/prometheus-text.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXPOSED_SCHEMA_VERSIONS, metricFamilies } from '../../lib/metrics/exposition.ts';
import { escapeHelp, escapeLabelValue, formatValue, renderExposition } from '../../lib/metrics/prometheus.ts';
import type { EntityHealth, MetricsReport, QueryLatency } from '../../lib/metrics/read.ts';
import { parseExposition, samplesOf } from '../support/prometheus-text.ts';

const HOSTILE = 'VESSEL "X" \\ {a="b",c}\nnext\r\t#😀';

describe('renderExposition', () => {
  it('writes HELP, TYPE and the samples of each family, a line feed after every line', () => {
    const text = renderExposition([
      { name: 'a_total', help: 'things', type: 'counter', samples: [{ value: 3 }] },
      {
        name: 'b_seconds',
        help: 'durations',
        type: 'summary',
        samples: [
          { labels: { mode: 'live', quantile: '0.5' }, value: 0.03 },
          { suffix: '_sum', labels: { mode: 'live' }, value: 0.2 },
          { suffix: '_count', labels: { mode: 'live' }, value: 5 },
        ],
      },
      { name: 'c', help: 'none yet', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP a_total things',
        '# TYPE a_total counter',
        'a_total 3',
        '# HELP b_seconds durations',
        '# TYPE b_seconds summary',
        'b_seconds{mode="live",quantile="0.5"} 0.03',
        'b_seconds_sum{mode="live"} 0.2',
        'b_seconds_count{mode="live"} 5',
        '# HELP c none yet',
        '# TYPE c gauge',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslash, double quote and line feed in label values, and nothing else', () => {
    expect(escapeLabelValue(HOSTILE)).toBe('VESSEL \\"X\\" \\\\ {a=\\"b\\",c}\\nnext\r\t#😀');
    const text = renderExposition([
      { name: 'x', help: 'h', type: 'gauge', samples: [{ labels: { name: HOSTILE }, value: 1 }] },
    ]);
    expect(text.split('\n')).toHaveLength(4);
    expect(samplesOf(parseExposition(text))).toEqual([
      { name: 'x', labels: { name: HOSTILE }, value: 1, type: 'gauge' },
    ]);
  });

  it('reads back any label value it wrote', () => {
    const unit = fc.oneof(
      fc.constantFrom('\\', '"', '\n', '\r', '{', '}', ',', '=', ' ', '\\n', '\\"', '#', '\u2028', '\0'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    // HELP is our own text; Prometheus skips blanks before it, so it never starts with one.
    const helpText = fc.string({ unit: 'binary' }).filter((h) => !/^[ \t]/.test(h));
    fc.assert(
      fc.property(
        fc.array(unit).map((parts) => parts.join('')),
        helpText,
        (value, help) => {
          const text = renderExposition([
            { name: 'm', help, type: 'gauge', samples: [{ labels: { v: value }, value: 2 }] },
          ]);
          const family = parseExposition(text).get('m');
          expect(family?.help).toBe(help);
          expect(family?.samples).toEqual([{ name: 'm', labels: { v: value }, value: 2 }]);
        },
      ),
    );
  });

  it('escapes backslash and line feed in HELP text', () => {
    expect(escapeHelp('a\\b\nc "d"')).toBe('a\\\\b\\nc "d"');
  });

  it('writes values as Prometheus reads them', () => {
    expect(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1 + 0.2, 1e-7, 12].map(formatValue),
    ).toEqual(['NaN', '+Inf', '-Inf', '0.30000000000000004', '1e-7', '12']);
  });

  it('refuses metric and label names that are not names, and a family twice: those are bugs, not data', () => {
    const family = { name: 'ok', help: '', type: 'gauge' as const, samples: [] };
    expect(() => renderExposition([{ ...family, name: 'bad-name' }])).toThrow('not a metric name: bad-name');
    expect(() => renderExposition([{ ...family, samples: [{ labels: { 'a b': 'x' }, value: 1 }] }])).toThrow(
      'not a label name: a b',
    );
    expect(() => renderExposition([{ ...family, samples: [{ labels: { __name__: 'x' }, value: 1 }] }])).toThrow(
      'not a label name: __name__',
    );
    expect(() => renderExposition([family, family])).toThrow('metric family ok twice');
  });
});

describe('the test reader', () => {
  it('refuses what Prometheus refuses', () => {
    expect(() => parseExposition('m{a="\\t"} 1\n')).toThrow('line 1: bad escape \\t in a');
    expect(() => parseExposition('m{a="x} 1\n')).toThrow('unterminated value of a');
    expect(() => parseExposition('m 1')).toThrow('does not end with a line feed');
    expect(() => parseExposition('m one\n')).toThrow('not a value: one');
    expect(() => parseExposition('# TYPE m gauge\n# TYPE m gauge\n')).toThrow('line 2: second TYPE for m');
    expect(() => parseExposition('m 1\nn 1\nm 2\n')).toThrow('line 3: m appears again after other families');
    expect(() => parseExposition('m 1\n# TYPE m gauge\n')).toThrow('TYPE for m after its samples');
  });
});

// ---- the families of a report ----------------------------------------------------------------------

const latency = (schemaVersion: number | null, overrides: Partial<QueryLatency> = {}): QueryLatency => ({
  schemaVersion,
  mode: 'live',
  executions: 2,
  errors: 0,
  p50Ms: 10,
  p95Ms: 20,
  p99Ms: 30,
  maxMs: 40,
  totalMs: 50,
  lastExecutedAt: new Date('2026-03-02T00:00:00Z'),
  ...overrides,
});

const entity = (name: string, overrides: Partial<EntityHealth> = {}): EntityHealth => ({
  name,
  status: 'active',
  mergedInto: null,
  occurrences: 10,
  documents: 2,
  proposals: 0,
  aliases: 0,
  openConflicts: 0,
  share: 0.5,
  firstSeen: null,
  lastSeen: new Date('2026-03-01T00:00:00Z'),
  datasetNewestAt: null,
  daysBehindDataset: null,
  daysSinceSeen: null,
  stale: false,
  rare: false,
  ...overrides,
});

const report = (overrides: Partial<MetricsReport> = {}): MetricsReport => ({
  generatedAt: new Date('2026-03-10T00:00:00Z'),
  schemaChurn: {
    days: [],
    weeks: [],
    totals: { versions: 0, newEntityTypes: 0, newFields: 0, conflictsRaised: 0, conflictsDecided: 0 },
  },
  slowQueries: [],
  entityHealth: [],
  ...overrides,
});

const exposed = (r: MetricsReport) => samplesOf(parseExposition(renderExposition(metricFamilies(r))));

describe('metricFamilies', () => {
  it(`exposes the latency of the newest ${EXPOSED_SCHEMA_VERSIONS} schema versions queried, and of none`, () => {
    const rows = [9, 8, 7, 6, 5, 4, 3].map((v) => latency(v)).concat(latency(null));
    const versions = exposed(report({ slowQueries: rows }))
      .filter((s) => s.name === 'living_schema_query_duration_seconds_count')
      .map((s) => s.labels.schema_version);
    expect(versions).toEqual(['9', '8', '7', '6', '5', 'none']);
  });

  it('gives candidate, active and stale types series of their own, and counts every status, zeros included', () => {
    const types = [
      entity(HOSTILE, { status: 'candidate', rare: true, lastSeen: null }),
      entity('PORT', { status: 'stale', stale: true }),
      entity('PORTS', { status: 'merged', mergedInto: 'PORT' }),
    ];
    const samples = exposed(report({ entityHealth: types }));
    expect(
      samples.filter((s) => s.name === 'living_schema_entity_types').map((s) => [s.labels.status, s.value]),
    ).toEqual([
      ['candidate', 1],
      ['active', 0],
      ['stale', 1],
      ['rejected', 0],
      ['merged', 1],
    ]);
    const named = (metric: string) => samples.filter((s) => s.name === metric).map((s) => [s.labels.name, s.value]);
    expect(named('living_schema_entity_type_rare')).toEqual([
      [HOSTILE, 1],
      ['PORT', 0],
    ]);
    // A type never seen has no last-seen sample, rather than a made-up one.
    expect(named('living_schema_entity_type_last_seen_timestamp_seconds')).toEqual([['PORT', 1772323200]]);
  });

  it('exposes an empty warehouse as zeros and empty families, every family with HELP and TYPE', () => {
    const families = parseExposition(renderExposition(metricFamilies(report())));
    expect([...families.values()].every((f) => f.help !== undefined && f.type !== undefined)).toBe(true);
    expect(families.get('living_schema_conflicts_open')?.samples).toEqual([
      { name: 'living_schema_conflicts_open', labels: {}, value: 0 },
    ]);
    expect(families.get('living_schema_query_duration_seconds')?.samples).toEqual([]);
  });
});
