// Schema drift: the pure comparison of two schema models, and real drifted databases on the embedded
// warehouse (columns, types, defaults, NOT NULL, tables, views, indexes, constraints, generated snapshot
// views) reported record by record and reconciled by the SQL the records carry.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { insertSnapshot } from '../../lib/discovery/catalog-tables/schema-snapshots.ts';
import { replaceViews } from '../../lib/discovery/run-publish.ts';
import type { Catalog, CatalogField } from '../../lib/discovery/snapshot.ts';
import { migrate } from '../../lib/migrations/runner.ts';
import { buildViews } from '../../lib/query/views.ts';
import { createTableSql, type Drift, diffSchemas } from '../../lib/toolkit/drift.ts';
import type { SchemaModel, TableModel } from '../../lib/toolkit/model.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { checkDrift } from '../../tools/toolkit/commands/drift.ts';
import { databaseUrl, migratedDatabase, uniqueDatabase } from '../support/databases.ts';
import { MIGRATION_FILES } from '../support/migration-files.ts';

const open: Warehouse[] = [];
afterAll(async () => {
  await Promise.all(open.map((w) => w.close()));
});

async function database(): Promise<Warehouse> {
  const { warehouse } = await migratedDatabase('toolkit_drift');
  open.push(warehouse);
  return warehouse;
}

/** The records without message and SQL: what differs. */
const changes = (drift: readonly Drift[]) => drift.map(({ message: _m, sql: _s, inPlace: _i, ...change }) => change);

/** Runs every record's SQL (comments skipped) on the live database. */
async function reconcile(db: Warehouse, drift: readonly Drift[]): Promise<void> {
  for (const d of drift) for (const sql of d.sql) if (!sql.startsWith('--')) await db.exec(sql);
}

const table = (o: Partial<TableModel> & { name: string }): TableModel => ({
  comment: null,
  columns: [{ name: 'id', type: 'INTEGER', nullable: false, default: null, comment: null }],
  constraints: [],
  indexes: [],
  ...o,
});
const schema = (o: Partial<SchemaModel> = {}): SchemaModel => ({ tables: [], views: [], enums: [], ...o });

describe('diffSchemas', () => {
  it('finds nothing between a schema and itself', () => {
    const s = schema({
      tables: [
        table({
          name: 't',
          constraints: [{ kind: 'PRIMARY KEY', columns: ['id'], expression: null, references: null }],
        }),
      ],
      views: [{ name: 'v', comment: null, sql: 'CREATE VIEW v AS SELECT 1;', columns: [] }],
      enums: [{ name: 'mood', labels: ['a', 'b'] }],
    });
    expect(diffSchemas(s, s)).toEqual([]);
  });

  it('quotes names that come from users in the reconciling SQL', () => {
    const evil = 'a"; DROP TABLE x; --';
    const drift = diffSchemas(schema(), schema({ tables: [table({ name: evil })] }));
    expect(drift).toEqual([
      {
        kind: 'extra_table',
        table: evil,
        message: `table ${evil} is not in the migrations`,
        sql: ['DROP TABLE "a""; DROP TABLE x; --"'],
        inPlace: true,
      },
    ]);
  });

  it('gives a table rebuild for a FOREIGN KEY DuckDB cannot add in place, once per table', () => {
    const fk = {
      kind: 'FOREIGN KEY' as const,
      columns: ['id'],
      expression: null,
      references: { table: 'p', columns: ['id'] },
    };
    const check = { kind: 'CHECK' as const, columns: ['id'], expression: '(id > 0)', references: null };
    const drift = diffSchemas(
      schema({ tables: [table({ name: 'c', constraints: [fk, check] })] }),
      schema({ tables: [table({ name: 'c' })] }),
    );
    expect(changes(drift)).toEqual([
      { kind: 'missing_constraint', table: 'c', constraint: fk },
      { kind: 'missing_constraint', table: 'c', constraint: check },
    ]);
    expect(drift.map((d) => d.inPlace)).toEqual([false, false]);
    expect(drift[0]?.sql).toEqual([
      '-- DuckDB cannot add a FOREIGN KEY constraint to an existing table in place: rebuild the table (copies the rows; drop the tables that reference it by FOREIGN KEY first)',
      'CREATE TABLE "c__rebuild" (\n  "id" INTEGER NOT NULL,\n  FOREIGN KEY ("id") REFERENCES "p" ("id"),\n  CHECK ((id > 0))\n)',
      'INSERT INTO "c__rebuild" ("id") SELECT "id" FROM "c"',
      'DROP TABLE "c"',
      'ALTER TABLE "c__rebuild" RENAME TO "c"',
    ]);
    expect(drift[1]?.sql).toEqual(['-- covered by the rebuild of c above']);
  });

  it('reports ENUM types missing, extra and with other labels', () => {
    const drift = diffSchemas(
      schema({
        enums: [
          { name: 'a', labels: ['x'] },
          { name: 'b', labels: ['x', 'y'] },
        ],
      }),
      schema({
        enums: [
          { name: 'b', labels: ['x'] },
          { name: 'c', labels: [] },
        ],
      }),
    );
    expect(changes(drift)).toEqual([
      { kind: 'missing_enum', enum: 'a' },
      { kind: 'enum_differs', enum: 'b', expected: ['x', 'y'], actual: ['x'] },
      { kind: 'extra_enum', enum: 'c' },
    ]);
    expect(drift[0]?.sql).toEqual([`CREATE TYPE "a" AS ENUM ('x')`]);
    expect(drift[1]?.inPlace).toBe(false);
  });
});

