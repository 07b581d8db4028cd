// Schema diff: typed change records and semver labels from real DuckDB schemas (DDL applied to databases on
// the embedded warehouse and introspected), renames from hints, the destructive-change lint counted on real
// rows, and the migration SQL applied to a copy of a until it has b's schema.
import { afterAll, describe, expect, it } from 'vitest';
import { countFindings, type DiffRecord, diffSchema, parseRenameHint, typeDirection } from '../../lib/toolkit/diff.ts';
import { diffSchemas } from '../../lib/toolkit/drift.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { SchemaModel } from '../../lib/toolkit/model.ts';
import { schemaDdl } from '../../lib/toolkit/to-ddl.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';

const open: Warehouse[] = [];
afterAll(async () => {
  await Promise.all(open.map((w) => w.close()));
});

/** A fresh database with `ddl` applied. */
async function database(ddl: string): Promise<Warehouse> {
  const w = createPostgresWarehouse(databaseUrl(uniqueDatabase('toolkit_diff')), { max: 1 });
  open.push(w);
  if (ddl.trim()) await w.exec(ddl);
  return w;
}

const model = async (ddl: string): Promise<SchemaModel> => introspect(await database(ddl));

/** What changed and its label, without message and SQL. */
const kinds = (records: readonly DiffRecord[]) => records.map(({ message: _m, sql: _s, inPlace: _i, ...rest }) => rest);

/** a's database migrated by the diff's SQL (comments skipped), then compared with b. */
async function applyAndDrift(aDdl: string, b: SchemaModel, sql: readonly string[]) {
  const db = await database(aDdl);
  for (const s of sql) if (!s.startsWith('--')) await db.exec(s);
  return diffSchemas(b, await introspect(db));
}

const BASE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR, n INTEGER)';

