// Issue 15's backfill, done when: `ARGILLA_STANDIN=1 npm start` in a scratch copy of the checkout, a stand-in
// dataset of 20,000 responses dated over the past year, `npm run argilla -- backfill` through the real CLI
// into the running stack (wrangler dev's R2 and ingest queue, the embedded warehouse): the report matches
// exactly, a second run adds nothing, and discovery makes the types active, not stale, and says so.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { parseDevVars } from '../../tools/local/dev-vars.ts';
import { freePorts } from '../../tools/local/ports.ts';
import { runCli } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const LINKED = [
  'workers',
  'lib',
  'sql',
  'node_modules',
  'package.json',
  'wrangler.toml',
  'wrangler.schema-discovery.toml',
  'tsconfig.json',
  'tsconfig.base.json',
];
const NAME = 'vessel-history';
const RESPONSES = 20_000;
const DAY = 86_400_000;

let dir: string;
let child: ChildProcess;
let output = '';
let warehouse: Warehouse;
let worker: number;
let vars: Record<string, string>;

async function until<T>(check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A naive-UTC Argilla timestamp. */
const naive = (ms: number) => new Date(ms).toISOString().slice(0, 19);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'living-schema-backfill-'));
  for (const name of LINKED) symlinkSync(join(REPO, name), join(dir, name));
  // The maritime fixture's workspaces and users without its datasets: the initial sync of npm start then loads
  // nothing, and every entity type is the backfill's.
  const seed = join(dir, 'people-only.json');
  writeFileSync(seed, JSON.stringify({ ...JSON.parse(readFileSync(MARITIME_FIXTURE, 'utf8')), datasets: [] }));
  const [warehousePort, slackPort, workerPort, inspectorPort, argillaPort] = await freePorts(5);
  worker = workerPort as number;
  child = spawn(process.execPath, [join(REPO, 'tools/cli/start.ts')], {
    cwd: dir,
    env: {
      ...process.env,
      ARGILLA_STANDIN: '1',
      WAREHOUSE_PORT: String(warehousePort),
      SLACK_SINK_PORT: String(slackPort),
      WORKER_PORT: String(worker),
      INSPECTOR_PORT: String(inspectorPort),
      ARGILLA_STANDIN_PORT: String(argillaPort),
      ARGILLA_STANDIN_SEED: seed,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    return output.includes('Ctrl-C stops everything.') ? true : undefined;
  }, 150_000);
  vars = parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8'));
  warehouse = createPostgresWarehouse(vars.WAREHOUSE_URL as string, { max: 1 });
  // The SMEs' past year: records spread evenly from a year ago to an hour ago, two annotators each.
  const now = Date.now();
  const made = await fetch(`${vars.ARGILLA_URL}/__standin/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      responses: RESPONSES,
      name: NAME,
      from: naive(now - 365 * DAY),
      to: naive(now - 3_600_000),
    }),
  });
  expect(made.status).toBe(201);
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** `npm run argilla -- backfill` in the checkout; the datasets as an operator would name them. */
function backfill() {
  return runCli('argilla.ts', ['backfill'], {
    cwd: dir,
    env: {
      ...process.env,
      WORKER_PORT: String(worker),
      ARGILLA_DATASETS: JSON.stringify([{ names: [NAME], documentId: 'metadata:document_id' }]),
    },
  });
}

const scalar = async (sql: string) => Number(Object.values((await warehouse.query(sql))[0] ?? {})[0]);
const files = () => {
  const folder = join(dir, '.data', 'r2', 'vessel-annotations', 'argilla', NAME);
  return existsSync(folder) ? readdirSync(folder).length : 0;
};
const loads = () => scalar(`SELECT count(*) FROM ingest_log WHERE bucket = 'vessel-annotations'`);
const rows = () => scalar(`SELECT count(*) FROM annotations WHERE dataset = '${NAME}'`);
const TABLE = [
  '  label        responses in Argilla  in warehouse  spans in Argilla  in warehouse',
  '  FLAG_STATE                 20,000        20,000            20,000        20,000',
  '  IMO_NUMBER                 20,000        20,000            20,000        20,000',
  '  PORT                       20,000        20,000            20,000        20,000',
  '  VESSEL_NAME                20,000        20,000            20,000        20,000',
  '  (all)                      20,000        20,000            80,000        80,000',
].join('\n');

describe('npm run argilla -- backfill against npm start', () => {
  it('exports 20,000 responses over a year in bounded files, the stack loads them, and the report matches exactly', async () => {
    const started = Date.now();
    const run = await backfill();
    const ms = Date.now() - started;
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(
      `${NAME}: 10,000 records, 20,000 responses new or changed, 80,000 spans, 0 responses closed; wrote 2 files (80,000 rows`,
    );
    expect(run.out).toContain('loads: 2 of 2 files loaded (80,000 rows)');
    expect(run.out).toContain(`dataset ${NAME}: match\n${TABLE}\n`);
    expect(run.out).toContain('validation: every dataset matches');
    // The figure the report quotes.
    console.log(`backfill of ${RESPONSES} responses: ${ms} ms; ${run.out.match(/backfill done in .*/)?.[0]}`);
    expect([files(), await loads(), await rows()]).toEqual([2, 2, 80_000]);
    expect(
      await scalar(
        `SELECT date_diff('day', min(annotated_at), max(annotated_at)) FROM annotations WHERE dataset = '${NAME}'`,
      ),
    ).toBeGreaterThanOrEqual(360);
  }, 120_000);

  it('a second run writes no file and adds no row', async () => {
    const run = await backfill();
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(
      `${NAME}: 10,000 records, 0 responses new or changed, 0 spans, 0 responses closed; wrote 0 files`,
    );
    expect(run.out).not.toContain('waiting for the ingest consumer');
    expect(run.out).toContain(`dataset ${NAME}: match\n${TABLE}\n`);
    expect([files(), await loads(), await rows()]).toEqual([2, 2, 80_000]);
  }, 120_000);

  it('discovery makes the backfilled types active, not stale, and the digest announces them so', async () => {
    const fired = await fetch(`http://127.0.0.1:${worker}/__scheduled/discovery`, {
      method: 'POST',
      headers: { authorization: `Bearer ${vars.API_TOKEN}` },
    });
    // The loads also queued a run (its batch waits up to 10 s): either may take them in, and the other finds nothing new.
    const outcome = (await fired.json()) as { status: string };
    expect(['succeeded', 'busy'], JSON.stringify(outcome)).toContain(outcome.status);
    const types = await until(async () => {
      const found = await warehouse.query<{ name: string; status: string }>(
        'SELECT name, status FROM entity_types ORDER BY name',
      );
      return found.length === 4 ? found : undefined;
    });
    expect(types).toEqual(
      ['FLAG_STATE', 'IMO_NUMBER', 'PORT', 'VESSEL_NAME'].map((name) => ({ name, status: 'active' })),
    );
    const digest = await until(async () => {
      const log = join(dir, '.data', 'slack-messages.jsonl');
      const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      return lines.find((l) => l.includes('New entity types'));
    });
    for (const name of ['FLAG_STATE', 'IMO_NUMBER', 'PORT', 'VESSEL_NAME'])
      expect(digest).toContain(`\`${name}\` (active)`);
    expect(digest).not.toContain('stale');
  }, 120_000);
});
