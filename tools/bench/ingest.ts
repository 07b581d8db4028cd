// `npm run bench -- ingest [big-files] [small-files]`: big-files: a 1M-row annotations file and a 200k-row
// wide structured file through the real consumer (the main Worker in workerd) into the embedded warehouse,
// push and remote, each next to DuckDB's own load of the same file into the same table with the same lineage, in the same run.
// small-files: 2,000 annotation files of 500 rows uploaded at once, through the real consumer in queue
// batches as wrangler.toml configures them, next to DuckDB loading all 2,000 into annotations in one
// statement with the same lineage.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { unstable_readConfig } from 'wrangler';
import { localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { type Bench, mb, memoryOf, startBench, startMainWorker, table, writeParquet } from './harness.ts';

interface Case {
  readonly name: string;
  readonly bucket: 'vessel-annotations' | 'vessel-csv';
  readonly target: string;
  readonly rows: number;
  readonly sql: string;
  readonly options: string;
}

const WIDE_COLUMNS = [
  ...Array.from({ length: 12 }, (_, i) => `(i * ${i + 3}) % 100000 AS int_${i}`),
  ...Array.from({ length: 10 }, (_, i) => `i / ${i + 7} AS dbl_${i}`),
  ...Array.from({ length: 12 }, (_, i) => `'value-' || (i % ${97 + i}) AS str_${i}`),
  ...Array.from({ length: 4 }, (_, i) => `TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * ${i + 1}) AS ts_${i}`),
  ...Array.from({ length: 4 }, (_, i) => `(i / ${i + 3})::DECIMAL(18, 4) AS dec_${i}`),
  ...Array.from({ length: 4 }, (_, i) => `i % ${i + 2} = 0 AS flag_${i}`),
  ...Array.from({ length: 4 }, (_, i) => `CASE WHEN i % ${i + 5} = 0 THEN NULL ELSE i END AS maybe_${i}`),
];

export const INGEST_CASES: readonly Case[] = [
  {
    name: 'annotations-1m.parquet',
    bucket: 'vessel-annotations',
    target: 'annotations',
    rows: 1_000_000,
    sql: `SELECT 'rec-' || (i // 3) AS record_id, 'doc-' || (i // 30) AS document_id,
            (['VESSEL_NAME', 'IMO_NUMBER', 'FLAG_STATE', 'PORT', 'CALL_SIGN'])[1 + i % 5] AS entity_type,
            (i % 1000)::INTEGER AS "start", (i % 1000 + 12)::INTEGER AS "end", 'span text ' || i AS text,
            'annotator-' || (i % 7) AS annotator, 'submitted' AS status,
            TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS annotated_at, 'vessels-v1' AS dataset
          FROM range(1000000) t(i)`,
    options: "KV_METADATA {schema_version: '1', batch_id: 'bench-annotations'}",
  },
  {
    name: 'structured-wide-200k.parquet',
    bucket: 'vessel-csv',
    target: 'structured_data',
    rows: 200_000,
    sql: `SELECT i AS id, ${WIDE_COLUMNS.join(', ')} FROM range(200000) t(i)`,
    // Row groups of ~14 MB: push refuses row groups over PUSH_MAX_ROW_GROUP_MB (32) to fit a Worker.
    options: 'ROW_GROUP_SIZE 50000',
  },
];

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Seconds of the median of RUNS runs of `run` (each on a fresh database). */
async function timed(run: (round: number) => Promise<number>): Promise<{ seconds: number; all: number[] }> {
  const all: number[] = [];
  for (let round = 0; round < RUNS; round++) all.push(await run(round));
  return { seconds: median(all), all };
}

/** DuckDB alone, on the same warehouse: a typed copy of the file (the reference the targets use). */
async function duckdbCopy(bench: Bench, c: Case, round: number): Promise<number> {
  const { client, drop } = await bench.database(`copy_${c.target}_${round}`);
  try {
    const file = `read_parquet('r2://${c.bucket}/bench/${c.name}')`;
    await client.execute(`CREATE TABLE reference AS SELECT * FROM ${file} LIMIT 0`);
    const started = performance.now();
    const rows = await client.execute(`INSERT INTO reference SELECT * FROM ${file}`);
    if (rows !== c.rows) throw new Error(`reference loaded ${rows} rows`);
    return (performance.now() - started) / 1000;
  } finally {
    await drop();
  }
}

/** What the consumer stores on every row of a file: the same values the reference writes. */
function lineageOf(c: Case): { columns: string; values: string } {
  const text = (v: string | null) => (v === null ? 'NULL::VARCHAR' : `'${v.replaceAll("'", "''")}'::VARCHAR`);
  const now = `'2026-11-21T12:00:00.000Z'::TIMESTAMPTZ`;
  const batch = c.target === 'annotations' ? 'bench-annotations' : `bench/${c.name}@reference`;
  const schema = c.target === 'annotations' ? '1' : null;
  return {
    columns: 'batch_id, source_key, schema_version, ingested_at, valid_from, load_id',
    values: [
      text(batch),
      text(`r2://${c.bucket}/bench/${c.name}`),
      text(schema),
      now,
      now,
      text('reference-load'),
    ].join(', '),
  };
}

/**
 * The reference: DuckDB itself loading the file into the same target table, with the same lineage values
 * on every row (batch, object URL, schema version, times, load id), in one INSERT ... SELECT; structured rows
 * get DuckDB's own json_object of their columns (not the canonical JSON the pipeline writes).
 */
async function duckdbWithLineage(bench: Bench, c: Case, round: number): Promise<number> {
  const { client, drop } = await bench.database(`lineage_${c.target}_${round}`);
  const url = `r2://${c.bucket}/bench/${c.name}`;
  const lineage = lineageOf(c);
  try {
    let sql: string;
    if (c.target === 'annotations') {
      sql = `INSERT INTO annotations (record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, metadata, ${lineage.columns})
         SELECT record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, NULL, ${lineage.values}
         FROM read_parquet('${url}')`;
    } else {
      const described = await client.query<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet('${url}')`);
      const json = `json_object(${described.map((d) => `'${d.column_name}', "${d.column_name}"`).join(', ')})`;
      sql = `INSERT INTO structured_data (source, source_file, row_number, data, ${lineage.columns})
         SELECT 'bench', 'bench/${c.name}', file_row_number + 1, ${json}, ${lineage.values}
         FROM read_parquet('${url}', file_row_number = true)`;
    }
    const started = performance.now();
    const rows = await client.execute(sql);
    if (rows !== c.rows) throw new Error(`reference loaded ${rows} rows`);
    return (performance.now() - started) / 1000;
  } finally {
    await drop();
  }
}

const CASES = ['big-files', 'small-files'] as const;

export async function benchIngest(cases: readonly string[] = []): Promise<void> {
  const unknown = cases.filter((c) => !(CASES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`unknown ingest case '${unknown.join("', '")}' (cases: ${CASES.join(', ')})`);
  const picked = (c: (typeof CASES)[number]) => cases.length === 0 || cases.includes(c);
  if (picked('big-files')) await benchBigFiles();
  if (picked('small-files')) await benchSmallFiles();
}

async function benchBigFiles(): Promise<void> {
  const bench = await startBench();
  try {
    const files = join(bench.dir, 'files');
    mkdirSync(files, { recursive: true });
    for (const c of INGEST_CASES) {
      process.stdout.write(`generating ${c.name} (${c.rows.toLocaleString()} rows) ... `);
      const path = join(files, c.name);
      await writeParquet(path, c.sql, c.options);
      const target = join(bench.r2Directories[c.bucket] as string, 'bench');
      mkdirSync(target, { recursive: true });
      copyFileSync(path, join(target, c.name));
      console.log(mb(statSync(path).size));
    }
    console.log(`each figure is the median of ${RUNS} runs (BENCH_RUNS)`);

    const results: string[][] = [
      ['file', 'load', 'seconds', 'rows/s', 'vs DuckDB with lineage', 'target', 'Worker peak'],
    ];
    const notes: string[] = [];
    for (const c of INGEST_CASES) {
      const copy = await timed((round) => duckdbCopy(bench, c, round));
      const reference = await timed((round) => duckdbWithLineage(bench, c, round));
      const referenceRate = c.rows / reference.seconds;
      const row = (load: string, seconds: number, target: string, peak: string) => [
        c.name,
        load,
        seconds.toFixed(2),
        Math.round(c.rows / seconds).toLocaleString(),
        `${(c.rows / seconds / referenceRate).toFixed(2)}x`,
        target,
        peak,
      ];
      results.push(row(`DuckDB into ${c.target}, same lineage`, reference.seconds, 'reference', ''));
      results.push(row('DuckDB copy, no lineage (old reference)', copy.seconds, '(context)', ''));
      for (const strategy of ['remote', 'push'] as const) {
        let peak = 0;
        const waits: { waited: number; seconds: number }[] = [];
        let rss: { before: number; peak: number } | null = null;
        const run = await timed(async (round) => {
          const db = await bench.database(`${strategy}_${c.target}_${round}`);
          const worker = await startMainWorker(bench.dir, {
            WAREHOUSE_URL: db.url,
            LOAD_STRATEGY: strategy,
            LOCAL_DEV: 'false',
          });
          try {
            const bucket = await worker.mf.getR2Bucket(c.bucket === 'vessel-csv' ? 'CSV_BUCKET' : 'ANNOTATIONS_BUCKET');
            const key = `bench/${c.name}`;
            const object = await bucket.put(key, readFileSync(join(files, c.name)));
            if (!object) throw new Error(`bench: R2 did not store ${c.bucket}/${key}`);
            const fetcher = await worker.mf.getWorker();
            const baseline = memoryOf(worker.pid);
            const started = performance.now();
            const outcome = await fetcher.queue('ingest', [
              {
                id: `${strategy}-${c.name}`,
                timestamp: new Date(),
                attempts: 1,
                body: localObjectEvent({
                  bucket: c.bucket,
                  key,
                  size: object.size,
                  etag: object.etag,
                  now: new Date(),
                  account: 'bench',
                }),
              },
            ]);
            const seconds = (performance.now() - started) / 1000;
            const memory = memoryOf(worker.pid);
            const [log] = await db.client.query<{ status: string; rows: number }>(
              'SELECT status, rows::INTEGER AS rows FROM ingest_log',
            );
            if (outcome.explicitAcks.length !== 1 || log?.status !== 'loaded' || log.rows !== c.rows) {
              throw new Error(`${strategy} ${c.name}: ${JSON.stringify({ outcome, log, logs: worker.logs })}`);
            }
            const loaded = worker.logs.find((l) => l.message === 'ingest: loaded') as
              | { peakBytes?: number; warehouseWaitMs?: number }
              | undefined;
            peak = Math.max(peak, loaded?.peakBytes ?? 0);
            if (loaded?.warehouseWaitMs !== undefined) waits.push({ waited: loaded.warehouseWaitMs / 1000, seconds });
            if (memory && baseline) rss = { before: baseline.rss, peak: Math.max(rss?.peak ?? 0, memory.peak) };
            return seconds;
          } finally {
            await worker.close();
            await db.drop();
          }
        });
        const target = strategy === 'remote' ? 0.8 : 0.25;
        const ratio = c.rows / run.seconds / referenceRate;
        results.push(
          row(
            `${strategy} (real consumer)`,
            run.seconds,
            `>= ${target}x ${ratio >= target ? 'met' : 'MISSED'}`,
            strategy === 'push' ? mb(peak) : 'none (no file held)',
          ),
        );
        for (const w of waits) {
          notes.push(
            `${strategy} ${c.name}: the Worker waited ${w.waited.toFixed(2)} s of ${w.seconds.toFixed(2)} s for the warehouse to take a batch (${((100 * w.waited) / w.seconds).toFixed(0)}%); the rest is its own reading, decoding and encoding`,
          );
        }
        const current = rss as { before: number; peak: number } | null;
        if (current)
          notes.push(
            `${strategy} ${c.name}: workerd process RSS ${mb(current.before)} at rest, peak ${mb(current.peak)}; runs ${run.all.map((x) => x.toFixed(2)).join(', ')} s`,
          );
      }
    }
    console.log(`\n${table(results)}\n`);
    for (const n of notes) console.log(n);
    console.log(
      [
        '',
        "Worker peak: most bytes the push consumer held at once (parquet-wasm's memory, one row group as Arrow data,",
        '  the batch being built and the one in flight), as the consumer accounts them. workerd process RSS is the',
        "  whole local runtime's, whose V8 heap grows lazily; it is no isolate limit.",
        "vs DuckDB with lineage: rows/s divided by DuckDB's own INSERT INTO <table> SELECT ... FROM read_parquet(...)",
        '  of the same file into the same table, with the lineage values the consumer stores (batch, object URL,',
        "  schema version, times, load id) on every row, on the same warehouse; structured rows as DuckDB's json_object",
        "  (the pipeline writes canonical JSON: exact decimals, UTC timestamps, NaN as text). 'DuckDB copy, no lineage'",
        '  is the old reference: a plain INSERT INTO <copy> SELECT * of the file.',
      ].join('\n'),
    );
  } finally {
    await bench.close();
  }
}

const SMALL_FILES = Math.max(2, Number(process.env.BENCH_SMALL_FILES ?? 2000));
const SMALL_ROWS = 500;
const SMALL_PREFIX = 'bench-small';

/** The ingest queue's consumer settings in wrangler.toml (top level): what a backlog is delivered as. */
function ingestQueueSettings(): { batchSize: number; concurrency: number } {
  const config = unstable_readConfig({ config: 'wrangler.toml' });
  const consumer = config.queues.consumers?.find((c: { queue: string }) => c.queue === 'ingest');
  return {
    batchSize: consumer?.max_batch_size ?? 10,
    // Unset means as many as the backlog needs; locally as many as the machine takes.
    concurrency: consumer?.max_concurrency ?? 4,
  };
}

/** SMALL_FILES annotation files of SMALL_ROWS rows each, written by one DuckDB into `dir`; their keys. */
async function writeSmallFiles(dir: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const total = SMALL_FILES * SMALL_ROWS;
    await conn.run(
      `COPY (SELECT 'rec-' || (i // 3) AS record_id, 'doc-' || (i // 30) AS document_id,
               (['VESSEL_NAME', 'IMO_NUMBER', 'FLAG_STATE', 'PORT', 'CALL_SIGN'])[1 + i % 5] AS entity_type,
               (i % 1000)::INTEGER AS "start", (i % 1000 + 12)::INTEGER AS "end", 'span text ' || i AS text,
               'annotator-' || (i % 7) AS annotator, 'submitted' AS status,
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS annotated_at, 'vessels-v1' AS dataset,
               lpad((i // ${SMALL_ROWS})::VARCHAR, 5, '0') AS part
             FROM range(${total}) t(i))
       TO '${join(dir, SMALL_PREFIX)}' (FORMAT parquet, PARTITION_BY (part), OVERWRITE_OR_IGNORE)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const keys: string[] = [];
  for (const part of readdirSync(join(dir, SMALL_PREFIX)).sort()) {
    for (const file of readdirSync(join(dir, SMALL_PREFIX, part))) keys.push(`${SMALL_PREFIX}/${part}/${file}`);
  }
  if (keys.length !== SMALL_FILES) throw new Error(`bench: wrote ${keys.length} small files, not ${SMALL_FILES}`);
  return keys;
}

/** DuckDB alone: every small file into annotations in one statement, each row with its file's lineage. */
async function duckdbSmallFiles(bench: Bench, round: number): Promise<number> {
  const { client, drop } = await bench.database(`small_reference_${round}`);
  try {
    const file = `read_parquet('r2://vessel-annotations/${SMALL_PREFIX}/*/*.parquet', filename = true)`;
    const started = performance.now();
    const rows = await client.execute(
      `INSERT INTO annotations (record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, batch_id, source_key, schema_version, ingested_at, valid_from, load_id)
       SELECT record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset,
              filename, filename, NULL, now(), now(), filename FROM ${file}`,
    );
    if (rows !== SMALL_FILES * SMALL_ROWS) throw new Error(`small-files reference loaded ${rows} rows`);
    return (performance.now() - started) / 1000;
  } finally {
    await drop();
  }
}

async function benchSmallFiles(): Promise<void> {
  const bench = await startBench();
  try {
    const files = join(bench.dir, 'small');
    mkdirSync(files, { recursive: true });
    process.stdout.write(`generating ${SMALL_FILES.toLocaleString()} annotation files of ${SMALL_ROWS} rows ... `);
    const keys = await writeSmallFiles(files);
    const bytes = new Map(keys.map((k) => [k, readFileSync(join(files, k))]));
    for (const k of keys) {
      const target = join(bench.r2Directories['vessel-annotations'] as string, k);
      mkdirSync(join(target, '..'), { recursive: true });
      copyFileSync(join(files, k), target);
    }
    console.log(mb([...bytes.values()].reduce((n, b) => n + b.length, 0)));
    const { batchSize, concurrency } = ingestQueueSettings();
    console.log(
      `queue batches of ${batchSize} (max_batch_size), ${concurrency} at once (max_concurrency); median of ${RUNS} runs (BENCH_RUNS)`,
    );
    const total = SMALL_FILES * SMALL_ROWS;
    const reference = await timed((round) => duckdbSmallFiles(bench, round));
    const referenceRate = total / reference.seconds;
    const results: string[][] = [['files', 'load', 'seconds', 'rows/s', 'vs DuckDB', 'target', 'statements']];
    results.push([
      `${SMALL_FILES} x ${SMALL_ROWS} rows`,
      'DuckDB: one INSERT over all files, same lineage',
      reference.seconds.toFixed(2),
      Math.round(referenceRate).toLocaleString(),
      '1.00x',
      'reference',
      '1',
    ]);
    const notes: string[] = [];
    const strategies = (process.env.BENCH_STRATEGIES?.split(',') ?? ['remote', 'push']) as ('remote' | 'push')[];
    for (const strategy of strategies) {
      let batchLoads = 0;
      let phases: Record<string, number> = {};
      const run = await timed(async (round) => {
        const db = await bench.database(`small_${strategy}_${round}`);
        const worker = await startMainWorker(bench.dir, {
          WAREHOUSE_URL: db.url,
          LOAD_STRATEGY: strategy,
          LOCAL_DEV: 'false',
        });
        try {
          const bucket = await worker.mf.getR2Bucket('ANNOTATIONS_BUCKET');
          const events: { id: string; timestamp: Date; attempts: number; body: unknown }[] = [];
          for (const key of keys) {
            const object = await bucket.put(key, bytes.get(key) as Buffer);
            if (!object) throw new Error(`bench: R2 did not store ${key}`);
            const now = new Date();
            events.push({
              id: `${strategy}-${key}`,
              timestamp: now,
              attempts: 1,
              body: localObjectEvent({
                bucket: 'vessel-annotations',
                key,
                size: object.size,
                etag: object.etag,
                now,
                account: 'bench',
              }),
            });
          }
          const fetcher = await worker.mf.getWorker();
          const batches: (typeof events)[] = [];
          for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
          const started = performance.now();
          // The backlog as the queue hands it out: `concurrency` consumers, each taking the next batch.
          let next = 0;
          const acked: string[] = [];
          const consumers = Array.from({ length: concurrency }, async () => {
            while (next < batches.length) {
              const batch = batches[next++] as typeof events;
              const outcome = await fetcher.queue('ingest', batch);
              acked.push(...outcome.explicitAcks);
            }
          });
          await Promise.all(consumers);
          const seconds = (performance.now() - started) / 1000;
          const [log] = await db.client.query<{ files: number; rows: number }>(
            `SELECT count(*)::INTEGER AS files, sum(rows)::INTEGER AS rows FROM ingest_log WHERE status = 'loaded'`,
          );
          if (acked.length !== SMALL_FILES || log?.files !== SMALL_FILES || log.rows !== total) {
            const sample = worker.logs.filter((l) => l.message !== 'ingest: loaded').slice(0, 5);
            throw new Error(`${strategy} small files: ${JSON.stringify({ acked: acked.length, log, sample })}`);
          }
          phases = {};
          for (const l of worker.logs) {
            if (l.message !== 'ingest: batch loaded') continue;
            for (const [k, v] of Object.entries(l.ms as Record<string, number>)) phases[k] = (phases[k] ?? 0) + v;
          }
          batchLoads = new Set(
            worker.logs.flatMap((l) => (l.message === 'ingest: loaded' && l.batchFiles ? [l.batchId] : [])),
          ).size;
          return seconds;
        } finally {
          await worker.close();
          await db.drop();
        }
      });
      const target = strategy === 'remote' ? 0.5 : 0.2;
      const ratio = total / run.seconds / referenceRate;
      results.push([
        `${SMALL_FILES} x ${SMALL_ROWS} rows`,
        `${strategy} (real consumer)`,
        run.seconds.toFixed(2),
        Math.round(total / run.seconds).toLocaleString(),
        `${ratio.toFixed(2)}x`,
        `>= ${target}x ${ratio >= target ? 'met' : 'MISSED'}`,
        `batched (${batchLoads === SMALL_FILES ? 'every file' : `${batchLoads} files`})`,
      ]);
      notes.push(`${strategy}: runs ${run.all.map((x) => x.toFixed(2)).join(', ')} s`);
      if (Object.keys(phases).length > 0) {
        const parts = Object.entries(phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`);
        notes.push(`${strategy}: batch phases of the last run, summed over batches (s): ${parts.join(', ')}`);
      }
    }
    notes.push(`reference: runs ${reference.all.map((x) => x.toFixed(2)).join(', ')} s`);
    console.log(`\n${table(results)}\n`);
    for (const n of notes) console.log(n);
  } finally {
    await bench.close();
  }
}
