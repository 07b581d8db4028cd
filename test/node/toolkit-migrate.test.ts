// `npm run schema -- status` and `npm run schema -- migrate` as a user runs them: the real CLI in a child process
// against a database on the shared embedded warehouse, with its exit codes, human lines and --json documents.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { databaseUrl, migratedDatabase, uniqueDatabase } from '../support/databases.ts';
import { MIGRATION_FILES } from '../support/migration-files.ts';
import { runCliStreams } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const cwd = mkdtempSync(join(tmpdir(), 'toolkit-migrate-cwd-'));
const open: Warehouse[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node tools/cli/<script> ...args` with WAREHOUSE_URL, from a folder without .dev.vars. */
function cli(script: string, args: readonly string[], url: string): Promise<Run> {
  return runCliStreams(script, args, { cwd, env: { ...process.env, WAREHOUSE_URL: url } });
}
const schema = (args: readonly string[], url: string) => cli('schema.ts', args, url);

function freshDatabase(): { url: string; warehouse: Warehouse } {
  const url = databaseUrl(uniqueDatabase('toolkit_migrate'));
  const warehouse = createPostgresWarehouse(url, { max: 2 });
  open.push(warehouse);
  return { url, warehouse };
}

/** A migrations folder holding `files` (name -> SQL). */
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'toolkit-migrations-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const THREE = {
  '0001_first.sql': 'CREATE TABLE first (a INTEGER);\n',
  '0002_second.sql': 'CREATE TABLE second (b INTEGER);\n',
  '0003_third.sql': 'INSERT INTO first VALUES (1);\n',
};

const tablesOf = async (warehouse: Warehouse) =>
  (
    await warehouse.query<{ table_name: string }>(
      `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name`,
    )
  ).map((t) => t.table_name);
const recorded = async (warehouse: Warehouse) =>
  (await warehouse.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).map((r) => r.name);
const lines = (text: string) => text.trimEnd().split('\n');
const NO_STACK = /^\s+at |Error:/m;

describe('npm run schema -- status', () => {
  it('reports a fully migrated database as clean, in a table and as JSON, with exit 0', async () => {
    const { url, warehouse } = await migratedDatabase('toolkit_status');
    open.push(warehouse);
    const human = await schema(['status'], url);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ {2}status {3}migration +applied at$/m);
    expect(human.stdout).toMatch(/^ {2}applied {2}0001_core\.sql +\d{4}-\d\d-\d\dT/m);
    expect(lines(human.stdout).at(-1)).toBe(`${MIGRATION_FILES.length} applied, 0 pending, 0 problems`);
    expect(human.stdout).not.toContain(new URL(url).password);

    const json = await schema(['status', '--json'], url);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ ok: true, pending: [], problems: [] });
    expect(doc.applied.map((a: { name: string }) => a.name)).toEqual(MIGRATION_FILES.map((f) => f.name));
  });

  it('lists pending migrations of a new database and creates nothing there', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir(THREE);
    const run = await schema(['status', '--dir', dir], url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}pending {2}0001_first\.sql$/m);
    expect(lines(run.stdout).at(-1)).toBe('0 applied, 3 pending, 0 problems');
    expect(await tablesOf(warehouse)).toEqual([]);
    const doc = JSON.parse((await schema(['status', '--dir', dir, '--json'], url)).stdout);
    expect(doc).toMatchObject({ ok: true, applied: [], pending: Object.keys(THREE), problems: [] });
  });

  it('exits 1 and names the file when an applied migration was edited, or a new one sorts before the last', async () => {
    const { url } = freshDatabase();
    const dir = migrationsDir({ '0001_first.sql': THREE['0001_first.sql'], '0003_third.sql': 'SELECT 1;\n' });
    expect((await schema(['migrate', '--dir', dir], url)).code).toBe(0);
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (a BIGINT);\n');
    writeFileSync(join(dir, '0002_late.sql'), 'SELECT 2;\n');
    const run = await schema(['status', '--dir', dir], url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ {2}edited +0001_first\.sql/m);
    expect(run.stdout).toMatch(/^ {2}reordered +0002_late\.sql/m);
    expect(run.stdout).toMatch(/PROBLEM {2}0001_first\.sql was edited after it was applied/);
    expect(run.stdout).toMatch(/PROBLEM {2}0002_late\.sql is new but sorts before the already applied 0003_third\.sql/);
    expect(lines(run.stdout).at(-1)).toBe('2 applied, 1 pending, 2 problems');
    const doc = JSON.parse((await schema(['status', '--dir', dir, '--json'], url)).stdout);
    expect(doc.ok).toBe(false);
    expect(doc.problems.map((p: { kind: string; name: string }) => [p.kind, p.name])).toEqual([
      ['edited', '0001_first.sql'],
      ['reordered', '0002_late.sql'],
    ]);
    expect(doc.problems[0].message).toMatch(/revert the edit/);
  });

  it('exits 2 with one line and no stack when the warehouse cannot be reached', async () => {
    const url = 'postgres://postgres:not-a-token-000000000000@127.0.0.1:9/nowhere';
    for (const command of ['status', 'migrate']) {
      const run = await schema([command], url);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(
        /^error: cannot reach the warehouse at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:9\/nowhere/,
      );
      expect(run.stderr).not.toContain('not-a-token');
    }
  });
});

describe('npm run schema -- migrate', () => {
  it('prints the plan, applies it, reports each migration in a table, and is then up to date', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir(THREE);
    const run = await schema(['migrate', '--dir', dir], url);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    const plan = out.indexOf('plan: 3 migrations to apply, in order:');
    expect(plan).toBeGreaterThan(0);
    expect(out.slice(plan + 1, plan + 4)).toEqual([
      '  1. 0001_first.sql',
      '  2. 0002_second.sql',
      '  3. 0003_third.sql',
    ]);
    const table = out.findIndex((l) => /^ {2}migration +status +ms$/.test(l));
    expect(table).toBeGreaterThan(plan);
    expect(out.slice(table + 1, table + 4).map((l) => l.trim().split(/ +/).slice(0, 2))).toEqual([
      ['0001_first.sql', 'applied'],
      ['0002_second.sql', 'applied'],
      ['0003_third.sql', 'applied'],
    ]);
    expect(out.slice(table + 1, table + 4).every((l) => /applied +\d+$/.test(l))).toBe(true);
    expect(out.at(-1)).toBe('applied 3 of 3 planned migrations (3 in total)');
    expect(await recorded(warehouse)).toEqual(Object.keys(THREE));
    expect(await warehouse.query('SELECT a FROM first')).toEqual([{ a: 1 }]);

    const again = await schema(['migrate', '--dir', dir, '--json'], url);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: true,
      mode: 'apply',
      plan: [],
      results: [],
      alreadyApplied: 3,
    });
    expect(lines((await schema(['migrate', '--dir', dir], url)).stdout).at(-1)).toBe(
      'migrations: up to date (3 applied), nothing to do',
    );
  });

  it('gives the plan and the per-migration results as JSON', async () => {
    const { url } = freshDatabase();
    const dir = migrationsDir(THREE);
    const run = await schema(['migrate', '--dir', dir, '--json'], url);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ ok: true, mode: 'apply', to: null, alreadyApplied: 0, plan: Object.keys(THREE) });
    expect(doc.results.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual(
      Object.keys(THREE).map((n) => [n, 'applied']),
    );
    for (const r of doc.results) expect(typeof r.ms).toBe('number');
  });

  it('changes nothing with --dry-run', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir(THREE);
    const run = await schema(['migrate', '--dry-run', '--dir', dir], url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}3\. 0003_third\.sql$/m);
    expect(lines(run.stdout).at(-1)).toBe(
      'dry run: would apply 0001_first.sql, 0002_second.sql, 0003_third.sql; nothing was changed',
    );
    expect(await tablesOf(warehouse)).toEqual([]);
    const json = JSON.parse((await schema(['migrate', '--dry-run', '--dir', dir, '--json'], url)).stdout);
    expect(json).toMatchObject({ ok: true, mode: 'dry-run', plan: Object.keys(THREE), results: [] });
    expect(await tablesOf(warehouse)).toEqual([]);
  });

  it('applies up to and including --to, and refuses an unknown or already passed --to with exit 2', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir(THREE);
    const run = await schema(['migrate', '--to', '0002', '--dir', dir], url);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('plan: 2 migrations to apply, in order:');
    expect(await recorded(warehouse)).toEqual(['0001_first.sql', '0002_second.sql']);
    expect(lines((await schema(['status', '--dir', dir], url)).stdout).at(-1)).toBe('2 applied, 1 pending, 0 problems');

    const unknown = await schema(['migrate', '--to', '0009', '--dir', dir], url);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual([`error: --to 0009: there is no migration 0009_*.sql in ${dir}`]);
    const behind = await schema(['migrate', '--to', '1', '--dir', dir], url);
    expect(behind.code).toBe(2);
    expect(lines(behind.stderr)).toEqual([
      'error: --to 0001 is behind what the warehouse has applied (up to 0002_second.sql)',
    ]);
    const bad = await schema(['migrate', '--to', 'latest', '--dir', dir], url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --to takes a migration number \(NNNN\), not 'latest'$/m);
    expect(await recorded(warehouse)).toEqual(['0001_first.sql', '0002_second.sql']);
    // --to the last applied one has nothing to do.
    expect(lines((await schema(['migrate', '--to', '0002', '--dir', dir], url)).stdout).at(-1)).toBe(
      'migrations: up to date (2 applied), nothing to do',
    );
  });

  it('refuses an edited applied file with exit 1 and applies nothing', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir({ '0001_first.sql': THREE['0001_first.sql'] });
    expect((await schema(['migrate', '--dir', dir], url)).code).toBe(0);
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (a BIGINT);\n');
    writeFileSync(join(dir, '0002_second.sql'), THREE['0002_second.sql']);
    const run = await schema(['migrate', '--dir', dir], url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/refused to run:\n {2}- 0001_first\.sql was edited after it was applied/);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(NO_STACK);
    expect(await recorded(warehouse)).toEqual(['0001_first.sql']);
    const doc = JSON.parse((await schema(['migrate', '--dir', dir, '--json'], url)).stdout);
    expect(doc).toMatchObject({ ok: false, refused: true, problems: [{ kind: 'edited', name: '0001_first.sql' }] });
  });

  it('reports a failing statement with the file and the warehouse error, skips the rest, exits 1, no stack', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir({
      '0001_first.sql': THREE['0001_first.sql'],
      '0002_bad.sql': 'CREATE TABLE half (x INTEGER);\nALTER TABLE missing_table ADD COLUMN y INTEGER;\n',
      '0003_third.sql': THREE['0003_third.sql'],
    });
    const run = await schema(['migrate', '--dir', dir], url);
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    const table = out.findIndex((l) => /^ {2}migration +status +ms$/.test(l));
    expect(out.slice(table + 1, table + 4).map((l) => l.trim().split(/ +/))).toEqual([
      ['0001_first.sql', 'applied', expect.stringMatching(/^\d+$/)],
      ['0002_bad.sql', 'failed', expect.stringMatching(/^\d+$/)],
      ['0003_third.sql', 'skipped', '-'],
    ]);
    expect(run.stdout).toMatch(/^0002_bad\.sql failed and was rolled back: .*missing_table/m);
    expect(out.at(-1)).toBe('applied 1 of 3 planned migrations (1 in total)');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
    expect(await recorded(warehouse)).toEqual(['0001_first.sql']);
    expect(await tablesOf(warehouse)).toEqual(['first', 'schema_migrations']);
    const doc = JSON.parse((await schema(['migrate', '--dir', dir, '--json'], url)).stdout);
    expect(doc.ok).toBe(false);
    expect(doc.results).toEqual([
      { name: '0002_bad.sql', status: 'failed', ms: expect.any(Number), error: expect.stringMatching(/missing_table/) },
      { name: '0003_third.sql', status: 'skipped', ms: null },
    ]);
  });

  it('refuses a mistyped option and --sample without --test with exit 2', async () => {
    const { url, warehouse } = freshDatabase();
    const typo = await schema(['migrate', '--dry-rn'], url);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown option --dry-rn\nusage: npm run schema -- migrate/);
    const sample = await schema(['migrate', '--sample', '5'], url);
    expect(sample.code).toBe(2);
    expect(lines(sample.stderr)).toEqual(['error: --sample goes with --test']);
    expect(await tablesOf(warehouse)).toEqual([]);
    const help = await schema(['migrate', '--help'], url);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--test {6}apply the plan to a scratch in-memory copy/);
    expect(help.stdout).toMatch(/the live warehouse is NOT changed/);
  });
});

describe('npm run schema -- migrate --test', () => {
  /** A live database with 0001 applied and 25 rows in `vessels`, some with a NULL flag. */
  async function liveWithRows(pending: Record<string, string>) {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir({
      '0001_vessels.sql': `CREATE TYPE hull AS ENUM ('steel', 'wood');
CREATE TABLE vessels (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, flag VARCHAR, tonnage DECIMAL(18,3),
  seen TIMESTAMPTZ, tags VARCHAR[], papers JSON, hull hull, dims STRUCT(length DOUBLE, beam DOUBLE));
CREATE VIEW flagged AS SELECT id, flag FROM vessels WHERE flag IS NOT NULL;
`,
    });
    expect((await schema(['migrate', '--dir', dir], url)).code).toBe(0);
    await warehouse.execute(
      `INSERT INTO vessels SELECT i, 'vessel ' || i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'PA' END, i * 1000.125,
         TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 HOUR, ['a', 'b,c'], '{"imo": "IMO' || i || '"}',
         'steel', {'length': 100.5, 'beam': 20} FROM range(1, 26) t(i)`,
    );
    for (const [name, sql] of Object.entries(pending)) writeFileSync(join(dir, name), sql);
    return { url, warehouse, dir };
  }

  it('applies the pending migrations to a scratch copy only, and says the sample was smaller than a table', async () => {
    const { url, warehouse, dir } = await liveWithRows({
      '0002_draught.sql': 'ALTER TABLE vessels ADD COLUMN draught DOUBLE;\nUPDATE vessels SET draught = 7.5;\n',
      '0003_hull_index.sql': 'CREATE INDEX vessels_hull ON vessels (hull);\n',
    });
    const run = await schema(['migrate', '--test', '--sample', '10', '--dir', dir], url);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('plan: 2 migrations to apply, in order:');
    expect(run.stdout).toMatch(/^ {2}0002_draught\.sql +applied +\d+$/m);
    expect(run.stdout).toMatch(/^ {2}0003_hull_index\.sql +applied +\d+$/m);
    expect(run.stdout).toMatch(
      /^note: vessels has 25 rows and the copy only 10: a failure that depends on the other rows would not show here$/m,
    );
    expect(lines(run.stdout).at(-1)).toMatch(/^test passed: .*nothing was applied to the live warehouse/);
    // The live database is as it was.
    expect(await recorded(warehouse)).toEqual(['0001_vessels.sql']);
    const columns = await warehouse.query<{ column_name: string }>(
      `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND table_name = 'vessels'`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain('draught');

    const doc = JSON.parse((await schema(['migrate', '--test', '--dir', dir, '--json'], url)).stdout);
    expect(doc).toMatchObject({ ok: true, mode: 'test', plan: ['0002_draught.sql', '0003_hull_index.sql'] });
    expect(doc.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied']);
    expect(doc.sample.rowsPerTable).toBe(1000);
    expect(doc.sample.tables).toContainEqual({ name: 'vessels', rows: 25, copied: 25 });
    expect(doc.sample.notes).toEqual([]);
  });

  it("copies the project's own schema (its tables, views and indexes) and tests a new migration on it", async () => {
    const { url, warehouse } = await migratedDatabase('toolkit_test_project');
    open.push(warehouse);
    await warehouse.execute(
      `INSERT INTO notifications_outbox (id, channel, dedupe_key, payload, created_at)
         VALUES ('n1', 'slack', 'run-1', '{"text": "hi"}', TIMESTAMPTZ '2026-01-01 00:00:00+00')`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'toolkit-migrations-'));
    dirs.push(dir);
    cpSync(join(REPO, 'sql/migrations'), dir, { recursive: true });
    writeFileSync(join(dir, '9001_outbox_note.sql'), 'ALTER TABLE notifications_outbox ADD COLUMN note VARCHAR;\n');
    const run = await schema(['migrate', '--test', '--dir', dir, '--json'], url);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ ok: true, plan: ['9001_outbox_note.sql'], sample: { notes: [] } });
    expect(doc.sample.tables).toContainEqual({ name: 'notifications_outbox', rows: 1, copied: 1 });
    expect(doc.sample.tables).toContainEqual({
      name: 'schema_migrations',
      rows: MIGRATION_FILES.length,
      copied: MIGRATION_FILES.length,
    });
  });

  it('reports a NOT NULL added over existing NULLs with the warehouse error, exits 1, and leaves the live database alone', async () => {
    const { url, warehouse, dir } = await liveWithRows({
      '0002_flag_required.sql': 'ALTER TABLE vessels ALTER COLUMN flag SET NOT NULL;\n',
      '0003_after.sql': 'ALTER TABLE vessels ADD COLUMN draught DOUBLE;\n',
    });
    const run = await schema(['migrate', '--test', '--dir', dir], url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ {2}0002_flag_required\.sql +failed +\d+$/m);
    expect(run.stdout).toMatch(/^ {2}0003_after\.sql +skipped +-$/m);
    expect(run.stdout).toMatch(/^0002_flag_required\.sql failed and was rolled back: .*NOT NULL.*$/im);
    expect(lines(run.stdout).at(-1)).toBe('test failed: nothing was applied to the live warehouse');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
    expect(await recorded(warehouse)).toEqual(['0001_vessels.sql']);
    const [flag] = await warehouse.query<{ is_nullable: boolean }>(
      `SELECT is_nullable FROM duckdb_columns()
        WHERE database_name = current_database() AND table_name = 'vessels' AND column_name = 'flag'`,
    );
    expect(flag).toEqual({ is_nullable: true });
    expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM vessels WHERE flag IS NULL')).toEqual([{ n: 5 }]);
    const doc = JSON.parse((await schema(['migrate', '--test', '--dir', dir, '--json'], url)).stdout);
    expect(doc.ok).toBe(false);
    expect(doc.results[0]).toMatchObject({ name: '0002_flag_required.sql', status: 'failed' });
    expect(doc.results[0].error).toMatch(/NOT NULL/i);
  });
});

describe('npm run migrate (the older name)', () => {
  it('still reports status with --status and applies with the new command', async () => {
    const { url, warehouse } = freshDatabase();
    const dir = migrationsDir(THREE);
    const status = await cli('migrate.ts', ['--status', '--dir', dir], url);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^ {2}pending {2}0001_first\.sql$/m);
    expect(lines(status.stdout).at(-1)).toBe('0 applied, 3 pending, 0 problems');
    const applied = await cli('migrate.ts', ['--dir', dir], url);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^ {2}0003_third\.sql +applied +\d+$/m);
    expect(await recorded(warehouse)).toEqual(Object.keys(THREE));
  });
});
