// Every file of the Apache parquet-testing corpus, good and bad, dropped into the CSV bucket and loaded by the
// real consumer in both strategies: it loads exactly the rows DuckDB's own read_parquet counts, or it is
// rejected with a readable error and nothing of it is in structured_data. Where both strategies load a
// file, they load the same data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIVE_UP_AFTER_ATTEMPTS } from '../../lib/ingest/consumer.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';
import { corpusBytes, corpusFiles, deliver, putEvent, putObject } from './helpers.ts';

type Verdict = { status: 'loaded'; rows: number } | { status: 'failed'; error: string };

/** Files each strategy refuses, and why. Every other file of the corpus must load. */
const EXPECTED_REJECTIONS: Record<'push' | 'remote', string[]> = {
  push: [
    'data/large_string_map.brotli.parquet', // a 2 GB row group: over the push row-group limit
    'data/map_no_value.parquet', // a MAP without values: DuckDB refuses it too
    'data/nation.dict-malformed.parquet', // malformed dictionary page header
    'bad_data/ARROW-GH-41317.parquet',
    'bad_data/ARROW-GH-41321.parquet',
    'bad_data/ARROW-GH-45185.parquet',
    'bad_data/ARROW-GH-47662.parquet',
    'bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet',
    'bad_data/ARROW-RS-GH-6229-LEVELS.parquet',
    'bad_data/PARQUET-1481.parquet',
  ],
  remote: [
    'data/byte_stream_split_extended.gzip.parquet', // DuckDB: BYTE_STREAM_SPLIT only for FLOAT/DOUBLE
    'data/hadoop_lz4_compressed.parquet', // DuckDB reads LZ4_RAW, not Hadoop's LZ4
    'data/hadoop_lz4_compressed_larger.parquet',
    // A 2 GB string: over the warehouse's memory limit. Memory is the warehouse's state, not the file's,
    // so it is retried, and given up (recorded, dead-lettered) at the last delivery.
    'data/large_string_map.brotli.parquet',
    'data/map_no_value.parquet',
    'data/non_hadoop_lz4_compressed.parquet',
    'bad_data/ARROW-GH-41317.parquet',
    'bad_data/ARROW-GH-41321.parquet',
    'bad_data/ARROW-GH-47662.parquet',
    'bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet',
    'bad_data/PARQUET-1481.parquet',
  ],
};

const strategies = ['push', 'remote'] as const;
const dbs: Partial<Record<(typeof strategies)[number], { url: string; warehouse: Warehouse }>> = {};
const verdicts: Record<string, Partial<Record<(typeof strategies)[number], Verdict>>> = {};
let files: string[] = [];
/** One entry per redelivery: files the consumer did not settle at once. */
const retried: string[] = [];

beforeAll(async () => {
  files = await corpusFiles();
  for (const s of strategies) dbs[s] = await migratedDatabase(`corpus_${s}`);
  for (const file of files) {
    const key = `corpus/${file}`;
    const object = await putObject('vessel-csv', key, await corpusBytes(file));
    for (const s of strategies) {
      const db = dbs[s] as { url: string; warehouse: Warehouse };
      // Delivered again while it is retried, as the queue would, until the consumer gives up.
      let delivery = await deliver([{ id: `${s}:${file}`, body: putEvent('vessel-csv', key, object) }], {
        WAREHOUSE_URL: db.url,
        LOAD_STRATEGY: s,
      });
      for (let attempts = 2; delivery.explicitAcks.length === 0 && attempts <= GIVE_UP_AFTER_ATTEMPTS; attempts++) {
        retried.push(`${s} ${file}`);
        delivery = await deliver([{ id: `${s}:${file}`, attempts, body: putEvent('vessel-csv', key, object) }], {
          WAREHOUSE_URL: db.url,
          LOAD_STRATEGY: s,
        });
      }
      expect(delivery.explicitAcks, `${s} ${file} must be acked in the end`).toEqual([`${s}:${file}`]);
      const [log] = await db.warehouse.query<{ status: string; rows: number | null; error: string | null }>(
        'SELECT status, rows::INTEGER AS rows, error FROM ingest_log WHERE key = $1::VARCHAR',
        [key],
      );
      verdicts[file] ??= {};
      (verdicts[file] as Record<string, Verdict>)[s] =
        log?.status === 'loaded'
          ? { status: 'loaded', rows: log.rows as number }
          : { status: 'failed', error: log?.error ?? `no log (${log?.status})` };
    }
  }
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(dbs).map((d) => d?.warehouse.close()));
});

