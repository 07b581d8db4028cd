import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { checksumOf, type MigrationFile, migrate, migrationStatus } from '../../lib/migrations/runner.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { readMigrationFiles } from '../../tools/migrations/files.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const open: Warehouse[] = [];

function freshWarehouse(): { url: string; warehouse: Warehouse } {
  const url = databaseUrl(uniqueDatabase('migrations'));
  const warehouse = createPostgresWarehouse(url, { max: 2 });
  open.push(warehouse);
  return { url, warehouse };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

const files = (...specs: [string, string][]): MigrationFile[] => specs.map(([name, sql]) => ({ name, sql }));
const fixedClock = () => new Date('2026-01-01T00:00:00Z');

describe('migration runner', () => {
  it('0009 counts the newest activity of what was loaded before it: per dataset and per source', async () => {
    const { warehouse } = freshWarehouse();
    const all = await readMigrationFiles();
    const before = all.filter((f) => f.name < '0009');
    expect((await migrate(warehouse, before, { clock: fixedClock })).status).toBe('ok');
    const span = (at: string, status: string, dataset: string | null) =>
      `('r', 'd', 'PORT', 0, 4, 'Suez', '${status}', TIMESTAMPTZ '${at}', ${dataset === null ? 'NULL' : `'${dataset}'`},
        'b', 'k', TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00')`;
    await warehouse.execute(
      `INSERT INTO annotations (record_id, document_id, entity_type, "start", "end", text, status, annotated_at, dataset,
                                batch_id, source_key, ingested_at, valid_from)
       VALUES ${[
         span('2025-03-01 00:00:00+00', 'submitted', 'vessels'),
         span('2025-04-01 00:00:00+00', 'submitted', 'vessels'),
         span('2025-05-01 00:00:00+00', 'draft', 'vessels'),
         span('2025-02-01 00:00:00+00', 'submitted', null),
       ].join(', ')}`,
    );
    await warehouse.execute(
      `INSERT INTO load_fields (load_id, target, source, path, field_type, rows, null_count, ingested_at)
       VALUES ('l1', 'structured_data', 'registry', 'imo', 'int', 3, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00'),
              ('l2', 'structured_data', 'registry', 'imo', 'int', 3, 0, TIMESTAMPTZ '2025-07-01 00:00:00+00')`,
    );
    expect((await migrate(warehouse, all, { clock: fixedClock })).status).toBe('ok');
    expect(await warehouse.query('SELECT kind, scope, newest_at FROM discovery_activity ORDER BY kind, scope')).toEqual(
      [
        { kind: 'dataset', scope: '', newest_at: new Date('2025-02-01T00:00:00Z') },
        { kind: 'dataset', scope: 'vessels', newest_at: new Date('2025-04-01T00:00:00Z') },
        { kind: 'source', scope: 'registry', newest_at: new Date('2025-07-01T00:00:00Z') },
      ],
    );
  });

  it('applies the project migrations in order, creating every table of the data model', async () => {
    const { warehouse } = freshWarehouse();
    const files = await readMigrationFiles();
    expect(files.map((f) => f.name).slice(0, 5)).toEqual([
      '0001_core.sql',
      '0002_catalog.sql',
      '0003_operations.sql',
      '0004_ingest.sql',
      '0005_discovery.sql',
    ]);
    const report = await migrate(warehouse, files, { clock: fixedClock });
    expect(report).toEqual({ status: 'ok', applied: files.map((f) => f.name), alreadyApplied: 0, dryRun: false });
    const tables = await warehouse.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_catalog = current_database() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'annotations',
      'argilla_datasets',
      'argilla_responses',
      'argilla_webhook_events',
      'discovery_activity',
      'discovery_consumed',
      'discovery_lock',
      'discovery_runs',
      'entity_conflicts',
      'entity_types',
      'field_definitions',
      'ingest_heads',
      'ingest_log',
      'load_fields',
      'name_embeddings',
      'notifications_outbox',
      'query_executions',
      'raw_documents',
      'report_runs',
      'saved_queries',
      'schema_migrations',
      'schema_snapshots',
      'structured_data',
    ]);
    // 0012: the operations views (docs/metrics.md).
    const views = await warehouse.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_catalog = current_database() AND table_type = 'VIEW' ORDER BY table_name`,
    );
    expect(views.map((v) => v.table_name)).toEqual(['entity_health', 'schema_churn', 'slow_queries']);
    const recorded = await warehouse.query('SELECT name, checksum FROM schema_migrations ORDER BY name');
    const expected = await Promise.all(
      (await readMigrationFiles()).map(async (f) => ({ name: f.name, checksum: await checksumOf(f.sql) })),
    );
    expect(recorded).toEqual(expected);
  });

  it('moves an existing ingest_log to event idempotency (0006), keeping each object’s newest load', async () => {
    const { warehouse } = freshWarehouse();
    const all = await readMigrationFiles();
    await migrate(
      warehouse,
      all.filter((f) => f.name < '0006'),
    );
    const row = (id: string, etag: string, status: string, time: string) =>
      `('${id}', 'vessel-csv', 'a.csv', '${etag}', 'PutObject', '${status}', TIMESTAMPTZ '${time}', TIMESTAMPTZ '${time}')`;
    await warehouse.exec(
      `INSERT INTO ingest_log (id, bucket, key, etag, action, status, event_time, started_at) VALUES
       ${row('l1', 'A', 'loaded', '2026-11-01 10:00:00+00')}, ${row('l2', 'B', 'loaded', '2026-11-02 10:00:00+00')},
       ${row('l3', 'C', 'failed', '2026-11-03 10:00:00+00')}`,
    );
    expect((await migrate(warehouse, all)).status).toBe('ok');
    expect(await warehouse.query('SELECT bucket, key, etag, load_id FROM ingest_heads')).toEqual([
      { bucket: 'vessel-csv', key: 'a.csv', etag: 'B', load_id: 'l2' },
    ]);
    // A's bytes again, as a new event, now have a row of their own.
    await warehouse.exec(
      `INSERT INTO ingest_log (id, bucket, key, etag, action, status, event_time, started_at) VALUES ${row('l4', 'A', 'loaded', '2026-11-04 10:00:00+00')}`,
    );
    await expect(
      warehouse.exec(
        `INSERT INTO ingest_log (id, bucket, key, etag, action, status, event_time, started_at) VALUES ${row('l5', 'A', 'loaded', '2026-11-04 10:00:00+00')}`,
      ),
    ).rejects.toMatchObject({ sqlstate: '23505' });
  });

  it('applies only what is new on the next run', async () => {
    const { warehouse } = freshWarehouse();
    const first = files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);']);
    await migrate(warehouse, first);
    const second = [...first, ...files(['0002_b.sql', 'CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);'])];
    expect(await migrate(warehouse, second)).toEqual({
      status: 'ok',
      applied: ['0002_b.sql'],
      alreadyApplied: 1,
      dryRun: false,
    });
    expect(await migrate(warehouse, second)).toEqual({ status: 'ok', applied: [], alreadyApplied: 2, dryRun: false });
  });

  it('treats CRLF line endings as the same file', async () => {
    const { warehouse } = freshWarehouse();
    await migrate(warehouse, files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);\n']));
    const status = await migrationStatus(warehouse, files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);\r\n']));
    expect(status.problems).toEqual([]);
  });

  it('refuses when an applied file was edited, and says which and what to do', async () => {
    const { warehouse } = freshWarehouse();
    await migrate(warehouse, files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);']));
    const report = await migrate(
      warehouse,
      files(['0001_a.sql', 'CREATE TABLE a (x BIGINT);'], ['0002_b.sql', 'CREATE TABLE b (y INTEGER);']),
    );
    expect(report.status).toBe('refused');
    if (report.status !== 'refused') return;
    expect(report.problems).toMatchObject([{ kind: 'edited', name: '0001_a.sql' }]);
    expect(report.messages[0]).toMatch(
      /^0001_a\.sql was edited after it was applied .*put the change in a new migration$/,
    );
    const tables = await warehouse.query(
      `SELECT table_name FROM information_schema.tables WHERE table_name = 'b' AND table_catalog = current_database()`,
    );
    expect(tables).toEqual([]);
  });

  it('refuses when an applied file was removed', async () => {
    const { warehouse } = freshWarehouse();
    await migrate(
      warehouse,
      files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);'], ['0002_b.sql', 'CREATE TABLE b (y INTEGER);']),
    );
    const report = await migrate(warehouse, files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);']));
    expect(report).toMatchObject({ status: 'refused', problems: [{ kind: 'removed', name: '0002_b.sql' }] });
  });

  it('refuses a new file that sorts before an applied one', async () => {
    const { warehouse } = freshWarehouse();
    await migrate(warehouse, files(['0002_b.sql', 'CREATE TABLE b (y INTEGER);']));
    const report = await migrate(
      warehouse,
      files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);'], ['0002_b.sql', 'CREATE TABLE b (y INTEGER);']),
    );
    expect(report).toMatchObject({
      status: 'refused',
      problems: [{ kind: 'reordered', name: '0001_a.sql', before: '0002_b.sql' }],
    });
  });

  it('refuses a misnamed file', async () => {
    const { warehouse } = freshWarehouse();
    const report = await migrate(warehouse, files(['1_first.sql', 'SELECT 1;']));
    expect(report).toMatchObject({ status: 'refused', problems: [{ kind: 'misnamed', name: '1_first.sql' }] });
  });

  it('rolls back a failing migration completely and stops before the next', async () => {
    const { warehouse } = freshWarehouse();
    const report = await migrate(
      warehouse,
      files(
        ['0001_a.sql', 'CREATE TABLE a (x INTEGER);'],
        ['0002_bad.sql', 'CREATE TABLE half (x INTEGER); INSERT INTO half VALUES (1); SELECT * FROM missing_table;'],
        ['0003_c.sql', 'CREATE TABLE c (z INTEGER);'],
      ),
    );
    expect(report).toMatchObject({ status: 'failed', applied: ['0001_a.sql'], failed: '0002_bad.sql' });
    if (report.status === 'failed') expect(report.error).toMatch(/missing_table/);
    const tables = await warehouse.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(['a', 'schema_migrations']);
    expect(await warehouse.query('SELECT name FROM schema_migrations')).toEqual([{ name: '0001_a.sql' }]);
  });

  it('changes nothing in a dry run', async () => {
    const { warehouse } = freshWarehouse();
    const report = await migrate(warehouse, files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);']), { dryRun: true });
    expect(report).toEqual({ status: 'ok', applied: ['0001_a.sql'], alreadyApplied: 0, dryRun: true });
    expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM schema_migrations')).toEqual([{ n: 0 }]);
  });

  it('lets only one of two concurrent runners apply a migration', async () => {
    const { url, warehouse } = freshWarehouse();
    const other = createPostgresWarehouse(url, { max: 2 });
    open.push(other);
    const list = files(['0001_a.sql', 'CREATE TABLE a (x INTEGER);']);
    const reports = await Promise.all([migrate(warehouse, list), migrate(other, list)]);
    // The loser either sees the winner's commit (nothing to do) or hits the conflict and reports it.
    const applied = reports.flatMap((r) => (r.status === 'ok' ? r.applied : []));
    expect(applied).toEqual(['0001_a.sql']);
    expect(reports.every((r) => r.status !== 'refused')).toBe(true);
    for (const r of reports) if (r.status === 'failed') expect(r.error).toMatch(/conflict|PRIMARY KEY|duplicate/i);
    expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM schema_migrations')).toEqual([{ n: 1 }]);
  });
});

describe('npm run migrate', () => {
  const cli = (args: string[], url: string) =>
    run(process.execPath, ['tools/cli/migrate.ts', ...args], { env: { ...process.env, WAREHOUSE_URL: url } }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );

  it('reports status, dry-runs, applies, and refuses an edited file with exit code 1', async () => {
    const { url } = freshWarehouse();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-cli-'));
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (a INTEGER);\n');
    const status = await cli(['--status', '--dir', dir], url);
    expect(status).toMatchObject({ code: 0 });
    expect(status.out).toMatch(/pending {2}0001_first\.sql/);
    expect(status.out).toMatch(/0 applied, 1 pending, 0 problems/);
    expect(status.out).not.toContain(new URL(url).password);

    const dry = await cli(['--dry-run', '--dir', dir], url);
    expect(dry.out).toMatch(/would apply 0001_first\.sql/);

    const applied = await cli(['--dir', dir], url);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.out).toMatch(/applying 0001_first\.sql/);

    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (a BIGINT);\n');
    const refused = await cli(['--dir', dir], url);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/refused to run:\n {2}- 0001_first\.sql was edited after it was applied/);
    expect(readdirSync(dir)).toEqual(['0001_first.sql']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a mistyped option with the usage, instead of applying for real, and prints --help', async () => {
    const { url, warehouse } = freshWarehouse();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-cli-'));
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE first (a INTEGER);\n');
    const typo = await cli(['--dry-rn', '--dir', dir], url);
    expect(typo.code).toBe(1);
    expect(typo.out).toMatch(/^error: unknown option --dry-rn\nusage: npm run migrate -- \[--status \| --dry-run\]/);
    const missing = await cli(['--dir'], url);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/^error: --dir needs a value\nusage: npm run migrate/);
    const help = await cli(['--help', '--dir', dir], url);
    expect(help).toMatchObject({ code: 0 });
    expect(help.out).toMatch(/^usage: npm run migrate -- .*\n {2}applies new migrations/);
    // None of the three touched the warehouse.
    expect(
      await warehouse.query(
        `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'first'`,
      ),
    ).toEqual([{ n: 0 }]);
    rmSync(dir, { recursive: true, force: true });
  });
});
