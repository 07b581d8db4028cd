// `npm run schema -- drift`: how the live database's schema differs from the one the migrations define, with
// the SQL that would reconcile it (docs/toolkit.md#drift). The typed views a schema snapshot generated are
// expected as the latest snapshot defines them.
import { z } from 'zod';
import { viewsOf } from '../../../lib/discovery/catalog-tables/schema-snapshots.ts';
import { Catalog } from '../../../lib/discovery/snapshot.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { type MigrationFile, migrate } from '../../../lib/migrations/runner.ts';
import { createViewSql, SnapshotViews, type ViewDefinition } from '../../../lib/query/views.ts';
import { type Drift, diffSchemas, subjectOf } from '../../../lib/toolkit/drift.ts';
import { introspect } from '../../../lib/toolkit/introspect.ts';
import type { SchemaModel } from '../../../lib/toolkit/model.ts';
import type { WarehouseSession } from '../../../lib/warehouse/port.ts';
import { jsonText } from '../../../lib/warehouse/rows.ts';
import { MIGRATIONS_DIR, readMigrationFiles } from '../../migrations/files.ts';
import { type Command, EXIT, UsageError } from '../cli.ts';

const USAGE = `usage: npm run schema -- drift [--dir DIR] [--json]
  compares the live database's schema (WAREHOUSE_URL) with the one the migrations define, and prints each
  difference with the SQL that would bring the live database back in line, grouped by table
  --dir DIR   the migrations folder (default sql/migrations)
  --json      one JSON document: { drift, summary, differences, snapshot, notes }
  the typed views of the latest schema snapshot are expected as that snapshot defines them
  exit 0 no drift, 1 drift found, 2 usage or connection error`;

const LatestSnapshot = z.object({
  version: z.coerce.number(),
  catalog: jsonText(Catalog),
  views: z
    .string()
    .nullable()
    .transform((text): unknown => (text === null ? null : JSON.parse(text)))
    .pipe(SnapshotViews.nullable()),
});

export interface DriftReport {
  readonly differences: readonly Drift[];
  /** The schema snapshot whose generated views were expected, or null when there is none. */
  readonly snapshot: number | null;
  /** What could not be checked, and why. */
  readonly notes: readonly string[];
  readonly expected: SchemaModel;
  readonly actual: SchemaModel;
}

/** The latest snapshot's views, when the live database has snapshots (and the columns this reads). */
async function latestViews(
  live: WarehouseSession,
  actual: SchemaModel,
  notes: string[],
): Promise<{ version: number; views: readonly ViewDefinition[] } | null> {
  const table = actual.tables.find((t) => t.name === 'schema_snapshots');
  const has = new Set(table?.columns.map((c) => c.name) ?? []);
  if (!['version', 'catalog'].every((c) => has.has(c))) return null;
  const views = has.has('views') ? 'views::VARCHAR' : 'NULL::VARCHAR';
  try {
    const rows = await live.query(
      `SELECT version, catalog::VARCHAR AS catalog, ${views} AS views FROM schema_snapshots ORDER BY version DESC LIMIT 1`,
    );
    if (rows.length === 0) return null;
    const row = LatestSnapshot.parse(rows[0]);
    return { version: row.version, views: viewsOf(row).views };
  } catch (error) {
    notes.push(`the latest schema snapshot's views could not be read: ${errorMessage(error)}`);
    return null;
  }
}

/** A note when the live database has not applied every file: those files' changes show up as drift. */
async function pendingNote(
  live: WarehouseSession,
  actual: SchemaModel,
  files: readonly MigrationFile[],
  notes: string[],
): Promise<void> {
  const table = actual.tables.find((t) => t.name === 'schema_migrations');
  if (!table?.columns.some((c) => c.name === 'name')) {
    notes.push('the live database has no schema_migrations table: no migration was applied by the runner');
    return;
  }
  const applied = new Set(
    (await live.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => String(r.name)),
  );
  const pending = files.filter((f) => !applied.has(f.name)).map((f) => f.name);
  if (pending.length > 0)
    notes.push(
      `${pending.length} of ${files.length} migrations are not applied to the live database (${pending.join(', ')}): their changes show as drift until \`npm run schema -- migrate\` (with the same --dir) applies them`,
    );
}

/**
 * The migrations' schema, plus `views` created over it (each as DuckDB stores it), on a scratch warehouse;
 * the views are awaited only once the migrations are applied, so both schemas are read at the same time.
 */