/** DuckDB's own row count for the file, or null when DuckDB cannot read it. */
async function duckdbCount(warehouse: Warehouse, file: string): Promise<number | null> {
  try {
    const [row] = await warehouse.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('r2://vessel-csv/corpus/${file}')`,
    );
    return row?.n ?? null;
  } catch {
    return null;
  }
}

describe.each(strategies)('the parquet-testing corpus (%s strategy)', (strategy) => {
  it('covers every file of the corpus', () => {
    expect(files.length).toBeGreaterThan(70);
    expect(Object.keys(verdicts).sort()).toEqual([...files].sort());
  });

  it('loads each file with DuckDB’s row count, or rejects it readably with nothing loaded', async () => {
    const db = dbs[strategy] as { url: string; warehouse: Warehouse };
    const problems: string[] = [];
    for (const file of files) {
      const verdict = verdicts[file]?.[strategy] as Verdict;
      const [{ n: stored } = { n: -1 }] = await db.warehouse.query<{ n: number }>(
        'SELECT count(*)::INTEGER AS n FROM structured_data WHERE source_file = $1::VARCHAR',
        [`corpus/${file}`],
      );
      if (verdict.status === 'loaded') {
        const expected = await duckdbCount(db.warehouse, file);
        if (expected === null) problems.push(`${file}: loaded ${verdict.rows} rows but DuckDB cannot read it`);
        else if (verdict.rows !== expected || stored !== expected) {
          problems.push(`${file}: DuckDB counts ${expected}, the log says ${verdict.rows}, the table holds ${stored}`);
        }
      } else {
        if (stored !== 0) problems.push(`${file}: rejected but ${stored} rows are in structured_data`);
        if (!verdict.error.startsWith(`vessel-csv/corpus/${file}: `) || verdict.error.length < 40) {
          problems.push(`${file}: unreadable rejection: ${verdict.error}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Exactly these are refused, each for a known reason; anything else refused is a regression.
    const rejected = files.filter((f) => verdicts[f]?.[strategy]?.status === 'failed');
    expect(rejected).toEqual(EXPECTED_REJECTIONS[strategy]);
  });
});

describe('the parquet-testing corpus (retries)', () => {
  it('settles every file at its first delivery but the one the warehouse runs out of memory on', () => {
    const once = (entry: string) => retried.filter((r) => r === entry).length;
    expect([...new Set(retried)]).toEqual(['remote data/large_string_map.brotli.parquet']);
    expect(once('remote data/large_string_map.brotli.parquet')).toBe(GIVE_UP_AFTER_ATTEMPTS - 1);
    expect(verdicts['data/large_string_map.brotli.parquet']?.remote).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/gave up after 10 deliveries: the warehouse could not load it: Out of Memory/),
    });
  });
});

describe('the parquet-testing corpus (both strategies)', () => {
  it('loads identical JSON text wherever both strategies load a file', async () => {
    const both = files.filter(
      (f) => verdicts[f]?.push?.status === 'loaded' && verdicts[f]?.remote?.status === 'loaded',
    );
    expect(both.length).toBeGreaterThanOrEqual(55);
    const differences: string[] = [];
    for (const file of both) {
      const [push, remote] = await Promise.all(
        strategies.map((s) =>
          (dbs[s] as { warehouse: Warehouse }).warehouse.query<{ data: string }>(
            'SELECT data::VARCHAR AS data FROM structured_data WHERE source_file = $1::VARCHAR ORDER BY row_number',
            [`corpus/${file}`],
          ),
        ),
      );
      // The text itself, not its value: 1.50 is not 1.5, and 74136 is not 74136.0.
      const a = (push ?? []).map((r) => r.data);
      const b = (remote ?? []).map((r) => r.data);
      const first = a.findIndex((x, i) => x !== b[i]);
      if (a.length !== b.length || first >= 0)
        differences.push(`${file} row ${first + 1}: push ${a[first]} remote ${b[first]}`);
    }
    expect(differences).toEqual([]);
  });
});

describe('field profiles of the corpus (both strategies)', () => {
  it('records the same fields, types and NULL counts wherever both strategies load a file', async () => {
    const both = files.filter(
      (f) => verdicts[f]?.push?.status === 'loaded' && verdicts[f]?.remote?.status === 'loaded',
    );
    const profiles = await Promise.all(
      strategies.map((s) =>
        (dbs[s] as { warehouse: Warehouse }).warehouse.query<{ key: string; line: string }>(
          `SELECT i.key, concat_ws(' ', f.path, f.field_type, f.rows, coalesce(f.null_count::VARCHAR, '-')) AS line
           FROM load_fields f JOIN ingest_log i ON i.id = f.load_id ORDER BY i.key, f.path, f.field_type`,
        ),
      ),
    );
    const byFile = (rows: { key: string; line: string }[]) => {
      const out = new Map<string, string[]>();
      for (const r of rows) out.set(r.key, [...(out.get(r.key) ?? []), r.line]);
      return out;
    };
    const [push, remote] = profiles.map((p) => byFile(p ?? [])) as [Map<string, string[]>, Map<string, string[]>];
    const differences: string[] = [];
    for (const file of both) {
      const a = push.get(`corpus/${file}`) ?? [];
      const b = remote.get(`corpus/${file}`) ?? [];
      const loaded = verdicts[file]?.push;
      // A file of no rows writes no profile: an empty file is no evidence of its fields (recordLoadFields).
      if (a.length === 0 && loaded?.status === 'loaded' && loaded.rows > 0) differences.push(`${file}: no profile`);
      if (JSON.stringify(a) !== JSON.stringify(b))
        differences.push(`${file}: push [${a.join('; ')}] remote [${b.join('; ')}]`);
    }
    expect(differences).toEqual([]);
  });
});
