// The pure core of saved reports: the canonical result encoding, the diff of two results (with property
// tests), the Parquet file a run's result is stored as (written, read back, read by DuckDB, tampering
// refused) and the Slack digest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_LIMITS } from '../../lib/notify/slack-message.ts';
import { canonicalJson, canonicalResult, resultHash } from '../../lib/query/canonical.ts';
import type { ResultColumn, ResultValue } from '../../lib/query/contract.ts';
import { diffResults, type RowObject, type StoredRows } from '../../lib/reports/diff.ts';
import { buildReportsDigest } from '../../lib/reports/digest.ts';
import { decodeResultFile, encodeResultFile, StoredResultError } from '../../lib/reports/result-file.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';

describe('canonical result encoding', () => {
  it('writes the columns and rows as one JSON text, object keys sorted, numbers in their shortest form', () => {
    const columns = [
      { name: 'a', type: 'INTEGER' },
      { name: 'b', type: 'STRUCT(y INTEGER, x VARCHAR)' },
    ];
    expect(
      canonicalResult(columns, [
        [1.0, { y: 2, x: 'é"' }],
        [-0, null],
      ]),
    ).toBe(
      '{"columns":[{"name":"a","type":"INTEGER"},{"name":"b","type":"STRUCT(y INTEGER, x VARCHAR)"}],"rows":[[1,{"x":"é\\"","y":2}],[0,null]]}',
    );
    expect(canonicalJson({ b: [true, { d: 1, c: 2 }], a: '1' })).toBe('{"a":"1","b":[true,{"c":2,"d":1}]}');
  });

  it('refuses a non-finite number, which a result carries as a string', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });

  it('hashes equal results equally and rows in another order differently', async () => {
    const columns = [{ name: 'n', type: 'INTEGER' }];
    expect(await resultHash(columns, [[1], [2]])).toBe(await resultHash(columns, [[1], [2]]));
    expect(await resultHash(columns, [[1], [2]])).not.toBe(await resultHash(columns, [[2], [1]]));
  });
});

const COLUMNS: ResultColumn[] = [
  { name: 'k', type: 'INTEGER' },
  { name: 'v', type: 'VARCHAR' },
];
const rowsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('a', 'b', null)), { maxLength: 12 });
const uniqueRowsArb = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom('a', 'b', null)), {
  selector: (r) => r[0],
  maxLength: 10,
});
const result = (rows: readonly (readonly ResultValue[])[]): StoredRows => ({ columns: COLUMNS, rows });
const sorted = (rows: readonly RowObject[]) => rows.map((r) => canonicalJson(r)).sort();
const objects = (rows: readonly (readonly ResultValue[])[]) => rows.map(([k, v]) => ({ k, v }) as RowObject);

function ok(outcome: ReturnType<typeof diffResults>) {
  if (!outcome.ok) throw new Error(outcome.problem);
  return outcome.diff;
}

describe('diffResults', () => {
  it('diff(a, a) is empty, by rows and by key', () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const d = ok(diffResults(result(rows), result(rows), { key: null }));
        expect([d.added, d.removed, d.counts.unchanged]).toEqual([[], [], rows.length]);
      }),
    );
    fc.assert(
      fc.property(uniqueRowsArb, (rows) => {
        const d = ok(diffResults(result(rows), result(rows), { key: ['k'] }));
        expect([d.added, d.removed, d.changed]).toEqual([[], [], []]);
      }),
    );
  });

  it('applying diff(a, b) to a yields b, as a multiset of whole rows', () => {
    fc.assert(
      fc.property(rowsArb, rowsArb, (a, b) => {
        const d = ok(diffResults(result(a), result(b), { key: null }));
        const left = sorted(objects(a));
        for (const r of d.removed) left.splice(left.indexOf(canonicalJson(r)), 1);
        expect([...left, ...d.added.map((r) => canonicalJson(r))].sort()).toEqual(sorted(objects(b)));
      }),
    );
  });

  it('applying diff(a, b) by key to a yields b', () => {
    fc.assert(
      fc.property(uniqueRowsArb, uniqueRowsArb, (a, b) => {
        const d = ok(diffResults(result(a), result(b), { key: ['k'] }));
        const byKey = new Map(objects(a).map((r) => [r.k, r]));
        for (const r of d.removed) byKey.delete(r.k as number);
        for (const c of d.changed) byKey.set(c.key.k as number, c.after);
        for (const r of d.added) byKey.set(r.k as number, r);
        expect(sorted([...byKey.values()])).toEqual(sorted(objects(b)));
        expect(d.counts.unchanged + d.counts.changed + d.counts.added).toBe(b.length);
      }),
    );
  });

  it('compares the columns both results have, lists the others, and names a key that does not pair', () => {
    const before = { columns: COLUMNS, rows: [[1, 'a']] };
    const after = { columns: [...COLUMNS, { name: 'w', type: 'BIGINT' }], rows: [[1, 'a', '9007199254740993']] };
    const d = ok(diffResults(before, after, { key: ['k'] }));
    expect(d.columns).toEqual({ added: [{ name: 'w', type: 'BIGINT' }], removed: [], retyped: [] });
    expect(d.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 1 });
    expect(
      diffResults(
        result([
          [1, 'a'],
          [1, 'b'],
        ]),
        result([]),
        { key: ['k'], labels: ['run 1', 'run 2'] },
      ),
    ).toEqual({
      ok: false,
      problem: 'run 1: the key (k) is not unique: (1) appears 2 times',
    });
  });

  it('cuts the lists at the limit and keeps the counts whole', () => {
    const d = ok(
      diffResults(
        result([]),
        result([
          [1, 'a'],
          [2, 'b'],
          [3, 'c'],
        ]),
        { key: null, limit: 2 },
      ),
    );
    expect([d.added.length, d.counts.added, d.truncated]).toEqual([2, 3, true]);
  });
});

