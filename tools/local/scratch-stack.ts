// `npm start` in a scratch folder on free ports, for benches and tests: it never meets a stack the user runs,
// and its .data and .dev.vars go away with it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DevVars, parseDevVars } from './dev-vars.ts';
import { freePorts } from './ports.ts';

const REPO = resolve(import.meta.dirname, '../..');
/** What `npm start` reads from its working directory; tools/cli/start.ts itself runs from the checkout. */
const LINKED = [
  'workers',
  'lib',
  'sql',
  'node_modules',
  'package.json',
  'wrangler.toml',
  'wrangler.schema-discovery.toml',
];

export interface ScratchStack {
  readonly dir: string;
  /** The main Worker, `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** What `npm start` printed so far. */
  output(): string;
  /** The scratch folder's .dev.vars, as it is now. */
  vars(): DevVars;
  /** Ctrl-C, waits for the stack to stop, and removes the folder. */
  close(): Promise<void>;
}

export interface ScratchStackOptions {
  /** Added to this process's environment (the ports are set here). */
  readonly env?: NodeJS.ProcessEnv;
  readonly readyWithinMs?: number;
  /** Called about once a second while the stack starts (a bench prints a dot). */
  readonly waiting?: () => void;
}

export async function startScratchStack(options: ScratchStackOptions = {}): Promise<ScratchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'living-schema-stack-'));
  for (const name of LINKED) symlinkSync(join(REPO, name), join(dir, name));
  const ports = { WAREHOUSE_PORT: 0, SLACK_SINK_PORT: 0, WORKER_PORT: 0, INSPECTOR_PORT: 0 };
  const picked = await freePorts(Object.keys(ports).length);
  for (const [i, name] of (Object.keys(ports) as (keyof typeof ports)[]).entries()) ports[name] = picked[i] as number;
  const env = {
    ...process.env,
    ...options.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'tools/cli/start.ts')], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyWithinMs ?? 180_000);
  while (!output.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`npm start did not become ready:\n${output}`);
    }
    options.waiting?.();
    await new Promise((r) => setTimeout(r, 1000));
  }
  return {
    dir,
    base: `http://127.0.0.1:${ports.WORKER_PORT}`,
    output: () => output,
    vars: () => parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8')),
    close,
  };
}
