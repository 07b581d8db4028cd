// `npm run schema -- diff` as a user runs it: the real CLI in a child process with each kind of source, its
// exit codes (0 same schema, 1 changes, 2 usage), --json, the lint counted on a live database, and --write
// making the next migration, which `migrate` then applies.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insertSnapshot } from '../../lib/discovery/catalog-tables/schema-snapshots.ts';
import type { Catalog, CatalogField } from '../../lib/discovery/snapshot.ts';
import { buildViews } from '../../lib/query/views.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { databaseUrl, migratedDatabase, uniqueDatabase } from '../support/databases.ts';
import { runCliStreams } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MODELS = join(REPO, 'test/node/fixtures/ddl/models.ts');
const work = mkdtempSync(join(tmpdir(), 'toolkit-diff-'));
const open: Warehouse[] = [];
afterAll(async () => {
  await Promise.all(open.map((w) => w.close()));
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function diff(args: readonly string[], url = 'postgres://unused:5432/none'): Promise<Run> {
  return runCliStreams('schema.ts', ['diff', ...args], { cwd: work, env: { ...process.env, WAREHOUSE_URL: url } });
}

let counter = 0;
/** A file under the test's folder. */
function file(name: string, text: string): string {
  counter += 1;
  const path = join(work, `${counter}_${name}`);
  writeFileSync(path, text);
  return path;
}

function freshDatabase(): { url: string; warehouse: Warehouse } {
  const url = databaseUrl(uniqueDatabase('toolkit_diff_cli'));
  const warehouse = createPostgresWarehouse(url, { max: 1 });
  open.push(warehouse);
  return { url, warehouse };
}

describe('npm run schema -- diff', () => {
  it('exits 0 between two copies of the same schema: migrations, a bare number, ddl: and a .sql path', async () => {
    const same = await diff(['migration', '0016']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^no changes from the migrations up to 0016_name_embeddings\.sql/m);
    const a = file('a.sql', 'CREATE TABLE t (id INTEGER)');
    const b = file('b.sql', 'CREATE TABLE t (id INTEGER)');
    expect((await diff([`ddl:${a}`, b])).code).toBe(0);
    // The committed declarative schema is the migrations' schema, views included (DuckDB prints a view's
    // casts differently after a second parse: drift compares them as the same).
    const declared = await diff(['migration', join(REPO, 'sql/schema.sql')]);
    expect([declared.code, declared.stdout]).toEqual([0, expect.stringMatching(/^no changes from the migrations/m)]);
  });

  it('exits 1 with the records, the bump, the lint and the SQL when the schemas differ; --json has them all', async () => {
    const run = await diff(['0012', 'migration:0013']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('semver MINOR');
    expect(run.stdout).toContain('MINOR column query_executions.row_limit (INTEGER) added');
    expect(run.stdout).toContain('ALTER TABLE "query_executions" ADD COLUMN "row_limit" INTEGER;');
    const a = file('a.sql', 'CREATE TABLE t (id INTEGER, n INTEGER)');
    const b = file('b.sql', 'CREATE TABLE t (id BIGINT)');
    const json = await diff([a, b, '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.bump).toBe('major');
    expect(doc.records.map((r: { kind: string; bump: string }) => [r.kind, r.bump])).toEqual([
      ['change_type', 'minor'],
      ['drop_column', 'major'],
    ]);
    expect(doc.findings).toMatchObject([{ kind: 'data_loss', rows: null, blocking: false, message: /^possible: / }]);
    expect(doc.sql).toEqual(['ALTER TABLE "t" ALTER COLUMN "id" TYPE BIGINT', 'ALTER TABLE "t" DROP COLUMN "n"']);
  });

  it('reads zod exports as tables: the same as the DDL ddl --from-zod prints', async () => {
    const printed = file(
      'port.sql',
      `CREATE TYPE "port_kind" AS ENUM ('sea', 'river');
CREATE TABLE "port" ("code" VARCHAR NOT NULL CHECK (length("code") = 5), "name" VARCHAR NOT NULL CHECK (length("name") >= 1), "kind" "port_kind" NOT NULL DEFAULT 'sea', PRIMARY KEY ("code"));`,
    );
    const run = await diff([`zod:${MODELS}#Port`, printed]);
    expect(run.stdout + run.stderr).toMatch(/^no changes/m);
    expect(run.code).toBe(0);
    const added = await diff([`zod:${MODELS}#Port`, `zod:${MODELS}#Port,Existing`, '--json']);
    expect(added.code).toBe(1);
    expect(JSON.parse(added.stdout).records).toMatchObject([{ kind: 'add_table', table: 'existing', bump: 'minor' }]);
  });

  it('counts the lint on the live rows when a is db', async () => {
    const { url, warehouse } = freshDatabase();
    await warehouse.exec(
      "CREATE TABLE t (id INTEGER, note VARCHAR, big BIGINT); INSERT INTO t VALUES (1, NULL, 1), (2, NULL, 9999999999), (3, 'x', 2)",
    );
    const b = file('b.sql', 'CREATE TABLE t (id INTEGER, note VARCHAR NOT NULL, big INTEGER)');
    const run = await diff(['db', b, '--json'], url);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).findings).toMatchObject([
      { kind: 'not_null_over_nulls', column: 'note', rows: 2, blocking: true, message: /^2 rows: / },
      { kind: 'narrowing_cast', column: 'big', rows: 1, blocking: true, message: /^1 row: / },
    ]);
    const human = await diff(['db', b], url);
    expect(human.stdout).toContain('2 rows: NOT NULL on t.note fails while rows hold NULL there');
  });

  it('emits ALTER TABLE RENAME from --rename hints', async () => {
    const a = file('a.sql', 'CREATE TABLE t (id INTEGER, name VARCHAR)');
    const b = file('b.sql', 'CREATE TABLE things (id INTEGER, label VARCHAR)');
    const doc = JSON.parse((await diff([a, b, '--rename', 't=things,t.name=label', '--json'])).stdout);
    expect(doc.sql).toEqual([
      'ALTER TABLE "t" RENAME TO "things"',
      'ALTER TABLE "things" RENAME COLUMN "name" TO "label"',
    ]);
    expect(doc.findings).toEqual([]);
  });

  it('--write makes the next migration with the bump and lint in its header, and migrate applies it', async () => {
    const dir = mkdtempSync(join(work, 'migrations-'));
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE t (id INTEGER, n INTEGER);\n');
    const target = file('target.sql', "CREATE TABLE t (id BIGINT, s VARCHAR DEFAULT 'x'); CREATE INDEX t_s ON t (s)");
    const run = await diff(['migration', target, '--dir', dir, '--write', '0002_reshape']);
    expect(run.code).toBe(1);
    const written = readFileSync(join(dir, '0002_reshape.sql'), 'utf8');
    expect(written).toMatch(/^-- 0002_reshape: written by `npm run schema -- diff migration /);
    expect(written).toContain('-- semver: MAJOR');
    expect(written).toContain('--   possible: dropping column t.n deletes its values');
    expect(written).toContain('ALTER TABLE "t" ADD COLUMN "s" VARCHAR DEFAULT \'x\';');
    const { url, warehouse } = freshDatabase();
    const migrate = async (...args: string[]) =>
      (
        await runCliStreams('schema.ts', ['migrate', '--dir', dir, ...args], {
          cwd: work,
          env: { ...process.env, WAREHOUSE_URL: url },
        })
      ).code;
    expect(await migrate('--to', '0001')).toBe(0);
    expect(await migrate('--test')).toBe(0);
    expect(await migrate()).toBe(0);
    const again = await diff(['db', target], url);
    expect(again.stdout).toMatch(/^no changes/m);
    expect(again.code).toBe(0);
    expect((await introspect(warehouse)).tables.map((t) => t.name)).toEqual(['schema_migrations', 't']);
  });

  it('--write refuses a number that is not the next free one, or a file that exists, with exit 2', async () => {
    const dir = mkdtempSync(join(work, 'migrations-'));
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE t (id INTEGER);\n');
    const target = file('target.sql', 'CREATE TABLE t (id INTEGER, n INTEGER)');
    const skipped = await diff(['migration', target, '--dir', dir, '--write', '0003_skip']);
    expect(skipped.code).toBe(2);
    expect(skipped.stderr).toContain('error: --write 0003_skip: the next free number is 0002');
    const exists = await diff(['migration', target, '--dir', dir, '--write', '0001_first']);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/error: --write: .*0001_first\.sql exists/);
    expect(existsSync(join(dir, '0003_skip.sql'))).toBe(false);
  });

  it.each([
    [[], 'error: diff needs two schemas: diff <a> <b>'],
    [['nonsense', 'db'], 'error: nonsense: use migration:NNNN (or NNNN), db, snapshot:N'],
    [['0001', '9999'], 'error: no migration 9999 in'],
    [['missing.sql', '0001'], 'error: no DDL file at missing.sql'],
    [['0001', '0002', '--rename', 'x'], 'error: --rename x: use table.old=table.new or table.column=newcolumn'],
    [['0001', '0002', '--write', 'bad'], 'error: --write bad: use NNNN_name'],
  ])('exits 2 for %j', async (args, message) => {
    const run = await diff(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('exits 2 when a DDL file does not apply', async () => {
    const run = await diff([file('bad.sql', 'CREATE TABLE ('), '0001']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not apply to an empty database/);
  });

  it('compares the live database with the migrations it was built from as equal', async () => {
    const { url, warehouse } = await migratedDatabase('toolkit_diff_cli');
    open.push(warehouse);
    const run = await diff(['db', 'migration'], url);
    expect(run.stdout).toMatch(/^no changes/m);
    expect(run.code).toBe(0);
  });

  it('reads the typed views of two schema snapshots', async () => {
    const { url, warehouse } = await migratedDatabase('toolkit_diff_cli');
    open.push(warehouse);
    const field = (name: string, type = 'varchar'): CatalogField => ({
      source: 'manifests',
      name,
      kind: 'structured',
      type,
      status: 'active',
      description: null,
      mergedInto: null,
    });
    const publish = async (version: number, fields: CatalogField[]) => {
      const catalog: Catalog = { entityTypes: [], fields };
      await insertSnapshot(warehouse, {
        version,
        semver: `0.${version}.0`,
        bump: 'minor',
        publishedAt: new Date('2026-12-01T00:00:00Z'),
        catalog,
        diff: [],
        contentHash: `h${version}`,
        previousHash: version === 1 ? null : `h${version - 1}`,
        runId: null,
        stats: null,
        views: buildViews(catalog),
      });
    };
    await publish(1, [field('imo', 'int')]);
    await publish(2, [field('imo', 'int'), field('vessel')]);
    expect((await diff(['snapshot:1', 'snapshot:1'], url)).code).toBe(0);
    const run = await diff(['snapshot:1', 'snapshot:2', '--json'], url);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).records).toMatchObject([
      { kind: 'change_view', view: 'src_manifests', bump: 'minor' },
    ]);
  });
});