const name = fc.constantFrom('a', 'b', 'c', 'Weird "name"');
const column = fc.record({
  name,
  type: fc.constantFrom('INTEGER', 'VARCHAR', 'DOUBLE'),
  nullable: fc.boolean(),
  default: fc.constantFrom(null, '0', `'x'`),
  comment: fc.constant(null),
});
const model = fc.record({
  tables: fc.uniqueArray(
    fc.record({
      name,
      comment: fc.constant(null),
      columns: fc.uniqueArray(column, { selector: (c) => c.name, maxLength: 3 }),
      constraints: fc.subarray([{ kind: 'PRIMARY KEY' as const, columns: ['a'], expression: null, references: null }]),
      indexes: fc.subarray([{ name: 'ix', unique: false, sql: 'CREATE INDEX ix ON t(a);' }]),
    }),
    { selector: (t) => t.name, maxLength: 3 },
  ),
  views: fc.uniqueArray(
    fc.record({
      name,
      comment: fc.constant(null),
      sql: fc.constantFrom('CREATE VIEW v AS SELECT 1;', 'CREATE VIEW v AS SELECT 2;'),
      columns: fc.constant([]),
    }),
    { selector: (v) => v.name, maxLength: 2 },
  ),
  enums: fc.constant([]),
});

describe('diffSchemas, over any two models', () => {
  it('is empty from a model to itself', () => {
    fc.assert(fc.property(model, (m) => diffSchemas(m, m).length === 0));
  });

  it('reports as extra one way what it reports as missing the other way', () => {
    const missing = (d: Drift) => d.kind.startsWith('missing_');
    const extra = (d: Drift) => d.kind.startsWith('extra_');
    const key = (d: Drift) =>
      JSON.stringify([
        d.kind.replace(/^(missing|extra)_/, ''),
        'table' in d ? d.table : null,
        'view' in d ? d.view : null,
        'column' in d ? d.column : null,
        'index' in d ? d.index : null,
        'constraint' in d ? d.constraint : null,
      ]);
    fc.assert(
      fc.property(model, model, (a, b) => {
        const there = diffSchemas(a, b).filter(missing).map(key).sort();
        const back = diffSchemas(b, a).filter(extra).map(key).sort();
        expect(back).toEqual(there);
      }),
    );
  });
});

