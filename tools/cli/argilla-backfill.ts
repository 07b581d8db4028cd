// `npm run argilla -- backfill`: exports every submitted response of the configured Argilla datasets as
// Parquet files of bounded size, waits for the pipeline to load them and prints the validation report
// (tools/argilla/backfill.ts). Exit 0 when Argilla and the warehouse match, 1 otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { type ArgillaDatasets, parseArgillaDatasets } from '../../lib/argilla/config.ts';
import type { FileBounds } from '../../lib/argilla/sync.ts';
import { errorMessage } from '../../lib/errors.ts';
import { publicUrlProblem } from '../../lib/http/public-url.ts';
import type { Logger } from '../../lib/log.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { type BackfillProgress, type BackfillTarget, DEFAULT_FILE_BOUNDS, runBackfill } from '../argilla/backfill.ts';
import { formatBytes, formatLoads, formatProgress, formatSync, formatValidation } from '../argilla/backfill-format.ts';
import { localStackTarget, productionTarget } from '../argilla/backfill-targets.ts';
import { type DevVars, parseDevVars, redactUrl, warehouseUrlProblem } from '../local/dev-vars.ts';
import { initParquetWasmInNode } from '../local/parquet-wasm.ts';
import { localWorkerUrl } from '../local/upload.ts';
import { cliArgs, cliConfig, fail } from './args.ts';

export const BACKFILL_USAGE = `usage: npm run argilla -- backfill [--dataset NAME[,NAME...]] [--dry-run] [--max-rows N] [--max-bytes SIZE]
                                  [--json] [--production]
  exports every submitted response of the configured datasets (ARGILLA_DATASETS) through the sync's
  flattening into Parquet files of at most --max-rows rows (default ${DEFAULT_FILE_BOUNDS.maxRows.toLocaleString('en-US')}) and --max-bytes
  (default ${formatBytes(DEFAULT_FILE_BOUNDS.maxBytes)}; 512K, 16M, 1G), waits for the pipeline to load them, then compares
  Argilla with the current rows of annotations per dataset and label. Only what changed since the last
  backfill or sync is written: a second run writes nothing. Exit 0 when they match, 1 otherwise.
  --dataset     only these datasets (names or ids among the configured ones)
  --dry-run     read Argilla and say which files would be written; write nothing, save no state (the
                validation still compares what the warehouse holds now)
  --json        the whole result as JSON on stdout (progress goes to stderr)
  --production  production R2 (wrangler r2 object put --remote) and MotherDuck, from the environment only:
                WAREHOUSE_URL, ARGILLA_API_KEY, ARGILLA_URL / ARGILLA_DATASETS / PUBLIC_URL (else
                wrangler.toml's [env.production.vars]), API_TOKEN when READ_AUTH is token
Locally ARGILLA_URL, ARGILLA_API_KEY, ARGILLA_DATASETS and WAREHOUSE_URL come from the environment, else
.dev.vars (ARGILLA_DATASETS else wrangler.toml), and the files go to the running \`npm start\`.`;

/** `512K`, `16M`, `1G` (powers of 1024) or a number of bytes. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?$/i.exec(text.trim());
  if (!m) return null;
  const unit = (m[2] ?? 'B').toUpperCase()[0] as string;
  const scale = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[unit] ?? 1;
  const n = Math.floor(Number(m[1]) * scale);
  return n >= 1 ? n : null;
}

/** The Worker's own vars from wrangler.toml (top level, or [env.production]). */
async function wranglerVars(root: string, production: boolean): Promise<Record<string, unknown>> {
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({
    config: join(root, 'wrangler.toml'),
    ...(production ? { env: 'production' } : {}),
  });
  return config.vars as Record<string, unknown>;
}

function wranglerEntry(root: string): string {
  // LIVING_SCHEMA_WRANGLER: another wrangler entry script (a test's stand-in).
  if (process.env.LIVING_SCHEMA_WRANGLER) return process.env.LIVING_SCHEMA_WRANGLER;
  const pkg = createRequire(import.meta.url).resolve('wrangler/package.json', { paths: [root] });
  return join(dirname(pkg), 'bin', 'wrangler.js');
}

/** Warnings from the client and the sync as readable lines on stderr. */
function cliLogger(): Logger {
  const line =
    (level: string) =>
    (message: string, fields: Readonly<Record<string, unknown>> = {}) =>
      console.error(`${level}: ${message} ${JSON.stringify(fields)}`);
  return { info: () => {}, warn: line('warning'), error: line('error') };
}

