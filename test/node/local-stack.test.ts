// `npm start` end to end, in a scratch copy of the checkout: the stack comes up on loopback, answers
// /health with the migrations, fires the discovery cron, takes Slack messages, takes an upload to a
// decision made in the console in headless Chromium, and Ctrl-C leaves nothing.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDevVars } from '../../tools/local/dev-vars.ts';
import { freePorts as pickPorts } from '../../tools/local/ports.ts';
import { writeParquet } from '../../tools/local/write-parquet.ts';
import { ALL_APPLIED } from '../support/migration-files.ts';
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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

/** Processes started in `root` (by working directory or command line): wrangler, workerd, the warehouse. */
function processesIn(root: string): string[] {
  const real = realpathSync(root);
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cwd === real || cwd.startsWith(`${real}/`) || cmd.includes(root)) found.push(`${pid}: ${cmd}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it). */
const CHROMIUM = '/usr/bin/chromium';

async function until<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 250));
  }
}

let dir: string;
let child: ChildProcess;
/** The second `npm start` of the last test, stopped by afterAll if that test fails first. */
let again: ChildProcess | undefined;

/** `npm run upload -- vessel-csv <file> <key>` in the checkout, without WORKER_PORT (found through .dev.vars). */
function uploadCli(key: string, file: string): Promise<{ code: number | null; out: string }> {
  return runCli('upload.ts', ['vessel-csv', file, key], { cwd: dir, env: { ...process.env, WORKER_PORT: '' } });
}
const slackLog = () => join(dir, '.data', 'slack-messages.jsonl');
let output = '';
type Ports = { warehouse: number; slack: number; worker: number; inspector: number };
let ports: Ports;

/** Every port `npm start` listens on, so that nothing falls back to a default another process may hold. */
async function freePorts(): Promise<Ports> {
  const [warehouse, slack, worker, inspector] = (await pickPorts(4)) as [number, number, number, number];
  return { warehouse, slack, worker, inspector };
}

function startEnv(p: Ports): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WAREHOUSE_PORT: String(p.warehouse),
    SLACK_SINK_PORT: String(p.slack),
    WORKER_PORT: String(p.worker),
    INSPECTOR_PORT: String(p.inspector),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'living-schema-start-'));
  for (const name of LINKED) symlinkSync(join(REPO, name), join(dir, name));
  ports = await freePorts();
  child = spawn(process.execPath, [join(REPO, 'tools/cli/start.ts')], {
    cwd: dir,
    env: startEnv(ports),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 150_000;
  while (!output.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 180_000);

afterAll(() => {
  // npm start's watchdog reaps the Workers of a killed start (the last test shows it).
  for (const p of [child, again]) if (p && p.exitCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs wrangler and workerd from the checkout (so the shutdown check below can see them)', () => {
    expect(processesIn(dir).some((p) => p.includes('wrangler'))).toBe(true);
    expect(processesIn(dir).some((p) => p.includes('workerd'))).toBe(true);
  });

  it('writes a private .dev.vars with random tokens and loopback URLs', () => {
    const path = join(dir, '.dev.vars');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const vars = parseDevVars(readFileSync(path, 'utf8'));
    expect(vars.WAREHOUSE_URL).toMatch(
      new RegExp(`^postgres://postgres:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:${ports.warehouse}/living_schema$`),
    );
    expect(vars.API_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(vars.SLACK_WEBHOOK_URL).toBe(`http://127.0.0.1:${ports.slack}/slack/webhook`);
    expect(vars.PUBLIC_URL).toBe(`http://127.0.0.1:${ports.worker}`);
    expect(output).not.toContain(vars.API_TOKEN);
    expect(output).not.toContain(new URL(vars.WAREHOUSE_URL as string).password);
  });

  it('refuses a second start on the same data, which leaves PUBLIC_URL on the running Worker', async () => {
    // Ports of its own: the only thing in its way is the running stack's hold on the database file.
    const { code, out: said } = await runCli('start.ts', [], { cwd: dir, env: startEnv(await freePorts()) });
    expect(code, said).toBe(1);
    expect(said).toContain('the warehouse did not start');
    const vars = parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8'));
    expect(vars.PUBLIC_URL).toBe(`http://127.0.0.1:${ports.worker}`);
  });

  it('serves /health on the main Worker with the warehouse and the applied migrations', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.worker}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      warehouse: { reachable: true },
      migrations: ALL_APPLIED,
    });
  });

  it('fires the discovery cron by hand with the API token', async () => {
    const token = parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8')).API_TOKEN;
    const response = await fetch(`http://127.0.0.1:${ports.worker}/__scheduled/discovery`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
  });

  it('fires the main Worker’s cron at /__scheduled', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.worker}/__scheduled?cron=*/15+*+*+*+*`);
    expect(response.status).toBe(200);
  });

  it('records Slack messages in .data/slack-messages.jsonl like a webhook would', async () => {
    const ok = await fetch(`http://127.0.0.1:${ports.slack}/slack/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello from the test' }),
    });
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    const bad = await fetch(`http://127.0.0.1:${ports.slack}/slack/webhook`, { method: 'POST', body: 'not json' });
    expect([bad.status, await bad.text()]).toEqual([400, 'invalid_payload']);
    const lines = readFileSync(slackLog(), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { message: unknown }).message)).toEqual([
      { text: 'hello from the test' },
    ]);
  });

  it('loads a file with `npm run upload` and refuses a key or file that names no object', async () => {
    const csv = join(dir, 'ports.csv');
    writeFileSync(csv, 'port,country\nRotterdam,NL\nSingapore,SG\n');
    const upload = (key: string, file = csv) => uploadCli(key, file);
    const loaded = await upload('ports/2026-11.csv');
    expect(loaded.out).toMatch(/loaded 2 rows into structured_data \(push\)/);
    expect(loaded.code).toBe(0);
    const outside = await upload('../../outside.csv');
    expect(outside.out).toContain("error: key '../../outside.csv' has an empty, '.' or '..' segment");
    expect(outside.code).toBe(1);
    expect(existsSync(join(dir, '.data', 'outside.csv'))).toBe(false);
    expect(existsSync(join(dir, 'outside.csv'))).toBe(false);
    const folder = await upload('ports/x.csv', join(dir, '.data'));
    expect(folder.out).toContain(`error: not a file: ${join(dir, '.data')}`);
    expect(folder.code).toBe(1);
    const dotted = await upload('ports/./x.csv');
    expect(dotted.out).toContain("error: key 'ports/./x.csv' has an empty, '.' or '..' segment");
    expect(dotted.code).toBe(1);
    const noName = await upload('ports/');
    expect(noName.out).toContain("error: key 'ports/' names no object");
    expect(noName.code).toBe(1);
    // Only the one good upload reached the consumer.
    const { ingestions } = (await (await fetch(`http://127.0.0.1:${ports.worker}/api/ingestions`)).json()) as {
      ingestions: { key: string }[];
    };
    expect(ingestions.map((i) => i.key).filter((k) => k.startsWith('ports/'))).toEqual(['ports/2026-11.csv']);
  });

  it('takes an upload through ingestion and discovery to a merge decided on the review page (Chromium)', async () => {
    const base = `http://127.0.0.1:${ports.worker}`;
    const token = parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8')).API_TOKEN as string;
    const auth = { authorization: `Bearer ${token}` };
    const file = join(dir, 'vessels.parquet');
    await writeParquet(
      file,
      `SELECT * FROM (VALUES
         ('r1', 'doc-1', 'VESSEL_NAME', 0, 10, 'Ever Given', 'alice', 'submitted', TIMESTAMPTZ '2026-11-20 09:00:00+00', 'vessels'),
         ('r2', 'doc-2', 'VESSEL_NAME', 0, 14, 'Maersk Alabama', 'alice', 'submitted', TIMESTAMPTZ '2026-11-20 09:01:00+00', 'vessels'),
         ('r3', 'doc-3', 'VESEL_NAME', 0, 9, 'Ever Givn', 'bob', 'submitted', TIMESTAMPTZ '2026-11-20 09:02:00+00', 'vessels'))
       t(record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset)`,
    );
    const put = await fetch(`${base}/v1/objects/vessel-annotations/argilla/review.parquet`, {
      method: 'PUT',
      headers: auth,
      body: readFileSync(file),
    });
    expect(put.status).toBe(202);
    await until(async () => {
      const { ingestions } = (await (await fetch(`${base}/api/ingestions`)).json()) as {
        ingestions: { key: string; status: string; rows: number }[];
      };
      return ingestions.find((i) => i.key === 'argilla/review.parquet' && i.status === 'loaded');
    });

    // The cron run raises the conflict, unless the discovery queue's batch (the upload test above sent one;
    // it waits up to 10 s) ran after this load and raised it first: the cron then finds nothing new, or is
    // busy. Either way exactly one run raised it.
    const cron = await fetch(`${base}/__scheduled/discovery`, { method: 'POST', headers: auth });
    const outcome = (await cron.json()) as { status: string; report?: { conflicts: { newName: string }[] } };
    expect(['succeeded', 'busy'], JSON.stringify(outcome)).toContain(outcome.status);
    const conflict = await until(async () => {
      const { conflicts } = (await (await fetch(`${base}/api/conflicts?status=open`)).json()) as {
        conflicts: { id: string; newName: string; existingName: string }[];
      };
      return conflicts.find((c) => c.newName === 'VESEL_NAME');
    });
    expect(conflict.existingName).toBe('VESSEL_NAME');
    await until(async () => (readFileSync(slackLog(), 'utf8').includes('VESEL_NAME') ? true : undefined));
    // The digest's buttons lead to this stack's port, not wrangler.toml's default.
    const digest =
      readFileSync(slackLog(), 'utf8')
        .trim()
        .split('\n')
        .findLast((line) => line.includes('VESEL_NAME')) ?? '';
    expect(digest).toContain(`"url":"${base}/conflicts/${conflict.id}"`);

    if (!existsSync(CHROMIUM)) throw new Error(`the console is tested in ${CHROMIUM}: apt-get install -y chromium`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      // The digest's link: the console asks for the token first, then shows the conflict.
      await page.goto(`${base}/conflicts/${conflict.id}`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await page.fill('input[name="by"]', 'maria@example.com');
      await page.fill('input[name="token"]', token);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${base}/conflicts/${conflict.id}`);
      const card = page.locator(`#conflict-${conflict.id}`);
      await expect(card.locator('h2').textContent()).resolves.toBe('VESEL_NAME ↔ VESSEL_NAME');
      await card.locator('input[name="note"]').fill('typo');
      await card.locator('button[value="merge"]').click();
      await page.locator('p.notice').waitFor();
      expect(await page.locator('p.notice').textContent()).toContain('Merged VESEL_NAME ↔ VESSEL_NAME.');
      expect(await card.locator('p.decided').textContent()).toContain('Merged by maria@example.com');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    const decided = (await (await fetch(`${base}/api/conflicts/${conflict.id}`)).json()) as Record<string, unknown>;
    expect(decided).toMatchObject({
      status: 'merged',
      decision: 'merge',
      decidedBy: 'maria@example.com',
      note: 'typo',
    });
  }, 120_000);

  it('stops everything on Ctrl-C and checkpoints the database', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('warehouse checkpointed and stopped');
    for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);
    expect(processesIn(dir)).toEqual([]);
    expect(existsSync(join(dir, '.data', 'living_schema.duckdb'))).toBe(true);
    expect(existsSync(join(dir, '.data', 'living_schema.duckdb.wal'))).toBe(false);

    // With the stack down an upload is refused, and the bucket directory keeps what it held.
    const bucket = join(dir, '.data', 'r2', 'vessel-csv');
    const before = readFileSync(join(bucket, 'ports', '2026-11.csv'), 'utf8');
    const changed = join(dir, 'changed.csv');
    writeFileSync(changed, 'port,country\nOslo,NO\n');
    for (const key of ['ports/2026-11.csv', 'down/new.csv']) {
      const refused = await uploadCli(key, changed);
      expect(refused.out).toContain('cannot reach the main Worker');
      expect(refused.code).toBe(1);
    }
    expect(readFileSync(join(bucket, 'ports', '2026-11.csv'), 'utf8')).toBe(before);
    expect(existsSync(join(bucket, 'down', 'new.csv'))).toBe(false);
  });

  it('leaves no Worker behind when npm start itself is killed', async () => {
    let said = '';
    const fresh = await freePorts();
    again = spawn(process.execPath, [join(REPO, 'tools/cli/start.ts')], {
      cwd: dir,
      env: startEnv(fresh),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = again;
    started.stdout?.on('data', (d: Buffer) => {
      said += d.toString();
    });
    started.stderr?.on('data', (d: Buffer) => {
      said += d.toString();
    });
    await until(async () => {
      if (started.exitCode !== null) throw new Error(`npm start exited early:\n${said}`);
      return said.includes('Ctrl-C stops everything.') ? true : undefined;
    }, 150_000);
    expect(processesIn(dir).some((p) => p.includes('workerd'))).toBe(true);
    started.kill('SIGKILL');
    await until(async () => (processesIn(dir).length === 0 ? true : undefined), 15_000);
    expect(await portOpen(fresh.worker)).toBe(false);
  }, 180_000);
});