describe('drift of a real database', () => {
  it('notes migrations the live database has not applied yet', async () => {
    const url = databaseUrl(uniqueDatabase('toolkit_drift'));
    const db = createPostgresWarehouse(url, { max: 2 });
    open.push(db);
    expect((await migrate(db, MIGRATION_FILES)).status).toBe('ok');
    // A pending migration that changes the schema (the newest real one may change comments only).
    const files = [...MIGRATION_FILES, { name: '9999_pending.sql', sql: 'CREATE TABLE pending_table (x INTEGER);' }];
    const report = await checkDrift(db, files);
    expect(report.notes).toEqual([
      `1 of ${files.length} migrations are not applied to the live database (9999_pending.sql): their changes show as drift until \`npm run schema -- migrate\` (with the same --dir) applies them`,
    ]);
    expect(report.differences.length).toBeGreaterThan(0);
  });

  it('finds none in a freshly migrated database', async () => {
    const db = await database();
    const report = await checkDrift(db, MIGRATION_FILES);
    expect(report.differences).toEqual([]);
    expect(report.snapshot).toBeNull();
    expect(report.actual.tables.map((t) => t.name)).toContain('schema_migrations');
  });

  it('reports each hand-made change exactly, and its SQL reconciles the database', async () => {
    const db = await database();
    await db.exec(`
      ALTER TABLE raw_documents ADD COLUMN "scanned by" VARCHAR;
      ALTER TABLE raw_documents ALTER COLUMN page TYPE BIGINT;
      ALTER TABLE notifications_outbox ALTER COLUMN status SET DEFAULT 'sent';
      ALTER TABLE argilla_datasets ALTER COLUMN name DROP NOT NULL;
      DROP TABLE discovery_lock;
      CREATE VIEW "hand made" AS SELECT 1 AS one;
      DROP INDEX ingest_log_event;
    `);
    const { differences } = await checkDrift(db, MIGRATION_FILES);
    expect(changes(differences)).toEqual([
      { kind: 'column_nullability', table: 'argilla_datasets', column: 'name', expected: false, actual: true },
      { kind: 'missing_table', table: 'discovery_lock' },
      { kind: 'missing_index', table: 'ingest_log', index: 'ingest_log_event' },
      {
        kind: 'column_default',
        table: 'notifications_outbox',
        column: 'status',
        expected: `'pending'`,
        actual: `'sent'`,
      },
      { kind: 'column_type', table: 'raw_documents', column: 'page', expected: 'INTEGER', actual: 'BIGINT' },
      { kind: 'extra_column', table: 'raw_documents', column: 'scanned by' },
      { kind: 'extra_view', view: 'hand made' },
    ]);
    const sqlOf = (kind: string) => differences.find((d) => d.kind === kind)?.sql;
    expect(sqlOf('column_default')).toEqual([
      `ALTER TABLE "notifications_outbox" ALTER COLUMN "status" SET DEFAULT 'pending'`,
    ]);
    expect(sqlOf('extra_column')).toEqual([`ALTER TABLE "raw_documents" DROP COLUMN "scanned by"`]);
    expect(sqlOf('extra_view')).toEqual([`DROP VIEW "hand made"`]);
    expect(sqlOf('missing_index')).toEqual([
      'CREATE UNIQUE INDEX ingest_log_event ON ingest_log(bucket, "key", etag, event_time)',
    ]);
    expect(differences.every((d) => d.inPlace)).toBe(true);
    await reconcile(db, differences);
    expect((await checkDrift(db, MIGRATION_FILES)).differences).toEqual([]);
  });

  it('reconciles a NOT NULL change on a table with an index around the index DuckDB would refuse it for', async () => {
    const db = await database();
    await db.exec(`DROP INDEX ingest_log_event;
      ALTER TABLE ingest_log ALTER COLUMN status DROP NOT NULL; ALTER TABLE ingest_log ADD COLUMN note VARCHAR;
      CREATE UNIQUE INDEX ingest_log_event ON ingest_log (bucket, key, etag, event_time);`);
    const { differences } = await checkDrift(db, MIGRATION_FILES);
    expect(changes(differences)).toEqual([
      { kind: 'column_nullability', table: 'ingest_log', column: 'status', expected: false, actual: true },
      { kind: 'extra_column', table: 'ingest_log', column: 'note' },
    ]);
    expect(differences[0]?.sql).toEqual([
      'DROP INDEX IF EXISTS "ingest_log_event"',
      'ALTER TABLE "ingest_log" ALTER COLUMN "status" SET NOT NULL',
      'CREATE UNIQUE INDEX ingest_log_event ON ingest_log(bucket, "key", etag, event_time)',
    ]);
    await reconcile(db, differences);
    expect((await checkDrift(db, MIGRATION_FILES)).differences).toEqual([]);
  });

  it('rebuilds a table that lost a UNIQUE constraint, keeping its rows', async () => {
    const db = await database();
    const { expected } = await checkDrift(db, MIGRATION_FILES);
    const outbox = expected.tables.find((t) => t.name === 'notifications_outbox') as TableModel;
    const unique = outbox.constraints.find((c) => c.kind === 'UNIQUE');
    const [create] = createTableSql({ ...outbox, constraints: outbox.constraints.filter((c) => c !== unique) });
    await db.exec(`DROP TABLE notifications_outbox; ${create}`);
    await db.exec(
      `INSERT INTO notifications_outbox (id, dedupe_key, channel, payload, created_at) SELECT 'n1', 'k1', 'slack', '{}', now()`,
    );
    const { differences } = await checkDrift(db, MIGRATION_FILES);
    expect(changes(differences)).toEqual([
      { kind: 'missing_constraint', table: 'notifications_outbox', constraint: unique },
    ]);
    expect(differences[0]?.inPlace).toBe(false);
    await reconcile(db, differences);
    expect((await checkDrift(db, MIGRATION_FILES)).differences).toEqual([]);
    expect(await db.query('SELECT id, dedupe_key FROM notifications_outbox')).toEqual([{ id: 'n1', dedupe_key: 'k1' }]);
  });

  it('adds a missing PRIMARY KEY in place', async () => {
    const db = await database();
    const { expected } = await checkDrift(db, MIGRATION_FILES);
    const lock = expected.tables.find((t) => t.name === 'discovery_lock') as TableModel;
    const [create] = createTableSql({ ...lock, constraints: [] });
    await db.exec(`DROP TABLE discovery_lock; ${create}`);
    const { differences } = await checkDrift(db, MIGRATION_FILES);
    expect(differences.map(({ kind, sql, inPlace }) => ({ kind, sql, inPlace }))).toEqual([
      { kind: 'missing_constraint', sql: ['ALTER TABLE "discovery_lock" ADD PRIMARY KEY ("name")'], inPlace: true },
    ]);
    await reconcile(db, differences);
    expect((await checkDrift(db, MIGRATION_FILES)).differences).toEqual([]);
  });
});