async function expectedSchema(
  files: readonly MigrationFile[],
  pending: Promise<readonly ViewDefinition[]>,
  notes: string[],
): Promise<SchemaModel> {
  // Loaded on first use: it brings DuckDB itself (a third of the start-up), which --help and the other
  // commands do not need.
  const { withScratchWarehouse } = await import('../reference.ts');
  return withScratchWarehouse(async (client) => {
    const report = await migrate(client, files);
    if (report.status !== 'ok')
      throw new UsageError(`the migrations do not apply to an empty database: ${JSON.stringify(report)}`);
    for (const v of await pending) {
      try {
        await client.exec(createViewSql(v));
      } catch (error) {
        notes.push(`view ${v.name} of the latest snapshot does not build over the migrations: ${errorMessage(error)}`);
      }
    }
    return introspect(client);
  });
}

/** Reads both schemas and compares them. */
export async function checkDrift(live: WarehouseSession, files: readonly MigrationFile[]): Promise<DriftReport> {
  const notes: string[] = [];
  const reading = introspect(live).then(async (actual) => {
    await pendingNote(live, actual, files, notes);
    return { actual, latest: await latestViews(live, actual, notes) };
  });
  const [{ actual, latest }, expected] = await Promise.all([
    reading,
    expectedSchema(
      files,
      reading.then((r) => r.latest?.views ?? []),
      notes,
    ),
  ]);
  const built = new Set(expected.views.map((v) => v.name));
  const generated = new Map(
    (latest?.views ?? []).filter((v) => built.has(v.name)).map((v) => [v.name, latest?.version ?? 0]),
  );
  return {
    differences: diffSchemas(expected, actual, { generated }),
    snapshot: latest?.version ?? null,
    notes,
    expected,
    actual,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const drift: Command = {
  name: 'drift',
  summary: 'how the live schema differs from the migrations, with the SQL that reconciles it',
  usage: USAGE,
  valued: ['dir'],
  async run(ctx) {
    if (ctx.args.positionals.length > 0) throw new UsageError(`unexpected argument ${ctx.args.positionals[0]}`);
    const dir = ctx.args.values.get('dir') ?? MIGRATIONS_DIR;
    let files: MigrationFile[];
    try {
      files = await readMigrationFiles(dir);
    } catch (error) {
      throw new UsageError(`cannot read the migrations in ${dir}: ${errorMessage(error)}`);
    }
    // Started before connecting: over TLS to MotherDuck the connection takes longer than loading DuckDB.
    void import('../reference.ts').catch(() => {});
    const live = await ctx.connect();
    const progress = ctx.progress('comparing the live schema with the migrations');
    const report = await checkDrift(live, files);
    progress.done();
    const { differences } = report;
    const subjects = [...new Set(differences.map(subjectOf))];
    const rebuilds = differences.filter((d) => !d.inPlace).length;
    const summary = {
      differences: differences.length,
      objects: subjects.length,
      notInPlace: rebuilds,
      tables: report.actual.tables.length,
      views: report.actual.views.length,
      enums: report.actual.enums.length,
    };
    ctx.emit({ drift: differences.length > 0, summary, differences, snapshot: report.snapshot, notes: report.notes });
    for (const subject of subjects) {
      ctx.say(subject);
      for (const d of differences.filter((x) => subjectOf(x) === subject)) {
        ctx.say(`  ${d.kind}: ${d.message}`);
        for (const sql of d.sql) ctx.say(`    ${sql.startsWith('--') ? sql : `${sql};`}`.replaceAll('\n', '\n    '));
      }
      ctx.say();
    }
    for (const note of report.notes) ctx.say(`note: ${note}`);
    const against = `${plural(files.length, 'migration')}${report.snapshot === null ? '' : `, snapshot ${report.snapshot}'s views`}`;
    if (differences.length === 0) {
      ctx.say(
        `no drift: ${plural(summary.tables, 'table')}, ${plural(summary.views, 'view')} and ${plural(summary.enums, 'type')} match ${against}`,
      );
      return EXIT.ok;
    }
    ctx.say(
      `drift: ${plural(differences.length, 'difference')} in ${plural(subjects.length, 'object')} against ${against}` +
        (rebuilds > 0 ? `; ${rebuilds} cannot be reconciled in place (table rebuild or by hand)` : ''),
    );
    return EXIT.problems;
  },
};
