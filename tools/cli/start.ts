// `npm start`: the whole pipeline on loopback. The embedded warehouse (migrated), a Slack webhook sink,
// and both Workers in one `wrangler dev` (shared local R2 buckets and queues, cron triggers). Ctrl-C
// stops everything and checkpoints the database.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MARITIME_FIXTURE } from '../argilla-standin/fixture.ts';
import type { ArgillaStandin } from '../argilla-standin/server.ts';
import { buildConsoleAssets } from '../build/console-assets.ts';
import { initialSync, startLocalArgilla } from '../local/argilla-standin.ts';
import { ensureDevVars, redactUrl } from '../local/dev-vars.ts';
import { startSlackSink } from '../local/slack-sink.ts';
import { formatMigrationReport, type LocalWarehouse, startLocalWarehouse } from '../local/warehouse.ts';
import { cliConfig } from './args.ts';

const config = cliConfig();
const say = (line: string) => console.log(`[start] ${line}`);

const { vars, added } = ensureDevVars(config.devVarsPath, config.ports);
if (added.length > 0) say(`wrote ${added.join(', ')} to ${config.devVarsPath}`);
const warehouseUrl = vars.WAREHOUSE_URL as string;

let warehouse: LocalWarehouse | null = null;
let sink: Awaited<ReturnType<typeof startSlackSink>> | null = null;
let wrangler: ChildProcess | null = null;
let watchdog: ChildProcess | null = null;
let argilla: ArgillaStandin | null = null;
let stopping = false;