describe('views a schema snapshot generated', () => {
  const field = (name: string, type = 'varchar'): CatalogField => ({
    source: 'manifests',
    name,
    kind: 'structured',
    type,
    status: 'active',
    description: null,
    mergedInto: null,
  });
  const catalog: Catalog = {
    entityTypes: [{ name: 'VESSEL_NAME', status: 'active', description: null, mergedInto: null }],
    fields: [field('imo', 'int'), field('vessel')],
  };

  async function published(version = 1): Promise<Warehouse> {
    const db = await database();
    const views = buildViews(catalog);
    await insertSnapshot(db, {
      version,
      semver: '0.1.0',
      bump: 'minor',
      publishedAt: new Date('2026-12-01T00:00:00Z'),
      catalog,
      diff: [],
      contentHash: 'h1',
      previousHash: null,
      runId: null,
      stats: null,
      views,
    });
    await replaceViews(db, null, views);
    return db;
  }

  it('are not drift when they match the latest snapshot', async () => {
    const db = await published();
    const report = await checkDrift(db, MIGRATION_FILES);
    expect(report.snapshot).toBe(1);
    expect(report.actual.views.map((v) => v.name)).toEqual(
      expect.arrayContaining(['annotations_current', 'src_manifests']),
    );
    expect(report.differences).toEqual([]);
  });

  it('are drift when tampered with or missing, and the snapshot definition restores them', async () => {
    const db = await published();
    await db.exec(`CREATE OR REPLACE VIEW src_manifests AS SELECT 1 AS imo; DROP VIEW annotations_current;`);
    const { differences } = await checkDrift(db, MIGRATION_FILES);
    expect(changes(differences)).toEqual([
      { kind: 'missing_view', view: 'annotations_current', generated: 1 },
      {
        kind: 'view_differs',
        view: 'src_manifests',
        generated: 1,
        expected: expect.stringContaining('json_extract_string(') as unknown as string,
        actual: 'CREATE VIEW src_manifests AS SELECT 1 AS imo;',
      },
    ]);
    expect(differences.map((d) => d.message)).toEqual([
      'view annotations_current is missing (generated by schema snapshot 1)',
      'view src_manifests differs from the definition in schema snapshot 1',
    ]);
    await reconcile(db, differences);
    expect((await checkDrift(db, MIGRATION_FILES)).differences).toEqual([]);
  });

  it('of an older snapshot that the latest no longer defines are extra', async () => {
    const db = await published();
    await db.exec('CREATE VIEW src_old_source AS SELECT 1 AS x');
    const { differences } = await checkDrift(db, MIGRATION_FILES);
    expect(changes(differences)).toEqual([{ kind: 'extra_view', view: 'src_old_source' }]);
  });
});