describe('the stored result file', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    initParquetWasmForNode();
    ({ warehouse } = await migratedDatabase('reports_units'));
  });
  afterAll(async () => warehouse.close());

  const about = {
    reportId: 'r1',
    runId: 'run-1',
    run: 1,
    executionId: 'e1',
    mode: 'live' as const,
    schemaVersion: 3,
    at: null,
    truncated: false,
    resultHash: 'h',
  };
  const columns: ResultColumn[] = [
    { name: 'name', type: 'VARCHAR' },
    { name: 'n', type: 'INTEGER' },
    { name: 'x', type: 'DOUBLE' },
    { name: 'ok', type: 'BOOLEAN' },
    { name: 'big', type: 'HUGEINT' },
    { name: 'tags', type: 'STRUCT(a INTEGER)[]' },
  ];
  const rows: ResultValue[][] = [
    ['Nordic Star', 1, 0.1, true, '170141183460469231731687303715884105727', [{ a: 1 }]],
    [null, null, null, null, null, null],
    ['Ærø 🚢', -2147483648, -0, false, '-1', []],
  ];

  it('reads back exactly the columns and rows written, empty results too', async () => {
    const back = await decodeResultFile(await encodeResultFile({ columns, rows }, about));
    expect(back.columns).toEqual(columns);
    expect(back.rows).toEqual(rows);
    expect(back.metadata).toMatchObject({ ...about, rowCount: 3 });
    expect((await decodeResultFile(await encodeResultFile({ columns, rows: [] }, about))).rows).toEqual([]);
  });

  it('is a Parquet file DuckDB reads, with typed columns', async () => {
    const key = 'reports/r1/000001-run-1.parquet';
    const path = join(inject('r2Directories')['vessel-reports'] as string, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await encodeResultFile({ columns, rows }, about));
    const described = await warehouse.query<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet('r2://vessel-reports/${key}')`,
    );
    expect(described.map((d) => `${d.column_name} ${d.column_type}`)).toEqual([
      'name VARCHAR',
      'n INTEGER',
      'x DOUBLE',
      'ok BOOLEAN',
      'big VARCHAR',
      'tags VARCHAR',
    ]);
    const [first] = await warehouse.query(`SELECT name, n, ok FROM read_parquet('r2://vessel-reports/${key}') LIMIT 1`);
    expect(first).toEqual({ name: 'Nordic Star', n: 1, ok: true });
  });

  it('refuses a file whose rows are not the ones its run wrote, and one that is not a stored result', async () => {
    const bytes = await encodeResultFile({ columns: [{ name: 's', type: 'VARCHAR' }], rows: [['abcdef']] }, about);
    const at = Buffer.from(bytes).indexOf('abcdef');
    const edited = Uint8Array.from(bytes);
    edited[at] = 'x'.charCodeAt(0);
    await expect(decodeResultFile(edited)).rejects.toThrow(StoredResultError);
    await expect(decodeResultFile(new TextEncoder().encode('not parquet at all'))).rejects.toThrow(
      /cannot be read: not a Parquet file/,
    );
  });
});

describe('the daily digest', () => {
  const base = { refreshId: 'refresh-1', publicUrl: 'https://schema.example.com/', unchanged: 4 };

  it('lists each changed report with what moved and a link to its diff, then the new failures', () => {
    const message = buildReportsDigest({
      ...base,
      changed: [{ id: 'r1', name: 'Flags <EU>', run: 3, previousRun: 2, summary: '1 row changed; no new loads' }],
      failed: [{ id: 'r2', name: 'imos', run: 5, error: 'Conversion Error: "unknown"' }],
    });
    expect(message).toEqual({
      text: '1 saved report changed: Flags <EU>',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '1 saved report changed', emoji: false } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Daily report refresh* `refresh-1`\n1 changed · 4 unchanged · 1 failed' },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Flags &lt;EU&gt;* · run 2 → 3\n1 row changed; no new loads' },
          accessory: {
            type: 'button',
            text: { type: 'plain_text', text: 'Diff' },
            url: 'https://schema.example.com/api/reports/r1/diff?from=2&to=3',
            action_id: 'report-diff-r1',
          },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Could not be refreshed*\n• *imos* run 5: Conversion Error: "unknown"' },
        },
      ],
    });
  });

  it('stays inside Slack’s limits however many and however long the reports are', () => {
    const long = 'x'.repeat(5000);
    const many = Array.from({ length: 120 }, (_, i) => ({
      id: `r${i}`,
      name: long,
      run: 2,
      previousRun: 1,
      summary: long,
    }));
    const message = buildReportsDigest({ ...base, changed: many, failed: many.map((r) => ({ ...r, error: long })) });
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of message.blocks) {
      if ('text' in block) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    }
    expect(JSON.stringify(message.blocks)).toContain('…and 80 more changed reports');
  });
});
