// The demo's printed summary (tools/demo/summary.ts): aligned columns, conflicts in words, the report's change.
import { describe, expect, it } from 'vitest';
import type { DemoFacts, DemoRun } from '../../tools/demo/run.ts';
import { formatSummary, table } from '../../tools/demo/summary.ts';

function buildRun(overrides: Partial<DemoRun> = {}): DemoRun {
  return {
    seed: 19,
    reset: null,
    months: [
      {
        month: 1,
        files: [
          {
            bucket: 'vessel-csv',
            key: 'port_calls/2026-10/a.csv',
            status: 'loaded',
            rows: 18,
            target: 'structured_data',
            detail: null,
          },
        ],
        annotations: { files: 2, rows: 181, responses: 36, deleted: 0, matches: true },
      },
      {
        month: 2,
        files: [
          {
            bucket: 'vessel-csv',
            key: 'port_calls/2026-11/a.csv',
            status: 'ignored',
            rows: 0,
            target: 'structured_data',
            detail: null,
          },
        ],
        annotations: { files: 0, rows: 0, responses: 0, deleted: 0, matches: true },
      },
    ],
    report: { id: 'r1', created: true },
    ...overrides,
  };
}

function buildFacts(overrides: Partial<DemoFacts> = {}): DemoFacts {
  return {
    tables: [
      { table: 'structured_data', rows: 18 },
      { table: 'annotations', rows: 181 },
    ],
    schema: null,
    conflicts: [
      {
        id: 'c1',
        kind: 'field',
        source: 'port_calls',
        newName: 'vessel_nme',
        existingName: 'vessel_name',
        score: 0.909,
        reasons: [{ kind: 'similar', similarity: 0.909, distance: 1 }],
        status: 'open',
      },
    ],
    openConflicts: 1,
    versions: [{ version: 2, semver: '0.2.0', publishedAt: '2026-12-07T14:41:09.907Z', bump: 'minor' }],
    versionsTotal: 2,
    slack: { receivedAt: '2026-12-07T14:41:10.151Z', text: 'Schema v2 published\nsecond line' },
    report: {
      id: 'r1',
      runs: [
        { run: 2, status: 'ok', changed: true, why: { summary: '1 row added' }, rowCount: 8 },
        { run: 1, status: 'ok', changed: null, why: null, rowCount: 7 },
      ],
      diff: null,
      lastChange: null,
    },
    consoleUrl: 'http://127.0.0.1:8787/',
    ...overrides,
  };
}

describe('the demo summary', () => {
  it('pads columns to their widest cell and leaves no trailing space', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ccc', 'd', ''],
      ]),
    ).toEqual(['  a    bb  c', '  ccc  d']);
  });

  it('says what each file did, a duplicate as a no-op, and the totals', () => {
    const text = formatSummary(buildRun(), buildFacts());
    expect(text).toContain('  2026-10  vessel-csv/port_calls/2026-10/a.csv      loaded 18 rows into structured_data\n');
    expect(text).toContain('already loaded: the same bytes are the current version (a no-op)');
    expect(text).toContain('nothing new in Argilla since the last backfill (a no-op)');
    expect(text).toContain('  this run loaded: structured_data 18, annotations 181 (1 file already loaded)\n');
  });

  it('puts each conflict with its reasons in words, the digest, the versions, the report change and the console', () => {
    const text = formatSummary(buildRun(), buildFacts());
    expect(text).toContain(
      'Conflicts to review (1 open)\n  vessel_nme ~ vessel_name  (field of port_calls, score 0.91)\n      91% similar (1 edit apart)\n',
    );
    expect(text).toContain('  | Schema v2 published\n  | second line\n');
    expect(text).toContain('  v2       0.2.0   minor');
    expect(text).toContain('  run 2: changed: yes (1 row added)\n');
    expect(text.endsWith('\nConsole: http://127.0.0.1:8787/\n')).toBe(true);
  });

  it('names the last change when the newest run changed nothing', () => {
    const last = { run: 2, status: 'ok', changed: true, why: { summary: '1 row added' }, rowCount: 8 };
    const text = formatSummary(
      buildRun({ report: { id: 'r1', created: false } }),
      buildFacts({
        report: {
          id: 'r1',
          runs: [
            { run: 3, status: 'ok', changed: false, why: { summary: 'result unchanged; no new loads' }, rowCount: 8 },
            last,
          ],
          diff: null,
          lastChange: last,
        },
      }),
    );
    expect(text).toContain('(saved by an earlier run, id r1)');
    expect(text).toContain(
      '  run 3: changed: no (result unchanged; no new loads)\n  last change, run 2: 1 row added\n',
    );
  });
});