export async function backfillCli(argv: readonly string[]): Promise<void> {
  const args = cliArgs(argv, {
    usage: BACKFILL_USAGE,
    flags: ['dry-run', 'json', 'production'],
    valued: ['dataset', 'max-rows', 'max-bytes'],
  });
  if (args.positionals.length > 0) fail(`unexpected argument '${args.positionals[0]}'\n${BACKFILL_USAGE}`);
  const dryRun = args.flags.has('dry-run');
  const production = args.flags.has('production');
  const json = args.flags.has('json');
  const maxRows = Number(args.values.get('max-rows') ?? DEFAULT_FILE_BOUNDS.maxRows);
  if (!Number.isInteger(maxRows) || maxRows < 1) fail(`--max-rows must be a positive whole number\n${BACKFILL_USAGE}`);
  const maxBytesArg = args.values.get('max-bytes');
  const maxBytes = maxBytesArg === undefined ? DEFAULT_FILE_BOUNDS.maxBytes : parseSize(maxBytesArg);
  if (maxBytes === null) fail(`--max-bytes must be a size such as 16M, 512K or 1000000\n${BACKFILL_USAGE}`);
  const bounds: FileBounds = { maxRows, maxBytes };
  const only = args.values
    .get('dataset')
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

  const config = cliConfig();
  // Production reads nothing of .dev.vars, which describes the local stack.
  const devVars: DevVars =
    !production && existsSync(config.devVarsPath) ? parseDevVars(readFileSync(config.devVarsPath, 'utf8')) : {};
  let vars: Record<string, unknown> | null = null;
  const fromToml = async (name: string) => {
    vars ??= await wranglerVars(config.root, production);
    const value = vars[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const where = production ? 'environment' : 'environment or .dev.vars';
  const local = (name: string) => process.env[name] || devVars[name] || undefined;
  const required = (name: string, value: string | undefined) => value ?? fail(`${name} is not set (${where})`);

  const argillaUrl = required(
    'ARGILLA_URL',
    local('ARGILLA_URL') ?? (production ? await fromToml('ARGILLA_URL') : undefined),
  );
  if (!URL.canParse(argillaUrl)) fail(`ARGILLA_URL ${JSON.stringify(argillaUrl)} is not a URL`);
  const apiKey = required('ARGILLA_API_KEY', local('ARGILLA_API_KEY'));
  const warehouseUrl = required('WAREHOUSE_URL', local('WAREHOUSE_URL'));
  const urlProblem = warehouseUrlProblem(warehouseUrl);
  if (urlProblem) fail(urlProblem);
  let datasets: ArgillaDatasets;
  try {
    datasets = parseArgillaDatasets(local('ARGILLA_DATASETS') ?? (await fromToml('ARGILLA_DATASETS')));
  } catch (error) {
    fail(errorMessage(error));
  }
  if (datasets.length === 0) fail('ARGILLA_DATASETS names no dataset (environment, .dev.vars or wrangler.toml)');
  const known = new Set(datasets.flatMap((d) => d.names));
  const unknown = (only ?? []).filter((n) => !known.has(n) && !/^[0-9a-f-]{36}$/i.test(n));
  if (unknown.length > 0)
    fail(`--dataset ${unknown.join(', ')}: not among ARGILLA_DATASETS (${[...known].join(', ')})`);

  let target: BackfillTarget;
  if (production) {
    const publicUrl = local('PUBLIC_URL') ?? (await fromToml('PUBLIC_URL'));
    const problem = dryRun ? null : publicUrlProblem(publicUrl);
    if (problem) fail(`--production needs the production Worker's URL to watch the loads: ${problem}`);
    target = productionTarget({
      publicUrl: publicUrl ?? '',
      wrangler: wranglerEntry(config.root),
      root: config.root,
      ...(local('API_TOKEN') ? { token: local('API_TOKEN') as string } : {}),
    });
  } else {
    const base = localWorkerUrl(config, devVars);
    const token = local('API_TOKEN');
    if (!dryRun) {
      if (!token) fail('API_TOKEN is missing from .dev.vars: start the stack with `npm start` first');
      const health = await fetch(`${base}/health`).catch(() => null);
      if (!health)
        fail(`cannot reach the main Worker at ${base}: is \`npm start\` running? (--dry-run needs only the warehouse)`);
    }
    target = localStackTarget({ base, token: token ?? '', r2Directories: config.r2Directories });
  }

  initParquetWasmInNode();
  const out = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const log = cliLogger();
  const warehouse = createPostgresWarehouse(warehouseUrl, { max: 2 });
  const names = only ?? [...known];
  out(
    `backfill${dryRun ? ' (dry run)' : ''}: ${names.join(', ')} from ${argillaUrl} into ${redactUrl(warehouseUrl)} through ${target.description}; files of at most ${maxRows.toLocaleString('en-US')} rows and ${formatBytes(maxBytes)}`,
  );
  // Page lines at most every 2 s (and the last page); files and loads always.
  let lastPage = 0;
  const progress = (event: BackfillProgress) => {
    if (event.kind === 'page' || event.kind === 'validating') {
      const now = Date.now();
      if (event.records < event.total && now - lastPage < 2000) return;
      lastPage = now;
    }
    out(formatProgress(event));
  };
  try {
    const result = await runBackfill(
      {
        argilla: createArgillaClient({ baseUrl: argillaUrl, apiKey, fetch, log }),
        warehouse,
        datasets,
        target,
        clock: () => new Date(),
        newId: () => crypto.randomUUID(),
        log,
        progress,
      },
      { bounds, dryRun, ...(only ? { datasets: only } : {}) },
    );
    for (const line of formatSync(result.sync)) out(line);
    if (result.loads) for (const line of formatLoads(result.loads)) out(line);
    for (const line of formatValidation(result.validation)) out(line);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    out(
      `backfill ${result.ok ? 'done' : 'FAILED'} in ${s(result.ms.export + result.ms.load + result.ms.validate)} (export ${s(result.ms.export)}, loads ${s(result.ms.load)}, validation ${s(result.ms.validate)})`,
    );
    if (json) console.log(JSON.stringify(result));
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await warehouse.close();
  }
}
