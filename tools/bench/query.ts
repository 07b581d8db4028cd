// `npm run bench -- query`: POST /api/query (live and time travel) and a saved report's refresh through the
// local stack (`npm start`: wrangler dev, the embedded warehouse over the wire) over 1M annotation rows,
// each next to the same SQL sent straight to the warehouse in the same run (docs/query.md#speed).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { bucketDirectories } from '../local/config.ts';
import { startScratchStack } from '../local/scratch-stack.ts';
import { putLocalObject, waitForIngestions } from '../local/upload.ts';
import { percentile, table, writeParquet } from './harness.ts';
import { INGEST_CASES } from './ingest.ts';

const REQUESTS = Math.max(5, Number(process.env.BENCH_REQUESTS ?? 30));
const WARMUP = 3;
const BUCKET = 'vessel-annotations';

/** The simple query of the issue: a scan and a group-by over every current span. */
const SQL =
  'SELECT entity_type, count(*) AS spans, max("end") AS last_end FROM annotations GROUP BY entity_type ORDER BY entity_type';
/** A heavier one (distinct texts per annotator), where the warehouse's own work outweighs the fixed costs. */
const HEAVY = 'SELECT annotator, count(DISTINCT text) AS texts FROM annotations GROUP BY annotator ORDER BY annotator';

interface Measured {
  readonly label: string;
  readonly ms: number[];
}

async function measure(label: string, once: () => Promise<void>): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    await once();
    ms.push(performance.now() - started);
  }
  process.stdout.write(
    `  ${label}: p50 ${percentile(
      [...ms].sort((a, b) => a - b),
      50,
    ).toFixed(1)} ms\n`,
  );
  return { label, ms: ms.sort((a, b) => a - b) };
}

async function must(response: Promise<Response>, what: string): Promise<unknown> {
  const r = await response;
  const body = await r.text();
  if (!r.ok) throw new Error(`${what}: ${r.status} ${body}`);
  return JSON.parse(body) as unknown;
}

/** Uploads one generated annotations file and waits for the consumer to load it. */
async function load(
  stack: { base: string; token: string; dir: string },
  key: string,
  sql: string,
  scratch: string,
): Promise<void> {
  const path = join(scratch, key.replaceAll('/', '_'));
  await writeParquet(path, sql, "KV_METADATA {schema_version: '1'}");
  const uploaded = await putLocalObject(
    { base: stack.base, token: stack.token, r2Directories: bucketDirectories(join(stack.dir, '.data')) },
    { bucket: BUCKET, key, body: readFileSync(path) },
  );
  const { verdicts } = await waitForIngestions([uploaded], {
    base: stack.base,
    bucket: BUCKET,
    token: stack.token,
    idleMs: 600_000,
    onPoll: () => process.stdout.write('.'),
  });
  const verdict = verdicts.get(key);
  if (verdict?.status !== 'loaded')
    throw new Error(`${key}: ${verdict?.status ?? 'no verdict'} ${verdict?.error ?? ''}`);
  process.stdout.write(` ${verdict.rows?.toLocaleString()} rows (${verdict.strategy})\n`);
}

