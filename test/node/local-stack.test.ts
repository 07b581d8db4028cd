// `npm start` end to end, in a scratch copy of the checkout: the stack comes up on loopback, answers
// /health with the migrations, fires the discovery cron, takes Slack messages, and Ctrl-C leaves nothing.
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
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDevVars } from '../../lib/local/dev-vars.ts';
import { ALL_APPLIED } from '../support/migration-files.ts';

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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

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

let dir: string;
let child: ChildProcess;
let output = '';
let ports: { warehouse: number; slack: number; worker: number; inspector: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'living-schema-start-'));
  for (const name of LINKED) symlinkSync(join(REPO, name), join(dir, name));
  ports = {
    warehouse: await freePort(),
    slack: await freePort(),
    worker: await freePort(),
    inspector: await freePort(),
  };
  child = spawn(process.execPath, [join(REPO, 'lib/cli/start.ts')], {
    cwd: dir,
    env: {
      ...process.env,
      WAREHOUSE_PORT: String(ports.warehouse),
      SLACK_SINK_PORT: String(ports.slack),
      WORKER_PORT: String(ports.worker),
      INSPECTOR_PORT: String(ports.inspector),
    },
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
  if (child.exitCode === null) child.kill('SIGKILL');
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
    expect(output).not.toContain(vars.API_TOKEN);
    expect(output).not.toContain(new URL(vars.WAREHOUSE_URL as string).password);
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
    const lines = readFileSync(join(dir, '.data', 'slack-messages.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { message: unknown }).message)).toEqual([
      { text: 'hello from the test' },
    ]);
  });

  it('stops everything on Ctrl-C and checkpoints the database', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('warehouse checkpointed and stopped');
    for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);
    expect(processesIn(dir)).toEqual([]);
    expect(existsSync(join(dir, '.data', 'living_schema.duckdb'))).toBe(true);
    expect(existsSync(join(dir, '.data', 'living_schema.duckdb.wal'))).toBe(false);
  });
});
