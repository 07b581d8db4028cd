// `npm run bench -- discovery`: discovery over 10M annotation rows and 1M structured rows with 200 distinct
// keys, all loaded through the real ingest consumer; an incremental run after 10k new rows; conflict
// detection of 2,000 new names against 50,000 known ones. Each next to a naive baseline in the same run.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_DISCOVERY_CONFIG } from '../../lib/discovery/catalog.ts';
import { type DetectInput, detectConflicts, detectConflictsNaively, pairKey } from '../../lib/discovery/conflicts.ts';
import { type DiscoveryDeps, type RunOutcome, runDiscovery } from '../../lib/discovery/run.ts';
import { defaultVocabulary } from '../../lib/discovery/vocabulary.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import { localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { parseRoutes } from '../../lib/ingest/routes.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { directoryStore } from '../local/fs-store.ts';
import { type Bench, startBench, table, writeParquet } from './harness.ts';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
// BENCH_SCALE shrinks the data for a quick look (the targets are for scale 1).
const SCALE = Math.min(1, Math.max(0.01, Number(process.env.BENCH_SCALE ?? 1)));
const ANNOTATION_FILES = Math.max(1, Math.round(10 * SCALE));
const ANNOTATION_ROWS = 1_000_000;
const STRUCTURED_FILES = Math.max(1, Math.round(5 * SCALE));
const STRUCTURED_ROWS = 200_000;
const KEYS = 200;

const ROUTES = parseRoutes(
  JSON.stringify([
    { bucket: 'vessel-csv', target: 'structured_data' },
    { bucket: 'vessel-annotations', target: 'annotations' },
  ]),
);

/** 300 entity types: 200 base names, some with near-duplicate spellings, 1% of spans with a proposal. */
function annotationsSql(file: number, rows: number, offset = 0): string {
  return `SELECT 'rec-' || ((${offset} + i) // 3) AS record_id, 'doc-' || ((${offset} + i) // 20) AS document_id,
            CASE WHEN i % 97 = 0 THEN 'ENTITY_TYPE_' || (i % 100) || 'S' ELSE 'ENTITY_TYPE_' || (i % 200) END AS entity_type,
            (i % 1000)::INTEGER AS "start", (i % 1000 + 12)::INTEGER AS "end", 'span ' || (i % 5000) AS text,
            'annotator-' || (i % 40) AS annotator,
            CASE WHEN i % 50 = 0 THEN 'draft' ELSE 'submitted' END AS status,
            TIMESTAMPTZ '2026-11-01 00:00:00+00' + to_seconds(${file} * 86400 + i % 86400) AS annotated_at,
            'dataset-' || (i % 3) AS dataset,
            CASE WHEN i % 100 = 1 THEN 'PROPOSED_TYPE_' || (i % 30) END AS proposed_entity_type
          FROM range(${rows}) t(i)`;
}

/** A structured file: about 150 of the 200 keys (which ones depends on the file), mixed types. */
function structuredSql(file: number, rows: number): string {
  const columns: string[] = [];
  for (let k = 0; k < KEYS; k++) {
    if ((k + file) % 4 === 0 && k >= 8) continue; // columns come and go
    const kind = k % 5;
    const expr =
      kind === 0
        ? `(i * ${k + 1}) % 100000`
        : kind === 1
          ? `i / ${k + 2}`
          : kind === 2
            ? `'v' || (i % ${k + 10})`
            : kind === 3
              ? `CASE WHEN i % ${k + 3} = 0 THEN NULL ELSE i % 7 = 0 END`
              : `TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i)`;
    columns.push(`${expr} AS key_${String(k).padStart(3, '0')}`);
  }
  return `SELECT ${columns.join(', ')} FROM range(${rows}) t(i)`;
}

interface Loader {
  load(files: readonly { bucket: 'vessel-csv' | 'vessel-annotations'; key: string; sql: string }[]): Promise<void>;
}

