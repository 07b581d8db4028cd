// Where a command reads a schema from (`--from`): the migrations (the default: all of them, or up to
// `migration:NNNN`), the live database (`db`), or the typed views a published snapshot stored (`snapshot:N`).
import { getSnapshot, viewsOf } from '../../lib/discovery/catalog-tables/schema-snapshots.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { SchemaModel } from '../../lib/toolkit/model.ts';
import { readMigrationFiles } from '../migrations/files.ts';
import { type CommandContext, UsageError } from './cli.ts';
import { migrationSchema } from './reference.ts';

export type SchemaSource =
  | { readonly kind: 'migration'; readonly to: string | null }
  | { readonly kind: 'db' }
  | { readonly kind: 'snapshot'; readonly version: number };

/** `--from`'s value; UsageError when it is none of the forms. */
export function parseSource(value: string | undefined): SchemaSource {
  if (value === undefined || value === 'migration' || value === 'migrations') return { kind: 'migration', to: null };
  if (value === 'db') return { kind: 'db' };
  const migration = /^migrations?:(\d{4})$/.exec(value);
  if (migration) return { kind: 'migration', to: migration[1] as string };
  const snapshot = /^snapshot:([1-9]\d*)$/.exec(value);
  if (snapshot) return { kind: 'snapshot', version: Number(snapshot[1]) };
  throw new UsageError(`--from ${value}: use db, snapshot:N or migration:NNNN (default: the latest migration)`);
}

export interface LoadedSchema {
  readonly model: SchemaModel;
  /** For generated files' headers: never the URL (it holds a token). */
  readonly label: string;
}

/** The model `source` describes; `migrationsDir` for tests that bring their own migrations. */
export async function loadSchema(
  ctx: CommandContext,
  source: SchemaSource,
  migrationsDir?: string,
): Promise<LoadedSchema> {
  switch (source.kind) {
    case 'migration': {
      const files = await readMigrationFiles(migrationsDir);
      const chosen = files.filter((f) => source.to === null || f.name.slice(0, 4) <= source.to);
      const last = chosen.at(-1);
      if (!last) throw new UsageError(`no migration up to ${source.to ?? 'the latest'}`);
      const progress = ctx.progress('applying the migrations to a scratch warehouse');
      const model = await migrationSchema(chosen);
      progress.done();
      return { model, label: `the migrations up to ${last.name}` };
    }
    case 'db': {
      const db = await ctx.connect();
      return { model: await introspect(db), label: 'the database at WAREHOUSE_URL' };
    }
    case 'snapshot': {
      const db = await ctx.connect();
      const row = await getSnapshot(db, source.version);
      if (!row) throw new UsageError(`schema_snapshots has no version ${source.version}`);
      // A snapshot stores its views' column lists, not table definitions: the model is those views.
      const views = viewsOf(row).views.map((v) => ({
        name: v.name,
        comment: v.kind === 'source' ? `typed view of structured_data source ${v.source}` : 'typed view of annotations',
        sql: v.sql,
        columns: v.columns.map((c) => ({
          name: c.name,
          type: c.type,
          nullable: true,
          default: null,
          comment:
            c.field === null ? null : `field ${c.field}${c.aliases.length ? ` (aliases ${c.aliases.join(', ')})` : ''}`,
        })),
      }));
      return {
        model: { tables: [], views, enums: [] },
        label: `the typed views of schema snapshot ${row.version} (${row.semver})`,
      };
    }
  }
}
