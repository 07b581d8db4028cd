// The Argilla backfill's core in Node: the stand-in Argilla over HTTP, the embedded warehouse over the
// wire, a directory standing in for R2 and the real ingest consumer loading every file. File bounds, the
// dry run, resuming after a failed upload, a second run, the cron sync after it, and the validation report
// (also through the CLI) with a difference made on purpose.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { ArgillaDatasetConfig } from '../../lib/argilla/config.ts';
import { encodeWithin, type FileUnit } from '../../lib/argilla/files.ts';
import type { AnnotationRow } from '../../lib/argilla/flatten.ts';
import { syncArgilla } from '../../lib/argilla/sync.ts';
import { validateArgilla } from '../../lib/argilla/validate.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import type { R2Event } from '../../lib/ingest/event.ts';
import { localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import {
  type BackfillDeps,
  type BackfillOptions,
  type BackfillTarget,
  runBackfill,
} from '../../tools/argilla/backfill.ts';
import { productionTarget } from '../../tools/argilla/backfill-targets.ts';
import { type ArgillaStandin, startArgillaStandin } from '../../tools/argilla-standin/server.ts';
import { parseSize } from '../../tools/cli/argilla-backfill.ts';
import { directoryStore } from '../../tools/local/fs-store.ts';
import type { Ingestion } from '../../tools/local/upload.ts';
import { migratedDatabase } from '../support/databases.ts';
import { TEST_ROUTES } from '../support/node-loads.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';
import { runCli } from '../support/run-cli.ts';

initParquetWasmForNode();

const OWNER = 'backfill-owner-key';
const BUCKET = 'vessel-annotations';
const runId = Math.random().toString(36).slice(2, 8);
const NAME = `history-${runId}`;
let argilla: ArgillaStandin;
let warehouse: Warehouse;
let url: string;
let ids = 0;
const clock = () => new Date('2026-12-07T08:00:00.000Z');
const dir = () => inject('r2Directories')[BUCKET] as string;
const datasetDir = () => join(dir(), 'argilla', NAME);
const config = () => [ArgillaDatasetConfig.parse({ names: [NAME], documentId: 'metadata:document_id' })];

beforeAll(async () => {
  argilla = await startArgillaStandin({ apiKeys: { [OWNER]: { username: 'argilla', role: 'owner', workspaces: [] } } });
  // 900 responses, 450 records: every 7th a draft, every 11th discarded, the rest with 4 spans each.
  argilla.generateDataset({ name: NAME, responses: 900, draftEvery: 7, discardedEvery: 11, seed: 3 });
  ({ url, warehouse } = await migratedDatabase('argilla_backfill'));
});
afterAll(async () => {
  await warehouse?.close();
  await argilla?.close();
  rmSync(datasetDir(), { recursive: true, force: true });
});

/** R2 as a directory; `wait` hands the queued events to the real ingest consumer. `failPut` refuses the n-th put. */
function directoryTarget(failPut?: number): BackfillTarget & { puts: number } {
  const events: R2Event[] = [];
  const target = {
    puts: 0,
    description: 'a directory',
    async put(key: string, body: Uint8Array) {
      target.puts += 1;
      if (target.puts === failPut) throw new Error('R2 is down');
      const path = join(dir(), key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, body);
      const etag = createHash('md5').update(body).digest('hex');
      events.push(localObjectEvent({ bucket: BUCKET, key, size: body.byteLength, etag, now: clock() }));
      return { etag, size: body.byteLength };
    },
    async wait(files: readonly { key: string; etag: string }[]) {
      const report = await ingestBatch(
        events.splice(0).map((body, i) => ({ id: `m-${++ids}-${i}`, attempts: 1, body })),
        {
          warehouse,
          store: directoryStore(inject('r2Directories')),
          routes: TEST_ROUTES,
          strategy: 'remote',
          clock,
          newId: () => crypto.randomUUID(),
          log: silentLogger,
          deadLetter: async () => {},
          notifyDiscovery: async () => {},
        },
      );
      const verdicts = new Map<string, Ingestion>();
      files.forEach((f, i) => {
        const outcome = report.outcomes[i];
        verdicts.set(f.key, {
          key: f.key,
          etag: f.etag,
          eventTime: null,
          status: outcome?.kind === 'loaded' ? 'loaded' : 'failed',
          attempts: 1,
          rows: outcome?.kind === 'loaded' ? outcome.load.rows : null,
          target: 'annotations',
          strategy: 'remote',
          error: outcome?.kind === 'loaded' ? null : JSON.stringify(outcome),
        });
      });
      return { verdicts, pending: [] };
    },
  };
  return target;
}

function deps(target: BackfillTarget): BackfillDeps {
  return {
    argilla: createArgillaClient({ baseUrl: argilla.url, apiKey: OWNER, fetch, log: silentLogger }),
    warehouse,
    datasets: config(),
    target,
    clock,
    newId: () => `${runId}-${++ids}`,
    log: silentLogger,
    pageSize: 100,
  };
}

const backfill = (target: BackfillTarget, options: BackfillOptions) => runBackfill(deps(target), options);
const scalar = async (sql: string, params: string[] = []) =>
  Number(Object.values((await warehouse.query(sql, params))[0] ?? {})[0]);
const annotationRows = () => scalar('SELECT count(*) FROM annotations WHERE dataset = $1::VARCHAR', [NAME]);
const stateRows = () => scalar('SELECT count(*) FROM argilla_responses');
const filesOnDisk = () => (existsSync(datasetDir()) ? readdirSync(datasetDir()).length : 0);

// 900 responses: 128 drafts (every 7th), 75 discarded (every 11th but not 77th), 697 submitted with 4 spans each.
const SUBMITTED = 900 - Math.floor(900 / 7) - (Math.floor(900 / 11) - Math.floor(900 / 77));
const SPANS = SUBMITTED * 4;

describe('Argilla backfill', () => {
  let planned = 0;

  it('a dry run reads every record and plans files within the bounds, but writes no file and saves no state', async () => {
    const target = directoryTarget();
    const result = await backfill(target, { dryRun: true, bounds: { maxRows: 1_000, maxBytes: 16 * 1024 * 1024 } });
    const ds = result.sync.datasets[0];
    expect(ds).toMatchObject({ outcome: 'synced', records: 450, responses: 900, spans: SPANS });
    expect(result.sync).toMatchObject({ dryRun: true, totals: { filesWritten: 3, rowsWritten: SPANS } });
    expect(ds?.files.map((f) => f.rows)).toEqual([1_000, 1_000, SPANS - 2_000]);
    planned = ds?.files.length ?? 0;
    expect(target.puts).toBe(0);
    expect(filesOnDisk()).toBe(0);
    expect([await stateRows(), await annotationRows()]).toEqual([0, 0]);
    expect(await scalar('SELECT count(*) FROM argilla_datasets')).toBe(0);
    expect(result.loads).toBeNull();
    // The warehouse has nothing yet: the report says so, per label.
    expect(result.ok).toBe(false);
    expect(result.validation.datasets[0]).toMatchObject({
      outcome: 'differences',
      submitted: SUBMITTED,
      total: { argilla: { responses: SUBMITTED, spans: SPANS }, warehouse: { responses: 0, spans: 0 } },
    });
  });

  it('an upload that fails stops the dataset; the files written before it keep their state and are not written again', async () => {
    const first = directoryTarget(2);
    const broken = await backfill(first, { bounds: { maxRows: 1_000, maxBytes: 16 * 1024 * 1024 } });
    expect(broken.ok).toBe(false);
    expect(broken.sync.datasets[0]).toMatchObject({ outcome: 'failed', error: { code: 'storage_unavailable' } });
    expect(broken.loads).toMatchObject({ files: 1, loaded: 1, rows: 1_000 });
    // The 250 responses of the first file, and the drafts and discarded ones read among them.
    const kept = await stateRows();
    expect(kept).toBeGreaterThan(250);
    expect(await scalar("SELECT count(*) FROM argilla_responses WHERE status = 'submitted'")).toBe(250);
    expect(await scalar('SELECT count(*) FROM argilla_datasets')).toBe(0);

    const again = directoryTarget();
    const result = await backfill(again, { bounds: { maxRows: 1_000, maxBytes: 16 * 1024 * 1024 } });
    expect(result.sync.datasets[0]).toMatchObject({ outcome: 'synced', responses: 900 - kept, spans: SPANS - 1_000 });
    expect(result.loads).toMatchObject({ files: planned - 1, loaded: planned - 1, rows: SPANS - 1_000 });
    expect(result.validation).toMatchObject({ matches: true });
    expect(result.ok).toBe(true);
    expect(await annotationRows()).toBe(SPANS);
    expect(await stateRows()).toBe(900);
  });

  it('a second run writes nothing, adds no row, and the cron sync after it skips the dataset', async () => {
    const files = filesOnDisk();
    const rows = await annotationRows();
    const target = directoryTarget();
    const result = await backfill(target, { bounds: { maxRows: 1_000, maxBytes: 16 * 1024 * 1024 } });
    expect(result.sync.datasets[0]).toMatchObject({ outcome: 'synced', records: 450, responses: 0, files: [] });
    expect([target.puts, result.loads, result.ok]).toEqual([0, null, true]);
    expect([filesOnDisk(), await annotationRows()]).toEqual([files, rows]);
    const cron = await syncArgilla(
      {
        ...deps(target),
        bucket: { put: async () => null },
        bucketName: BUCKET,
        notify: async () => {},
      },
      { trigger: 'cron' },
    );
    expect(cron.datasets[0]).toMatchObject({ outcome: 'skipped', reason: 'last_activity_at did not move' });
  });

  it('splits at response boundaries within the row and byte bounds, and every file loads', async () => {
    const name = `split-${runId}`;
    argilla.generateDataset({ name, responses: 300, seed: 9 });
    const splitConfig = [ArgillaDatasetConfig.parse({ names: [name], documentId: 'metadata:document_id' })];
    const plan = await runBackfill(
      { ...deps(directoryTarget()), datasets: splitConfig },
      { dryRun: true, bounds: { maxRows: 500, maxBytes: 16 * 1024 * 1024 } },
    );
    const largest = Math.max(...(plan.sync.datasets[0]?.files ?? []).map((f) => f.bytes));
    // A byte bound below what 500 rows take: files are halved until they fit.
    const bounds = { maxRows: 500, maxBytes: Math.floor(largest * 0.6) };
    const result = await runBackfill({ ...deps(directoryTarget()), datasets: splitConfig }, { bounds });
    const files = result.sync.datasets[0]?.files ?? [];
    expect(files.length).toBeGreaterThan(plan.sync.datasets[0]?.files.length ?? 0);
    for (const f of files) {
      expect(f.rows).toBeLessThanOrEqual(bounds.maxRows);
      expect(f.bytes).toBeLessThanOrEqual(bounds.maxBytes);
    }
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(1_200);
    expect(result.ok).toBe(true);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const split = (
      await conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS responses, max(files)::INTEGER AS most FROM (
           SELECT argilla_response_id, count(DISTINCT filename) AS files
           FROM read_parquet('${join(dir(), 'argilla', name)}/*.parquet', filename = true) GROUP BY 1)`,
      )
    ).getRowObjectsJS();
    conn.closeSync();
    instance.closeSync();
    expect(split).toEqual([{ responses: 300, most: 1 }]);
    rmSync(join(dir(), 'argilla', name), { recursive: true, force: true });
  });

  it('the report lists a row missing from the warehouse, with the response it belongs to', async () => {
    const [victim] = await warehouse.query<{ record_id: string; annotator: string }>(
      `SELECT record_id, annotator FROM annotations WHERE dataset = $1::VARCHAR AND valid_to IS NULL
       AND entity_type = 'PORT' ORDER BY record_id, annotator LIMIT 1`,
      [NAME],
    );
    if (!victim) throw new Error('no row');
    await warehouse.execute(
      `DELETE FROM annotations WHERE dataset = $1::VARCHAR AND record_id = $2::VARCHAR AND annotator = $3::VARCHAR
       AND entity_type = 'PORT'`,
      [NAME, victim.record_id, victim.annotator],
    );
    const report = await validateArgilla({
      argilla: createArgillaClient({ baseUrl: argilla.url, apiKey: OWNER, fetch, log: silentLogger }),
      warehouse,
      datasets: config(),
      log: silentLogger,
    });
    expect(report.matches).toBe(false);
    expect(report.datasets[0]).toMatchObject({
      outcome: 'differences',
      differences: [
        { label: null, measure: 'spans', argilla: SPANS, warehouse: SPANS - 1 },
        { label: 'PORT', measure: 'responses', argilla: SUBMITTED, warehouse: SUBMITTED - 1 },
        { label: 'PORT', measure: 'spans', argilla: SUBMITTED, warehouse: SUBMITTED - 1 },
      ],
      examples: [{ recordId: victim.record_id, annotator: victim.annotator, label: 'PORT', argilla: 1, warehouse: 0 }],
    });

    // The CLI says the same and exits 1 (a dry run needs no Worker: Argilla and the warehouse only).
    const run = await runCli('argilla.ts', ['backfill', '--dry-run'], {
      cwd: dirname(dir()),
      env: {
        PATH: process.env.PATH,
        ARGILLA_URL: argilla.url,
        ARGILLA_API_KEY: OWNER,
        ARGILLA_DATASETS: JSON.stringify([{ names: [NAME], documentId: 'metadata:document_id' }]),
        WAREHOUSE_URL: url,
      },
    });
    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain(
      `${NAME}: 450 records, 0 responses new or changed, 0 spans, 0 responses closed; would write 0 files`,
    );
    expect(run.out).toContain(`dataset ${NAME}: 3 differences`);
    expect(run.out).toContain(`  difference: PORT spans: Argilla ${SUBMITTED}, warehouse ${SUBMITTED - 1} (1 missing)`);
    expect(run.out).toContain(
      `    record_id ${victim.record_id}, annotator ${victim.annotator}, PORT: 1 span in Argilla, 0 in the warehouse`,
    );
    expect(run.out).toContain('validation: DIFFERENCES FOUND');
  });
});

describe('backfill file bounds', () => {
  const row = { record_id: 'r' } as AnnotationRow;
  const units = fc.array(
    fc.nat({ max: 6 }).map((n): FileUnit<number> => ({ rows: Array.from({ length: n }, () => row), write: n })),
    { maxLength: 40 },
  );

  it('halving keeps every unit whole and in order, and every file within the bound unless one unit alone exceeds it', () => {
    fc.assert(
      fc.property(units, fc.integer({ min: 1, max: 200 }), (all, maxBytes) => {
        // 10 bytes a row, plus a 7-byte footer.
        const files = encodeWithin(all, maxBytes, (rows) => ({
          bytes: new Uint8Array(rows.length * 10 + 7),
          batchId: 'b',
        }));
        expect(files.flatMap((f) => f.units).filter((u) => u.rows.length > 0)).toEqual(
          all.filter((u) => u.rows.length > 0),
        );
        for (const f of files) {
          expect(f.rows.length).toBeGreaterThan(0);
          const whole = f.units.filter((u) => u.rows.length > 0).length;
          if (whole > 1) expect(f.bytes.byteLength).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });

  it('reads --max-bytes as bytes or with K, M, G (powers of 1024)', () => {
    expect([parseSize('1000'), parseSize('512K'), parseSize('16M'), parseSize('1GiB'), parseSize('1.5m')]).toEqual([
      1000,
      512 * 1024,
      16 * 1024 * 1024,
      1024 ** 3,
      1.5 * 1024 * 1024,
    ]);
    expect([parseSize('0'), parseSize('-1'), parseSize('ten'), parseSize('5T')]).toEqual([null, null, null, null]);
  });
});

describe('backfill --production', () => {
  it('puts each file with wrangler r2 object put --remote and reads its verdict from the Worker with the token', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'backfill-production-'));
    const fake = join(scratch, 'fake-wrangler.mjs');
    // A wrangler stand-in: records its argv and the file it was given.
    writeFileSync(
      fake,
      `import { copyFileSync, writeFileSync } from 'node:fs';
const argv = process.argv.slice(2);
writeFileSync(${JSON.stringify(join(scratch, 'call.json'))}, JSON.stringify(argv));
copyFileSync(argv[argv.indexOf('--file') + 1], ${JSON.stringify(join(scratch, 'uploaded.parquet'))});
`,
    );
    const seen: string[] = [];
    const worker = createServer((req, res) => {
      seen.push(`${req.headers.authorization} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      const row = { key: 'argilla/x/1.parquet', etag: createHash('md5').update('PAR1 bytes').digest('hex') };
      res.end(
        JSON.stringify({
          ingestions: [
            {
              ...row,
              eventTime: null,
              status: 'loaded',
              attempts: 1,
              rows: 3,
              target: 'annotations',
              strategy: 'remote',
              error: null,
            },
          ],
        }),
      );
    });
    await new Promise<void>((r) => worker.listen(0, '127.0.0.1', r));
    try {
      const target = productionTarget({
        publicUrl: `http://127.0.0.1:${(worker.address() as AddressInfo).port}/`,
        token: 'prod-token',
        wrangler: fake,
        root: scratch,
      });
      const stored = await target.put('argilla/x/1.parquet', new TextEncoder().encode('PAR1 bytes'));
      expect(stored).toEqual({ etag: createHash('md5').update('PAR1 bytes').digest('hex'), size: 10 });
      const argv = JSON.parse(readFileSync(join(scratch, 'call.json'), 'utf8')) as string[];
      expect(argv).toEqual([
        'r2',
        'object',
        'put',
        'vessel-annotations/argilla/x/1.parquet',
        '--file',
        argv[5],
        '--remote',
        '-c',
        'wrangler.toml',
        '--env',
        'production',
      ]);
      expect(readFileSync(join(scratch, 'uploaded.parquet'), 'utf8')).toBe('PAR1 bytes');
      expect(existsSync(argv[5] as string)).toBe(false);
      const waited = await target.wait([{ key: 'argilla/x/1.parquet', etag: stored.etag }], {
        since: new Date(),
        verdict: () => {},
      });
      expect(waited.verdicts.get('argilla/x/1.parquet')).toMatchObject({ status: 'loaded', rows: 3 });
      expect(seen[0]).toMatch(
        /^Bearer prod-token \/api\/ingestions\?bucket=vessel-annotations&since=\S+&limit=1000&offset=0$/,
      );
    } finally {
      await new Promise((r) => worker.close(r));
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('reads nothing of .dev.vars, and refuses a loopback PUBLIC_URL before reading Argilla', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'backfill-production-'));
    writeFileSync(join(scratch, '.dev.vars'), `WAREHOUSE_URL=${url}\nARGILLA_API_KEY=${OWNER}\n`);
    const env = {
      PATH: process.env.PATH,
      ARGILLA_URL: argilla.url,
      ARGILLA_DATASETS: JSON.stringify([{ names: [NAME] }]),
    };
    try {
      expect(await runCli('argilla.ts', ['backfill', '--production'], { cwd: scratch, env })).toEqual({
        code: 1,
        out: 'error: ARGILLA_API_KEY is not set (environment)\n',
      });
      const before = argilla.requests.length;
      const loopback = await runCli('argilla.ts', ['backfill', '--production'], {
        cwd: scratch,
        env: { ...env, ARGILLA_API_KEY: OWNER, WAREHOUSE_URL: url, PUBLIC_URL: 'http://127.0.0.1:8787' },
      });
      expect(loopback).toEqual({
        code: 1,
        out: "error: --production needs the production Worker's URL to watch the loads: PUBLIC_URL http://127.0.0.1:8787 is a loopback address, which only this machine can open\n",
      });
      expect(argilla.requests.length).toBe(before);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
