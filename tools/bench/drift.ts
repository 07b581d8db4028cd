// `npm run bench -- drift`: `npm run schema -- drift` end to end (spawned, as a user runs it) against a migrated
// database grown to 200 tables (a mix of column types, keys, checks, defaults, indexes, and some drift), next to
// the migrations-only reference build (migrationSchema) and a bare `SELECT 1` round trip in the same run.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { quoteIdent } from '../../lib/warehouse/sql.ts';
import { readMigrationFiles } from '../migrations/files.ts';
import { migrationSchema } from '../toolkit/reference.ts';
import { startBench, table } from './harness.ts';

const run = promisify(execFile);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const TABLES = 200;
const TARGET_SECONDS = 2;

const TYPES = ['VARCHAR', 'INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL(18,4)', 'BOOLEAN', 'DATE', 'TIMESTAMPTZ', 'JSON'];

/** One generated table's DDL: 6 to 20 columns, a key, and now and then a UNIQUE, a CHECK, defaults and an index. */
function tableDdl(n: number): string[] {
  const name = `bench_t${String(n).padStart(3, '0')}`;
  const columns = [`id VARCHAR PRIMARY KEY`];
  const width = 5 + (n % 16);
  for (let c = 1; c <= width; c++) {
    const type = TYPES[(n + c) % TYPES.length] as string;
    const notNull = (n + c) % 3 === 0 ? ' NOT NULL' : '';
    const dflt =
      type === 'INTEGER' && c % 2 === 0 ? ' DEFAULT 0' : type === 'VARCHAR' && c % 4 === 1 ? ` DEFAULT 'x'` : '';
    const check = type === 'BIGINT' && n % 5 === 0 ? ` CHECK (c${c} >= 0)` : '';
    columns.push(`c${c} ${type}${dflt}${notNull}${check}`);
  }
  if (n % 7 === 0) columns.push(`UNIQUE (c1)`);
  const out = [`CREATE TABLE ${quoteIdent(name)} (${columns.join(', ')})`];
  if (n % 4 === 0) out.push(`CREATE INDEX ${quoteIdent(`${name}_c2`)} ON ${quoteIdent(name)} (c2)`);
  return out;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function timed(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    out.push(performance.now() - started);
  }
  return out;
}

export async function benchDrift(): Promise<void> {
  const bench = await startBench();
  try {
    const { url, client } = await bench.database('drift');
    const files = await readMigrationFiles();
    const existing = await client.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database()`,
    );
    const extra = TABLES - Number(existing[0]?.n ?? 0);
    for (let n = 1; n <= extra; n++) await client.exec(tableDdl(n).join(';\n'));
    // Some drift in the migrations' own tables, so the command reports and renders something.
    await client.exec(`ALTER TABLE raw_documents ADD COLUMN reviewer VARCHAR;
      ALTER TABLE notifications_outbox ALTER COLUMN status SET DEFAULT 'sent';
      DROP INDEX ingest_log_event;
      CREATE VIEW hand_made AS SELECT 1 AS one`);
    console.log(`a migrated database grown to ${TABLES} tables (${extra} generated); ${RUNS} runs each (BENCH_RUNS)`);

    const env = { ...process.env, WAREHOUSE_URL: url };
    const expectDrift = (e: { code?: number }) => {
      if (e.code !== 1) throw e;
    };
    const npm = process.env.npm_execpath;
    const viaNpm = () =>
      (npm
        ? run(process.execPath, [npm, 'run', '--silent', 'schema', '--', 'drift'], { env })
        : run('npm', ['run', '--silent', 'schema', '--', 'drift'], { env })
      ).then(() => {
        throw new Error('drift found nothing in a drifted database');
      }, expectDrift);
    const viaNode = () =>
      run(process.execPath, ['tools/cli/schema.ts', 'drift'], { env }).then(() => {
        throw new Error('drift found nothing in a drifted database');
      }, expectDrift);
    const nodeFloor = () => run(process.execPath, ['tools/cli/schema.ts', '--help'], { env });

    await viaNode(); // warm the file cache
    const rows: [string, number[]][] = [
      ['npm run schema -- drift (spawned)', await timed(RUNS, viaNpm)],
      ['node tools/cli/schema.ts drift (spawned)', await timed(RUNS, viaNode)],
      ['reference: migrationSchema (in process)', await timed(RUNS, () => migrationSchema(files))],
      ['reference: node tools/cli/schema.ts --help', await timed(RUNS, nodeFloor)],
      ['floor: SELECT 1 round trip', await timed(Math.max(RUNS, 20), () => client.query('SELECT 1 AS ok'))],
    ];
    console.log(
      table([
        ['', 'p50 ms', 'max ms'],
        ...rows.map(([label, xs]) => [label, median(xs).toFixed(1), Math.max(...xs).toFixed(1)]),
      ]),
    );
    const p50 = median(rows[0]?.[1] ?? []) / 1000;
    console.log(
      `drift end to end p50 ${p50.toFixed(2)} s (target under ${TARGET_SECONDS} s): ${p50 < TARGET_SECONDS ? 'met' : 'MISSED'}`,
    );
  } finally {
    await bench.close();
  }
}
