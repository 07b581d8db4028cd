// Shared pieces of `npm run bench`: an embedded warehouse, the main Worker in workerd (Miniflare, built
// exactly as `wrangler deploy` builds it), generated files, and memory readings of the workerd process.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { migrate } from '../../lib/migrations/runner.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { buildConsoleAssets } from '../build/console-assets.ts';
import { startWarehouseServer, type WarehouseServer } from '../embedded-warehouse/server.ts';
import { bucketDirectories } from '../local/config.ts';
import { readMigrationFiles } from '../migrations/files.ts';

const TOKEN = 'bench-warehouse-token-000000000000';
const API_TOKEN = 'bench-api-token-000000000000';

export interface Bench {
  readonly dir: string;
  readonly warehouse: WarehouseServer;
  readonly r2Directories: Record<string, string>;
  /**
   * A fresh, migrated database on the warehouse. `drop` detaches it, so the next measurement starts from
   * the same warehouse as the first did (a warehouse holding earlier rounds' rows is slower).
   */
  database(name: string): Promise<{ url: string; client: Warehouse; drop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startBench(): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'living-schema-bench-'));
  const r2Directories = bucketDirectories(dir);
  const warehouse = await startWarehouseServer({
    databasePath: ':memory:',
    port: 0,
    token: TOKEN,
    r2Directories,
    memoryLimit: '8GB',
  });
  const clients: Warehouse[] = [];
  const admin = createPostgresWarehouse(warehouse.url(), { max: 1 });
  clients.push(admin);
  return {
    dir,
    warehouse,
    r2Directories,
    database: async (name) => {
      const url = warehouse.url(name);
      const client = createPostgresWarehouse(url, { max: 2, queryTimeoutMs: 600_000 });
      clients.push(client);
      const report = await migrate(client, await readMigrationFiles());
      if (report.status !== 'ok') throw new Error(`migration failed: ${JSON.stringify(report)}`);
      const drop = async () => {
        await client.close();
        await admin.exec(`DETACH DATABASE IF EXISTS "${name}"`);
      };
      return { url, client, drop };
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { writeParquet } from '../local/write-parquet.ts';

export interface WorkerLogLine {
  readonly message?: string;
  readonly [key: string]: unknown;
}

export interface MainWorker {
  readonly mf: Miniflare;
  readonly logs: WorkerLogLine[];
  /** PID of the workerd process running the Worker. */
  readonly pid: number | null;
  close(): Promise<void>;
}

/** The main Worker as `wrangler deploy` bundles it, in workerd, with its R2 and queue bindings. */
export async function startMainWorker(dir: string, bindings: Record<string, string>): Promise<MainWorker> {
  // wrangler refuses a configuration whose [assets] directory does not exist yet (a fresh clone).
  buildConsoleAssets();
  const out = join(dir, 'worker');
  execFileSync(
    process.execPath,
    [
      join('node_modules', 'wrangler', 'bin', 'wrangler.js'),
      'deploy',
      '--dry-run',
      '--outdir',
      out,
      '-c',
      'wrangler.toml',
    ],
    {
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const config = unstable_readConfig({ config: 'wrangler.toml' });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  const wasm = readdirSync(out).find((f) => f.endsWith('.wasm'));
  const logs: WorkerLogLine[] = [];
  const before = new Set(workerdPids());
  // NOTE: Miniflare 5 takes a new options shape; wrangler still produces v4 options, so convert.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          r2Buckets: workerOptions.r2Buckets,
          queueProducers: workerOptions.queueProducers,
          compatibilityDate: config.compatibility_date,
          compatibilityFlags: config.compatibility_flags,
          name: config.name,
          modulesRoot: out,
          modules: [
            { type: 'ESModule', path: join(out, 'index.js'), contents: readFileSync(join(out, 'index.js'), 'utf8') },
            ...(wasm
              ? [{ type: 'CompiledWasm' as const, path: join(out, wasm), contents: readFileSync(join(out, wasm)) }]
              : []),
          ],
          bindings: { ...(config.vars as Record<string, string>), API_TOKEN, ...bindings },
        },
      ],
      handleStructuredLogs: (log: { message: string }) => {
        try {
          logs.push(JSON.parse(log.message) as WorkerLogLine);
        } catch {
          // Not one of ours.
        }
      },
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  await mf.ready;
  const pid = workerdPids().find((p) => !before.has(p)) ?? null;
  return { mf, logs, pid, close: () => mf.dispose() };
}

function workerdPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'workerd') pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Resident and peak resident memory of a process, in bytes. */
export function memoryOf(pid: number | null): { rss: number; peak: number } | null {
  if (pid === null) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The p-th percentile (nearest rank) of ascending `sorted`. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

export function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}