function loader(bench: Bench, warehouse: Warehouse): Loader {
  const store = directoryStore(bench.r2Directories);
  return {
    async load(files) {
      for (const f of files) {
        const path = join(bench.r2Directories[f.bucket] as string, 'bench', f.key);
        mkdirSync(dirname(path), { recursive: true });
        await writeParquet(path, f.sql);
      }
      const messages = await Promise.all(
        files.map(async (f, i) => {
          const key = `bench/${f.key}`;
          const head = await store.head(f.bucket, key);
          if (!head) throw new Error(`bench: ${f.bucket}/${key} was written but is not in the local bucket`);
          return {
            id: `bench-${i}`,
            attempts: 1,
            body: localObjectEvent({ ...head, bucket: f.bucket, key, now: new Date(), account: 'bench' }),
          };
        }),
      );
      // The real consumer, remote strategy (the warehouse reads the files itself), one file at a time.
      for (const m of messages) {
        const report = await ingestBatch([m], {
          warehouse,
          store,
          routes: ROUTES,
          strategy: 'remote',
          clock: () => new Date(),
          newId: () => crypto.randomUUID(),
          log: silentLogger,
          deadLetter: async () => {},
          notifyDiscovery: async () => {},
        });
        if (report.counts.loaded !== 1) throw new Error(`load failed: ${JSON.stringify(report.outcomes)}`);
      }
    },
  };
}

function deps(warehouse: Warehouse): DiscoveryDeps {
  return {
    warehouse,
    config: DEFAULT_DISCOVERY_CONFIG,
    clock: () => new Date(),
    newId: () => crypto.randomUUID(),
    log: silentLogger,
    publicUrl: 'http://127.0.0.1:8787',
    slackWebhookUrl: undefined,
    fetcher: fetch,
  };
}

/** Forgets everything discovery knows, so the next run starts from nothing (the loads stay). */
async function resetDiscovery(warehouse: Warehouse): Promise<void> {
  for (const t of [
    'discovery_consumed',
    'entity_types',
    'field_definitions',
    'entity_conflicts',
    'schema_snapshots',
    'notifications_outbox',
    'discovery_runs',
    'discovery_lock',
  ]) {
    await warehouse.execute(`DELETE FROM ${t}`);
  }
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function succeeded(outcome: RunOutcome) {
  if (outcome.status !== 'succeeded') throw new Error(`discovery run did not succeed: ${JSON.stringify(outcome)}`);
  return outcome.report;
}

/** Structured rows the naive JSON scan is measured on; its time is scaled to all rows (it is linear). */
const NAIVE_JSON_ROWS = Number(process.env.BENCH_NAIVE_ROWS ?? 100_000);

/**
 * The naive run: what discovery would do without load profiles and without scoping, i.e. parse every
 * JSON document for its keys and types, and recount every entity type. Returns seconds.
 */
async function naiveFullRun(warehouse: Warehouse, structuredRows: number): Promise<number> {
  const sample = Math.min(structuredRows, NAIVE_JSON_ROWS);
  const json = await seconds(() =>
    // DuckDB's own aggregate: every document parsed once, keys and types at every level.
    warehouse.query(
      `SELECT source, json_group_structure(data)::VARCHAR AS structure
       FROM (SELECT source, data FROM structured_data LIMIT ${sample}) GROUP BY source`,
    ),
  );
  const recount = await seconds(() =>
    warehouse.query(
      `SELECT entity_type, count(*), count(DISTINCT document_id), min(annotated_at), max(annotated_at),
            list(DISTINCT annotator), list(DISTINCT dataset)
     FROM annotations WHERE valid_to IS NULL AND status = 'submitted' GROUP BY entity_type`,
    ),
  );
  return json * (structuredRows / sample) + recount;
}

// ---- conflict detection ---------------------------------------------------------------------------

const WORDS = [
  'vessel',
  'ship',
  'name',
  'imo',
  'number',
  'flag',
  'state',
  'port',
  'call',
  'sign',
  'owner',
  'operator',
  'gross',
  'tonnage',
  'deadweight',
  'length',
  'beam',
  'draught',
  'built',
  'year',
  'yard',
  'class',
  'society',
  'engine',
  'power',
  'speed',
  'cargo',
  'type',
  'crew',
  'master',
  'agent',
  'berth',
  'terminal',
  'arrival',
  'departure',
  'eta',
  'etd',
  'voyage',
  'charter',
  'party',
  'bill',
  'lading',
  'container',
  'seal',
  'hazard',
  'inspection',
  'detention',
  'certificate',
  'expiry',
];

/** Deterministic pseudo-random names: 2-4 words, various separators and cases, some with a typo. */
function names(count: number, seed: number): string[] {
  // mulberry32: the low bits of a plain LCG cycle too soon for `% n` to give varied names.
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
  const out = new Set<string>();
  while (out.size < count) {
    const n = 2 + (next() % 3);
    const words = Array.from({ length: n }, () => WORDS[next() % WORDS.length] as string);
    let name = [['_', ' ', '-', '.'][next() % 4]].map((sep) => words.join(sep))[0] as string;
    if (next() % 2 === 0) name = name.toUpperCase();
    if (next() % 5 === 0) {
      const i = next() % name.length;
      name = name.slice(0, i) + name.slice(i + 1);
    }
    out.add(name);
  }
  return [...out];
}

export async function benchConflictDetection(): Promise<string[][]> {
  const known = names(50_000, 7);
  const knownSet = new Set(known);
  const fresh = names(2_600, 99)
    .filter((n) => !knownSet.has(n))
    .slice(0, 2_000);
  const input: DetectInput = { newNames: fresh, knownNames: known, aliases: new Map(), decidedPairs: new Set() };
  const indexedRuns: number[] = [];
  let found = detectConflicts(input);
  for (let r = 0; r < RUNS; r++) {
    indexedRuns.push(
      await seconds(async () => {
        found = detectConflicts(input);
      }),
    );
  }
  // All pairs: 100M comparisons. Measured on a slice of the new names and scaled (it grows linearly).
  const slice = Math.min(fresh.length, Number(process.env.BENCH_NAIVE_NAMES ?? 200));
  const sample = { ...input, newNames: fresh.slice(0, slice) };
  let naive = detectConflictsNaively(sample);
  const naiveSeconds =
    (await seconds(async () => {
      naive = detectConflictsNaively(sample);
    })) *
    (fresh.length / slice);
  // The index must find every pair all-pairs comparison finds (new against known).
  const indexedPairs = new Set(found.map((c) => pairKey(c.newName, c.existingName)));
  const missed = naive.filter((c) => !indexedPairs.has(pairKey(c.newName, c.existingName)));
  if (missed.length > 0) throw new Error(`the index missed ${missed.length} pairs, e.g. ${JSON.stringify(missed[0])}`);
  const t = median(indexedRuns);
  // With the vocabulary and value rules on: the same names, three example values each.
  let value = 1;
  const examples = new Map(
    [...known, ...fresh].map((n) => [n, [0, 1, 2].map(() => `value ${(value++ * 7919) % 20_000}`)]),
  );
  const withRules = { ...input, vocabulary: defaultVocabulary(), examples };
  let ruled = detectConflicts(withRules);
  const ruledRuns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    ruledRuns.push(
      await seconds(async () => {
        ruled = detectConflicts(withRules);
      }),
    );
  }
  const v = median(ruledRuns);
  return [
    [
      'conflicts: 2,000 new vs 50,000 known names',
      `${t.toFixed(3)} s`,
      `${found.length} conflicts`,
      `< 1 s ${t < 1 ? 'met' : 'MISSED'}`,
    ],
    [
      '  with the vocabulary and value rules on',
      `${v.toFixed(3)} s`,
      `${ruled.length} conflicts, ${(v / t).toFixed(2)}x spelling alone`,
      `< 1 s ${v < 1 ? 'met' : 'MISSED'}`,
    ],
    [
      `  naive all pairs (${slice} names measured, x${(fresh.length / slice).toFixed(0)})`,
      `${naiveSeconds.toFixed(1)} s`,
      `${(naiveSeconds / t).toFixed(0)}x slower`,
      '',
    ],
  ];
}