export async function benchQuery(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'living-schema-bench-query-'));
  process.stdout.write('starting the local stack');
  const started = await startScratchStack({ waiting: () => process.stdout.write('.') });
  process.stdout.write(' ready\n');
  const vars = started.vars();
  const stack = { base: started.base, token: vars.API_TOKEN ?? '', dir: started.dir };
  const auth = { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' };
  let direct: Warehouse | null = null;
  try {
    const annotations = INGEST_CASES.find((c) => c.target === 'annotations');
    if (!annotations) throw new Error('no annotations case in the ingest bench');
    process.stdout.write(`loading ${annotations.rows.toLocaleString()} annotation rows`);
    await load(stack, 'bench/annotations-1m.parquet', annotations.sql, scratch);
    process.stdout.write('publishing schema version 1 (discovery) ... ');
    await must(fetch(`${stack.base}/__scheduled/discovery`, { method: 'POST', headers: auth }), 'discovery');
    const deadline = Date.now() + 300_000;
    let published: { version: number; publishedAt: string } | null = null;
    while (!published && Date.now() < deadline) {
      const r = await fetch(`${stack.base}/api/schema/current`, { headers: { 'cache-control': 'no-cache' } });
      if (r.ok) published = (await r.json()) as { version: number; publishedAt: string };
      else await new Promise((r) => setTimeout(r, 500));
    }
    if (!published) throw new Error('no schema version published within 300 s');
    console.log(`version ${published.version}`);
    // The instant time travel asks for: after the first load and its snapshot, before the second load.
    await new Promise((r) => setTimeout(r, 1000));
    const at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1000));
    process.stdout.write('loading 100,000 more rows (a second batch, after the time-travel instant)');
    await load(
      stack,
      'bench/annotations-more.parquet',
      annotations.sql.replace('range(1000000)', 'range(1000000, 1100000)'),
      scratch,
    );

    direct = createPostgresWarehouse(vars.WAREHOUSE_URL as string, { max: 1, queryTimeoutMs: 600_000 });
    const warehouse = direct;
    const query = (body: Record<string, unknown>) => async () => {
      await must(
        fetch(`${stack.base}/api/query`, { method: 'POST', headers: auth, body: JSON.stringify(body) }),
        'query',
      );
    };
    const live = (await must(
      fetch(`${stack.base}/api/query`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ sql: SQL, mode: 'live' }),
      }),
      'live',
    )) as { rows: unknown[][] };
    const spans = live.rows.reduce((n, r) => n + Number(r[1]), 0);
    if (spans !== 1_100_000) throw new Error(`live saw ${spans} spans, not 1,100,000`);
    const report = (await must(
      fetch(`${stack.base}/api/reports`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'spans by type', sql: SQL, key: ['entity_type'] }),
      }),
      'report',
    )) as { id: string };

    console.log(`measuring ${REQUESTS} of each (after ${WARMUP} to warm up), one at a time; the query:\n  ${SQL}`);
    const directRun = async () => {
      await warehouse.query(SQL);
    };
    const get = (path: string) => async () => {
      await must(fetch(`${stack.base}${path}`), path);
    };
    const runs = {
      version: await measure('GET /version (HTTP only: the floor of any request)', get('/version')),
      health: await measure('GET /health (connect + 2 statements)', get('/health')),
      direct: await measure('direct on the warehouse (reference)', directRun),
      live: await measure('POST /api/query live', query({ sql: SQL, mode: 'live' })),
      directAgain: await measure('direct on the warehouse (again)', directRun),
      timeTravel: await measure(`POST /api/query time_travel at ${at}`, query({ sql: SQL, mode: 'time_travel', at })),
      heavyDirect: await measure('heavier query, direct (its reference)', async () => {
        await warehouse.query(HEAVY);
      }),
      heavyLive: await measure('heavier query, POST /api/query live', query({ sql: HEAVY, mode: 'live' })),
      refresh: await measure('POST /api/reports/:id/refresh', async () => {
        await must(
          fetch(`${stack.base}/api/reports/${report.id}/refresh`, { method: 'POST', headers: auth }),
          'refresh',
        );
      }),
    };
    // The reference is the better of the two direct runs (they bracket the live run).
    const reference = [runs.direct, runs.directAgain].sort(
      (a, b) => percentile(a.ms, 50) - percentile(b.ms, 50),
    )[0] as Measured;
    const rows = [['path', 'p50 ms', 'p95 ms', 'p50 vs direct', 'p95 vs direct', 'target']];
    const targets: Partial<Record<keyof typeof runs, number>> = { live: 1.5, timeTravel: 3 };
    for (const [name, run] of Object.entries(runs) as [keyof typeof runs, Measured][]) {
      const p50 = percentile(run.ms, 50);
      const p95 = percentile(run.ms, 95);
      const ref = name === 'heavyLive' ? runs.heavyDirect : reference;
      const ratio50 = p50 / percentile(ref.ms, 50);
      const target = targets[name];
      rows.push([
        run.label,
        p50.toFixed(1),
        p95.toFixed(1),
        `${ratio50.toFixed(2)}x`,
        `${(p95 / percentile(ref.ms, 95)).toFixed(2)}x`,
        target === undefined ? '' : `≤ ${target}x (p50): ${ratio50 <= target ? 'MET' : 'MISSED'}`,
      ]);
    }
    console.log(table(rows));
    console.log('ratios are against the direct run of the same SQL (the better of the two for the simple query)');
  } finally {
    await direct?.close();
    await started.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