describe('diffSchema records and semver', () => {
  it('finds nothing between a schema and itself', async () => {
    const a = await model(`${BASE}; CREATE INDEX t_n ON t (n); COMMENT ON TABLE t IS 'x'`);
    expect(diffSchema(a, a)).toMatchObject({ records: [], bump: null, sql: [], findings: [] });
  });

  it('labels an added table and column MINOR and their SQL builds b', async () => {
    const a = await model(BASE);
    const b = await model(`${BASE.replace('n INTEGER', 'n INTEGER, extra DOUBLE')}; CREATE TABLE u (x VARCHAR)`);
    const diff = diffSchema(a, b);
    expect(kinds(diff.records)).toEqual([
      { kind: 'add_column', table: 't', column: 'extra', type: 'DOUBLE', bump: 'minor' },
      { kind: 'add_table', table: 'u', bump: 'minor' },
    ]);
    expect(diff.bump).toBe('minor');
    expect(diff.sql).toEqual(['ALTER TABLE "t" ADD COLUMN "extra" DOUBLE', 'CREATE TABLE "u" (\n  "x" VARCHAR\n)']);
    expect(await applyAndDrift(BASE, b, diff.sql)).toEqual([]);
  });

  it('labels drops MAJOR', async () => {
    const a = await model(`${BASE}; CREATE TABLE u (x VARCHAR)`);
    const b = await model(BASE.replace(', n INTEGER', ''));
    const diff = diffSchema(a, b);
    expect(kinds(diff.records)).toEqual([
      { kind: 'drop_column', table: 't', column: 'n', bump: 'major' },
      { kind: 'drop_table', table: 'u', bump: 'major' },
    ]);
    expect(diff.bump).toBe('major');
    expect(diff.findings.map((f) => [f.kind, f.table, f.column, f.rows])).toEqual([
      ['data_loss', 't', 'n', null],
      ['data_loss', 'u', null, null],
    ]);
  });

  it('labels a widening type change MINOR and a narrowing one MAJOR', async () => {
    const a = await model('CREATE TABLE t (i INTEGER, b BIGINT, d DECIMAL(10,2), s SMALLINT)');
    const b = await model('CREATE TABLE t (i BIGINT, b INTEGER, d DECIMAL(8,2), s VARCHAR)');
    const diff = diffSchema(a, b);
    expect(kinds(diff.records)).toEqual([
      {
        kind: 'change_type',
        table: 't',
        column: 'i',
        from: 'INTEGER',
        to: 'BIGINT',
        direction: 'widening',
        bump: 'minor',
      },
      {
        kind: 'change_type',
        table: 't',
        column: 'b',
        from: 'BIGINT',
        to: 'INTEGER',
        direction: 'narrowing',
        bump: 'major',
      },
      {
        kind: 'change_type',
        table: 't',
        column: 'd',
        from: 'DECIMAL(10,2)',
        to: 'DECIMAL(8,2)',
        direction: 'narrowing',
        bump: 'major',
      },
      {
        kind: 'change_type',
        table: 't',
        column: 's',
        from: 'SMALLINT',
        to: 'VARCHAR',
        direction: 'widening',
        bump: 'minor',
      },
    ]);
    expect(
      await applyAndDrift('CREATE TABLE t (i INTEGER, b BIGINT, d DECIMAL(10,2), s SMALLINT)', b, diff.sql),
    ).toEqual([]);
  });

  it('labels constraints, indexes, defaults, NOT NULL and comments PATCH', async () => {
    const aDdl = 'CREATE TABLE t (id INTEGER, n INTEGER, s VARCHAR); CREATE INDEX t_s ON t (s)';
    const a = await model(aDdl);
    const b = await model(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, s VARCHAR); CREATE INDEX t_n ON t (n); COMMENT ON TABLE t IS 'things'; COMMENT ON COLUMN t.s IS 'a name'",
    );
    const diff = diffSchema(a, b);
    expect(kinds(diff.records)).toEqual([
      { kind: 'set_not_null', table: 't', column: 'id', bump: 'patch' },
      { kind: 'set_not_null', table: 't', column: 'n', bump: 'patch' },
      { kind: 'change_default', table: 't', column: 'n', bump: 'patch' },
      { kind: 'add_constraint', table: 't', constraint: 'PRIMARY KEY (id)', bump: 'patch' },
      { kind: 'add_index', table: 't', index: 't_n', bump: 'patch' },
      { kind: 'drop_index', table: 't', index: 't_s', bump: 'patch' },
      { kind: 'change_comment', table: 't', column: null, bump: 'patch' },
      { kind: 'change_comment', table: 't', column: 's', bump: 'patch' },
    ]);
    expect(diff.bump).toBe('patch');
    expect(await applyAndDrift(aDdl, b, diff.sql)).toEqual([]);
  });

  it('says where a table must be rebuilt, and the rebuild migrates it', async () => {
    const aDdl = "CREATE TABLE t (id INTEGER, s VARCHAR); INSERT INTO t VALUES (1, 'x')";
    const bDdl = 'CREATE TABLE t (id INTEGER, s VARCHAR, UNIQUE (s))';
    const diff = diffSchema(await model(aDdl), await model(bDdl));
    expect(diff.records.map((r) => [r.kind, r.inPlace])).toEqual([['add_constraint', false]]);
    expect(diff.sql[0]).toMatch(/^-- DuckDB cannot add a UNIQUE constraint to an existing table in place/);
    expect(await applyAndDrift(aDdl, await model(bDdl), diff.sql)).toEqual([]);
  });

  it('orders enum creation before the tables that use it', async () => {
    const b = await model("CREATE TYPE mood AS ENUM ('a', 'b'); CREATE TABLE t (id INTEGER, m mood)");
    const diff = diffSchema(await model('CREATE TABLE t (id INTEGER)'), b);
    expect(diff.records.map((r) => r.kind).sort()).toEqual(['add_column', 'add_enum']);
    expect(diff.sql[0]).toMatch(/^CREATE TYPE "mood"/);
    expect(await applyAndDrift('CREATE TABLE t (id INTEGER)', b, diff.sql)).toEqual([]);
  });
});

describe('renames', () => {
  it('reads hints for tables and columns, and refuses other shapes', () => {
    expect(parseRenameHint('table.old=table.new')).toEqual({ kind: 'table', table: 'old', to: 'new' });
    expect(parseRenameHint('old=new')).toEqual({ kind: 'table', table: 'old', to: 'new' });
    expect(parseRenameHint('t.a=b')).toEqual({ kind: 'column', table: 't', column: 'a', to: 'b' });
    expect(parseRenameHint('t.a=t.b')).toEqual({ kind: 'column', table: 't', column: 'a', to: 'b' });
    expect(parseRenameHint('t.a=u.b')).toBeNull();
    expect(parseRenameHint('nothing')).toBeNull();
  });

  it('without a hint a renamed column is a drop and an add, flagged by the lint', async () => {
    const diff = diffSchema(await model(BASE), await model(BASE.replace('name', 'label')));
    expect(diff.records.map((r) => r.kind)).toEqual(['add_column', 'drop_column']);
    expect(diff.findings.map((f) => f.kind)).toEqual(['data_loss']);
  });

  it('with hints emits ALTER TABLE RENAME (MAJOR), keeps the rows and reaches b', async () => {
    const aDdl = `${BASE}; INSERT INTO t VALUES (1, 'x', 2)`;
    const b = await model(BASE.replace('name', 'label').replace('TABLE t', 'TABLE things'));
    const diff = diffSchema(await model(aDdl), b, [
      { kind: 'table', table: 't', to: 'things' },
      { kind: 'column', table: 't', column: 'name', to: 'label' },
    ]);
    expect(diff.errors).toEqual([]);
    expect(kinds(diff.records)).toEqual([
      { kind: 'rename_table', table: 't', to: 'things', bump: 'major' },
      { kind: 'rename_column', table: 'things', column: 'name', to: 'label', bump: 'major' },
    ]);
    expect(diff.sql).toEqual([
      'ALTER TABLE "t" RENAME TO "things"',
      'ALTER TABLE "things" RENAME COLUMN "name" TO "label"',
    ]);
    const db = await database(aDdl);
    for (const s of diff.sql) await db.exec(s);
    expect(diffSchemas(b, await introspect(db))).toEqual([]);
    expect(await db.query('SELECT label FROM things')).toEqual([{ label: 'x' }]);
  });

  it('reports a hint that names nothing in a', async () => {
    const a = await model(BASE);
    expect(diffSchema(a, a, [{ kind: 'column', table: 't', column: 'nope', to: 'x' }]).errors).toEqual([
      '--rename: t.nope is not a column of a',
    ]);
  });
});