export async function benchDiscovery(): Promise<void> {
  const bench = await startBench();
  try {
    const { client: warehouse } = await bench.database('discovery');
    const load = loader(bench, warehouse);
    process.stdout.write(`loading ${ANNOTATION_FILES} x ${ANNOTATION_ROWS.toLocaleString()} annotation rows ... `);
    let started = performance.now();
    await load.load(
      Array.from({ length: ANNOTATION_FILES }, (_, f) => ({
        bucket: 'vessel-annotations' as const,
        key: `annotations-${f}.parquet`,
        sql: annotationsSql(f, ANNOTATION_ROWS, f * ANNOTATION_ROWS),
      })),
    );
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(
      `loading ${STRUCTURED_FILES} x ${STRUCTURED_ROWS.toLocaleString()} structured rows (${KEYS} keys) ... `,
    );
    started = performance.now();
    await load.load(
      Array.from({ length: STRUCTURED_FILES }, (_, f) => ({
        bucket: 'vessel-csv' as const,
        key: `registry/part-${f}.parquet`,
        sql: structuredSql(f, STRUCTURED_ROWS),
      })),
    );
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
    const [counts] = await warehouse.query<{ annotations: number; structured: number; keys: number }>(
      `SELECT (SELECT count(*) FROM annotations)::INTEGER AS annotations, (SELECT count(*) FROM structured_data)::INTEGER AS structured,
              (SELECT count(DISTINCT path) FROM load_fields)::INTEGER AS keys`,
    );
    console.log(`warehouse holds ${JSON.stringify(counts)}; each figure is the median of ${RUNS} runs (BENCH_RUNS)`);

    const step = (what: string) => process.stdout.write(`${what} ... `);
    const done = (t: number) => console.log(`${t.toFixed(2)} s`);
    const full: number[] = [];
    let report = null as ReturnType<typeof succeeded> | null;
    for (let r = 0; r < RUNS; r++) {
      await resetDiscovery(warehouse);
      step(`full run ${r + 1}`);
      full.push(
        await seconds(async () => {
          report = succeeded(await runDiscovery(deps(warehouse), { trigger: 'manual', full: true }));
        }),
      );
      done(full.at(-1) as number);
      console.log(`  ${JSON.stringify(report?.timings)}`);
    }
    const naive: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      step(`naive full run ${r + 1}`);
      naive.push(await naiveFullRun(warehouse, counts?.structured ?? 0));
      done(naive.at(-1) as number);
    }
    const fullReport = report as unknown as ReturnType<typeof succeeded>;

    const incremental: number[] = [];
    const recount: number[] = [];
    let incrementalReport = fullReport;
    for (let r = 0; r < RUNS; r++) {
      await load.load([
        {
          bucket: 'vessel-annotations',
          key: `new-${r}.parquet`,
          sql: annotationsSql(100 + r, 5_000, 50_000_000 + r * 5_000),
        },
        { bucket: 'vessel-csv', key: `registry/new-${r}.parquet`, sql: structuredSql(r, 5_000) },
      ]);
      step(`incremental run ${r + 1}`);
      incremental.push(
        await seconds(async () => {
          incrementalReport = succeeded(await runDiscovery(deps(warehouse), { trigger: 'manual', full: false }));
        }),
      );
      done(incremental.at(-1) as number);
      console.log(`  ${JSON.stringify(incrementalReport.timings)}`);
      // The baseline: the same catalog update by recounting everything.
      step(`full recount ${r + 1}`);
      recount.push(
        await seconds(async () => succeeded(await runDiscovery(deps(warehouse), { trigger: 'manual', full: true }))),
      );
      done(recount.at(-1) as number);
    }

    const f = median(full);
    const n = median(naive);
    const i = median(incremental);
    const c = median(recount);
    const rows: string[][] = [
      ['measurement', 'time', 'vs baseline', 'target'],
      [
        `full run: ${(counts?.annotations ?? 0).toLocaleString()} annotations, ${(counts?.structured ?? 0).toLocaleString()} structured rows`,
        `${f.toFixed(2)} s`,
        `${(n / f).toFixed(1)}x faster than naive`,
        `< 5 s ${f < 5 ? 'met' : 'MISSED'}`,
      ],
      [
        `  naive: json_group_structure over every document (${NAIVE_JSON_ROWS.toLocaleString()} rows measured, scaled), recount every type`,
        `${n.toFixed(2)} s`,
        '',
        '',
      ],
      [
        'incremental run after 10k new rows (5k annotations + 5k structured)',
        `${i.toFixed(3)} s`,
        `${(c / i).toFixed(1)}x faster than a full recount`,
        `< 0.5 s ${i < 0.5 ? 'met' : 'MISSED'}`,
      ],
      ['  baseline: full run over everything again', `${c.toFixed(2)} s`, '', ''],
      ...(await benchConflictDetection()),
    ];
    console.log(`\n${table(rows)}\n`);
    console.log(
      `full run found ${fullReport.entityTypes.new.length} entity types, ${fullReport.fields.new.length} fields, ${fullReport.conflicts.length} conflicts; timings ${JSON.stringify(fullReport.timings)}`,
    );
    console.log(
      `incremental run read ${incrementalReport.loads} loads, wrote ${incrementalReport.entityTypes.written} entity types and ${incrementalReport.fields.written} fields; timings ${JSON.stringify(incrementalReport.timings)}`,
    );
    console.log(
      [
        '',
        'Runs are lib/discovery/run.ts called from Node against the embedded warehouse over the Postgres wire, as the',
        'discovery Worker calls it. The naive full run parses every structured JSON document (json_group_structure)',
        'and recounts every entity type; discovery reads the per-load field profiles the loader wrote instead, and an',
        'incremental run adds the new rows to the catalog (exact distinct counts through anti-joins on the touched keys).',
      ].join('\n'),
    );
  } finally {
    await bench.close();
  }
}