async function stop(code: number, reason: string): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  say(`${reason}: stopping`);
  if (wrangler && wrangler.pid !== undefined) {
    if (wrangler.exitCode === null && wrangler.signalCode === null) {
      const exited = new Promise<void>((resolve) => wrangler?.once('exit', () => resolve()));
      signalGroup(wrangler.pid, 'SIGINT');
      const timer = setTimeout(() => wrangler?.pid !== undefined && signalGroup(wrangler.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // workerd and esbuild share the process group; none may outlive wrangler, even one that exited early.
    signalGroup(wrangler.pid, 'SIGKILL');
    say('workers stopped');
  }
  if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) {
    const gone = new Promise<void>((resolve) => watchdog?.once('exit', () => resolve()));
    watchdog.kill('SIGKILL');
    await gone;
  }
  await sink?.close();
  await argilla?.close();
  if (warehouse) {
    await warehouse.server.close();
    say('warehouse checkpointed and stopped');
  }
  process.exit(code);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

process.on('SIGINT', () => void stop(0, 'Ctrl-C'));
process.on('SIGTERM', () => void stop(0, 'SIGTERM'));

try {
  warehouse = await startLocalWarehouse(config, warehouseUrl, { log: say });
} catch (error) {
  console.error(`[start] the warehouse did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
for (const line of formatMigrationReport(warehouse.migrations)) say(line);
if (warehouse.migrations.status !== 'ok') await stop(1, 'migrations did not apply');
say(`warehouse listening on ${redactUrl(warehouseUrl)} (${warehouse.server.databasePath})`);

try {
  sink = await startSlackSink({ port: config.ports.slack, file: config.slackFile, print: (l) => console.log(l) });
} catch (error) {
  await stop(1, `the Slack sink did not start on port ${config.ports.slack}: ${(error as Error).message}`);
}
say(`Slack webhook sink on ${sink?.url}, messages appended to ${config.slackFile}`);

// Only now, with the warehouse's lock held (a second start fails before this), do PUBLIC_URL and the Slack
// webhook follow this start's ports; wrangler dev reads them below.
const moved = ensureDevVars(config.devVarsPath, config.ports, { followPorts: true }).added;
if (moved.length > 0) say(`wrote ${moved.join(', ')} to ${config.devVarsPath}`);

// Opt-in: a local Argilla stand-in the Workers sync from, with its webhook to the main Worker; .dev.vars must
// name it (and hold the webhook's secret) before wrangler dev reads it.
const base = `http://127.0.0.1:${config.ports.worker}`;
if (process.env.ARGILLA_STANDIN === '1') {
  try {
    const local = await startLocalArgilla({
      devVarsPath: config.devVarsPath,
      port: config.ports.argillaStandin,
      seed: (process.env.ARGILLA_STANDIN_SEED || MARITIME_FIXTURE).split(','),
      workerUrl: base,
      ports: config.ports,
    });
    argilla = local.standin;
    for (const line of local.wired) say(line);
  } catch (error) {
    await stop(1, `the Argilla stand-in did not start: ${(error as Error).message}`);
  }
}

// wrangler.toml's [assets]: the console's stylesheet, script and Mermaid renderer.
buildConsoleAssets();
const wranglerPackage = createRequire(import.meta.url).resolve('wrangler/package.json', { paths: [config.root] });
const wranglerBin = join(dirname(wranglerPackage), 'bin', 'wrangler.js');
wrangler = spawn(
  process.execPath,
  [
    wranglerBin,
    'dev',
    '-c',
    'wrangler.toml',
    '-c',
    'wrangler.schema-discovery.toml',
    '--ip',
    '127.0.0.1',
    '--port',
    String(config.ports.worker),
    '--inspector-ip',
    '127.0.0.1',
    '--inspector-port',
    String(config.ports.inspector),
    '--persist-to',
    `${config.dataDir}/wrangler`,
    '--test-scheduled',
    '--local',
    '--show-interactive-dev-session=false',
  ],
  {
    cwd: config.root,
    // Own process group, so Ctrl-C reaches it through stop() and its workerd children can be reaped.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0' },
  },
);
// If this process dies without stop() (SIGKILL, a crash), the detached group would outlive it: a watchdog
// holding a pipe from this process kills the group when the pipe closes.
if (wrangler.pid !== undefined) {
  watchdog = spawn(
    process.execPath,
    [
      '-e',
      `process.stdin.on('end', () => { try { process.kill(-${wrangler.pid}, 'SIGKILL'); } catch {} process.exit(0); }); process.stdin.resume();`,
    ],
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}
const prefix = (stream: NodeJS.ReadableStream | null, write: (s: string) => void) => {
  let pending = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') write(`[workers] ${line}\n`);
  });
};
prefix(wrangler.stdout, (s) => process.stdout.write(s));
prefix(wrangler.stderr, (s) => process.stderr.write(s));
wrangler.once('exit', (code) => {
  if (!stopping) void stop(1, `wrangler dev exited unexpectedly (code ${code})`);
});

const deadline = Date.now() + 120_000;
let healthy = false;
while (!healthy && !stopping && Date.now() < deadline) {
  try {
    const res = await fetch(`${base}/health`);
    healthy = res.status === 200;
  } catch {
    // Not listening yet.
  }
  if (!healthy) await new Promise((r) => setTimeout(r, 500));
}
if (!healthy && !stopping) await stop(1, 'the main Worker did not become healthy within 120 s');
// The seeded annotations are loaded now, not at the next */15 cron; later changes come through the webhook.
if (argilla) for (const line of await initialSync(base, vars.API_TOKEN as string)) say(line);

say('ready:');
say(`  main Worker      ${base}  (GET /health; loads files with LOAD_STRATEGY=${vars.LOAD_STRATEGY})`);
say(`  main Worker cron ${base}/__scheduled?cron=*/15+*+*+*+*`);
say(
  `  discovery cron   curl -X POST -H "Authorization: Bearer $(grep ^API_TOKEN= .dev.vars | cut -d= -f2-)" ${base}/__scheduled/discovery`,
);
say(`  warehouse        ${redactUrl(warehouseUrl)}  (psql "$(grep ^WAREHOUSE_URL= .dev.vars | cut -d= -f2-)")`);
say(`  Slack sink       ${sink?.url}  -> ${config.slackFile}`);
if (argilla) {
  say(
    `  Argilla stand-in ${argilla.url}  (npm run argilla-standin -- submit --url ${argilla.url} --label NEW_TYPE --start 0 --end 5)`,
  );
}
say('  API token        API_TOKEN in .dev.vars');
say('Ctrl-C stops everything.');