describe('destructive-change lint on live data', () => {
  const ddl = `CREATE TABLE t (id INTEGER, note VARCHAR, big BIGINT, code VARCHAR);
    CREATE TABLE gone (x INTEGER);
    INSERT INTO gone VALUES (1), (2), (3);
    INSERT INTO t VALUES (1, NULL, 5, '7'), (2, 'a', 9999999999, 'x'), (3, NULL, 1, NULL)`;
  const bDdl = 'CREATE TABLE t (id INTEGER, note VARCHAR NOT NULL, big INTEGER, code INTEGER)';

  it('counts rows a drop deletes, NULLs under a new NOT NULL, and values a narrowing cast fails on', async () => {
    const live = await database(ddl);
    const diff = diffSchema(await introspect(live), await model(bDdl));
    const counted = await countFindings((sql) => live.query(sql), diff.findings);
    expect(counted.map((f) => [f.kind, f.table, f.column, f.rows])).toEqual([
      ['data_loss', 'gone', null, 3],
      ['not_null_over_nulls', 't', 'note', 2],
      ['narrowing_cast', 't', 'big', 1],
      ['narrowing_cast', 't', 'code', 1],
    ]);
  });

  it('counts zero when the data fits', async () => {
    const live = await database('CREATE TABLE t (big BIGINT); INSERT INTO t VALUES (1), (NULL)');
    const diff = diffSchema(await introspect(live), await model('CREATE TABLE t (big INTEGER)'));
    expect((await countFindings((sql) => live.query(sql), diff.findings)).map((f) => f.rows)).toEqual([0]);
  });
});

describe('typeDirection', () => {
  it.each([
    ['INTEGER', 'BIGINT', 'widening'],
    ['BIGINT', 'INTEGER', 'narrowing'],
    ['UINTEGER', 'BIGINT', 'widening'],
    ['INTEGER', 'UINTEGER', 'narrowing'],
    ['DATE', 'VARCHAR', 'widening'],
    ['VARCHAR', 'INTEGER', 'narrowing'],
    ['DECIMAL(10,2)', 'DECIMAL(12,4)', 'widening'],
    ['DECIMAL(10,2)', 'DECIMAL(10,4)', 'narrowing'],
    ['FLOAT', 'DOUBLE', 'widening'],
    ['DOUBLE', 'FLOAT', 'narrowing'],
    ['DATE', 'TIMESTAMP', 'widening'],
  ])('%s -> %s is %s', (from, to, direction) => {
    expect(typeDirection(from, to)).toBe(direction);
  });
});

describe('schemaDdl (sql/schema.sql)', () => {
  it('rebuilds a schema with enums, foreign keys, views on views and comments that diff finds equal', async () => {
    const a = await model(`CREATE TYPE mood AS ENUM ('a', 'b');
      CREATE TABLE z_parent (id INTEGER PRIMARY KEY, m mood);
      CREATE TABLE a_child (id INTEGER, parent INTEGER REFERENCES z_parent (id));
      CREATE INDEX a_child_parent ON a_child (parent);
      CREATE VIEW z_base AS SELECT id FROM z_parent;
      CREATE VIEW a_top AS SELECT id FROM z_base;
      COMMENT ON TABLE a_child IS 'it''s a child'; COMMENT ON COLUMN a_child.parent IS 'the parent'`);
    const rebuilt = await model(schemaDdl(a, 'a test'));
    expect(diffSchema(a, rebuilt).records).toEqual([]);
  });
});
