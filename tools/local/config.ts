// Where the local stack keeps its files and which loopback ports it uses (environment overrides).
import { resolve } from 'node:path';

/** The buckets files are uploaded to and ingested from (`npm run upload`). */
export const UPLOAD_BUCKETS = ['vessel-ocr', 'vessel-csv', 'vessel-annotations'] as const;
/** Every R2 bucket of wrangler.toml: the upload buckets and vessel-reports (saved reports' results). */
export const BUCKETS = [...UPLOAD_BUCKETS, 'vessel-reports'] as const;
export type BucketName = (typeof BUCKETS)[number];

/** Each local bucket's directory under `dataDir` (`<dataDir>/r2/<bucket>`), as the warehouse resolves r2:// URLs. */
export function bucketDirectories(dataDir: string): Record<BucketName, string> {
  return Object.fromEntries(BUCKETS.map((b) => [b, resolve(dataDir, 'r2', b)])) as Record<BucketName, string>;
}

export interface LocalConfig {
  readonly root: string;
  readonly dataDir: string;
  readonly devVarsPath: string;
  /** The DuckDB file for a database name (WAREHOUSE_DB overrides it). */
  databaseFile(database: string): string;
  readonly r2Directories: Record<string, string>;
  readonly slackFile: string;
  /** WAREHOUSE_MEMORY_LIMIT, e.g. '8GB'; the warehouse's default when unset. */
  readonly memoryLimit: string | undefined;
  /** WAREHOUSE_LOG=connections logs every connection. */
  readonly logConnections: boolean;
  readonly ports: {
    readonly warehouse: number;
    readonly slack: number;
    readonly worker: number;
    readonly inspector: number;
    /** The Argilla stand-in's, when ARGILLA_STANDIN=1; 0 picks a free one. */
    readonly argillaStandin: number;
  };
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got '${raw}'`);
  return n;
}

/** Paths are relative to `root` (the directory npm runs scripts in). */
export function localConfig(root: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const dataDir = resolve(root, env.LIVING_SCHEMA_DATA_DIR ?? '.data');
  return {
    root,
    dataDir,
    devVarsPath: resolve(root, '.dev.vars'),
    databaseFile: (database) => resolve(root, env.WAREHOUSE_DB ?? resolve(dataDir, `${database}.duckdb`)),
    r2Directories: bucketDirectories(dataDir),
    slackFile: resolve(dataDir, 'slack-messages.jsonl'),
    memoryLimit: env.WAREHOUSE_MEMORY_LIMIT || undefined,
    logConnections: env.WAREHOUSE_LOG === 'connections',
    ports: {
      warehouse: port(env, 'WAREHOUSE_PORT', 5433),
      slack: port(env, 'SLACK_SINK_PORT', 8790),
      worker: port(env, 'WORKER_PORT', 8787),
      inspector: port(env, 'INSPECTOR_PORT', 9229),
      argillaStandin: port(env, 'ARGILLA_STANDIN_PORT', 0),
    },
  };
}
