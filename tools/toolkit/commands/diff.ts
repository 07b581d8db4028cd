// `npm run schema -- diff <a> <b> [--rename ...] [--write NNNN_name]`: the changes that turn schema a into
// schema b as typed records with semver labels (lib/toolkit/diff.ts), the destructive-change lint (counted
// on the live rows when a is `db`) and the migration SQL; --write saves that SQL as the next migration.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { errorMessage } from '../../../lib/errors.ts';
import {
  countFindings,
  describeFinding,
  diffSchema,
  isBlocking,
  type LintFinding,
  parseRenameHint,
  type RenameHint,
  type SchemaDiff,
} from '../../../lib/toolkit/diff.ts';
import { ddlFromZod } from '../../../lib/toolkit/from-zod.ts';
import { introspect } from '../../../lib/toolkit/introspect.ts';
import type { SchemaModel } from '../../../lib/toolkit/model.ts';
import { MIGRATIONS_DIR, readMigrationFiles } from '../../migrations/files.ts';
import { type Command, type CommandContext, EXIT, UsageError } from '../cli.ts';
import { withScratchWarehouse } from '../reference.ts';
import { loadSchema, parseSource, type SchemaSource } from '../sources.ts';
import { loadExports, parseFromZod } from './ddl.ts';

const USAGE = `usage: npm run schema -- diff <a> <b> [--rename t.old=t.new ...] [--write NNNN_name] [--dir dir] [--json]
  the changes that turn schema a into schema b, each labelled MAJOR / MINOR / PATCH, the overall bump, the
  destructive-change lint and the migration SQL (docs/toolkit.md#diff). a and b are each one of:
    migration:NNNN or NNNN   the migrations up to that number (migration: every migration)
    db                       the database at WAREHOUSE_URL (as a: the lint counts the rows it would affect)
    snapshot:N               the typed views of schema_snapshots version N at WAREHOUSE_URL
    zod:<module>#<export>[,<export>...]   zod object schemas (as \`ddl --from-zod\` turns them into tables)
    ddl:<file.sql> or <file>.sql          a DDL file applied to a scratch warehouse (e.g. sql/schema.sql)
  --rename table.old=table.new (or old=new)   a table of a renamed in b
  --rename table.col=newcol                   a column renamed; without a hint a rename is a drop plus an add
                                              (several hints: comma-separated, --rename a=b,t.x=y)
  --write NNNN_name   write the SQL as <dir>/NNNN_name.sql (NNNN must be the next free number)
  --dir dir           the migrations folder (default sql/migrations), for migration: sources and --write
  exit 0 a and b are the same schema, 1 they differ (the records are the problems found), 2 usage or connection`;

type DiffSource =
  | SchemaSource
  | { readonly kind: 'zod'; readonly spec: string }
  | { readonly kind: 'ddl'; readonly file: string };

/** A diff side; UsageError when it is none of the forms. */
export function parseDiffSource(value: string): DiffSource {
  if (/^\d{4}$/.test(value)) return { kind: 'migration', to: value };
  if (value.startsWith('zod:')) return { kind: 'zod', spec: value.slice(4) };
  if (value.startsWith('ddl:')) return { kind: 'ddl', file: value.slice(4) };
  if (value.endsWith('.sql')) return { kind: 'ddl', file: value };
  try {
    return parseSource(value);
  } catch {
    throw new UsageError(
      `${value}: use migration:NNNN (or NNNN), db, snapshot:N, zod:<module>#<export>, ddl:<file.sql> or <file>.sql`,
    );
  }
}

/** DDL statements applied to a fresh scratch warehouse, and what they made. */
async function scratchModel(statements: readonly string[], what: string): Promise<SchemaModel> {
  return withScratchWarehouse(async (client) => {
    for (const sql of statements) {
      try {
        await client.exec(sql);
      } catch (error) {
        throw new UsageError(`${what} does not apply to an empty database: ${errorMessage(error)}`);
      }
    }
    return introspect(client);
  });
}

/** The runner's own bookkeeping table: in every migrated copy, never in a DDL file or zod, never a change. */
const BOOKKEEPING = 'schema_migrations';

async function loadSide(
  ctx: CommandContext,
  source: DiffSource,
  dir: string,
): Promise<{ model: SchemaModel; label: string }> {
  const { model, label } = await loadModel(ctx, source, dir);
  return { model: { ...model, tables: model.tables.filter((t) => t.name !== BOOKKEEPING) }, label };
}

async function loadModel(
  ctx: CommandContext,
  source: DiffSource,
  dir: string,
): Promise<{ model: SchemaModel; label: string }> {
  switch (source.kind) {
    case 'zod': {
      const { module, exports } = parseFromZod(source.spec);
      const result = ddlFromZod(await loadExports(module, exports));
      if (!result.ok) throw new UsageError(`zod:${source.spec}: ${result.refusals.map((r) => r.message).join('; ')}`);
      return { model: await scratchModel(result.plan.statements, `zod:${source.spec}`), label: `zod:${source.spec}` };
    }
    case 'ddl': {
      const path = resolve(source.file);
      if (!existsSync(path)) throw new UsageError(`no DDL file at ${source.file}`);
      return { model: await scratchModel([readFileSync(path, 'utf8')], source.file), label: source.file };
    }
    case 'migration': {
      const files = await readMigrationFiles(dir);
      if (source.to !== null && !files.some((f) => f.name.startsWith(source.to as string)))
        throw new UsageError(`no migration ${source.to} in ${dir}`);
      try {
        return await loadSchema(ctx, source, dir);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`the migrations in ${dir}: ${errorMessage(error)}`);
      }
    }
    case 'db':
    case 'snapshot':
      return loadSchema(ctx, source, dir);
    default: {
      const _: never = source;
      throw new Error(`unhandled source ${JSON.stringify(_)}`);
    }
  }
}

/** The file `--write` makes: a header with the bump and the lint, then the statements. */
export function migrationText(name: string, a: string, b: string, diff: SchemaDiff): string {
  const header = [
    `-- ${name}: written by \`npm run schema -- diff ${a} ${b} --write\`; review it before it lands.`,
    `-- semver: ${(diff.bump ?? 'none').toUpperCase()} (${diff.records.length} change${diff.records.length === 1 ? '' : 's'})`,
    ...diff.records.map((r) => `--   ${r.bump.toUpperCase()} ${r.message}${r.inPlace ? '' : ' (table rebuilt)'}`),
    ...(diff.findings.length > 0 ? ['-- lint:', ...diff.findings.map((f) => `--   ${describeFinding(f)}`)] : []),
  ];
  const body = diff.sql.map((s) => (s.startsWith('--') ? s : `${s};`));
  return `${[...header, '', ...body].join('\n')}\n`;
}

/** The next free migration number in `names` (`0016` after `0015_x.sql`). */
export function nextMigrationNumber(names: readonly string[]): string {
  const numbers = names.map((n) => Number(n.slice(0, 4))).filter((n) => Number.isInteger(n));
  return String(Math.max(0, ...numbers) + 1).padStart(4, '0');
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'the changes from schema a to b: semver-labelled records, destructive-change lint, migration SQL',
  usage: USAGE,
  valued: ['rename', 'write', 'dir'],
  async run(ctx) {
    const [aArg, bArg, ...extra] = ctx.args.positionals;
    if (aArg === undefined || bArg === undefined) throw new UsageError('diff needs two schemas: diff <a> <b>');
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
    const dir = ctx.args.values.get('dir') ?? MIGRATIONS_DIR;
    // NOTE: the argument parser keeps one value per option: several hints go comma-separated in one --rename.
    const renames = (ctx.args.values.get('rename') ?? '').split(',').filter(Boolean);
    const hints: RenameHint[] = renames.map((h) => {
      const parsed = parseRenameHint(h);
      if (!parsed) throw new UsageError(`--rename ${h}: use table.old=table.new or table.column=newcolumn`);
      return parsed;
    });
    const write = ctx.args.values.get('write');
    if (write !== undefined && !/^\d{4}_[a-z0-9_]+$/.test(write))
      throw new UsageError(`--write ${write}: use NNNN_name (digits, then lower-case letters, digits, _)`);
    const aSource = parseDiffSource(aArg);
    const bSource = parseDiffSource(bArg);
    const a = await loadSide(ctx, aSource, dir);
    const b = await loadSide(ctx, bSource, dir);
    const computed = diffSchema(a.model, b.model, hints);
    if (computed.errors.length > 0) throw new UsageError(computed.errors.join('; '));
    let findings: LintFinding[] = [...computed.findings];
    if (aSource.kind === 'db' && findings.length > 0) {
      const db = await ctx.connect();
      findings = await countFindings((sql) => db.query(sql), findings);
    }
    const diff: SchemaDiff = { ...computed, findings };
    const document = {
      a: a.label,
      b: b.label,
      bump: diff.bump,
      records: diff.records,
      findings: diff.findings.map((f) => ({ ...f, message: describeFinding(f), blocking: isBlocking(f) })),
      sql: diff.sql,
      written: null as string | null,
    };
    if (write !== undefined) {
      const names = existsSync(dir) ? (await readMigrationFiles(dir)).map((f) => f.name) : [];
      const next = nextMigrationNumber(names);
      const file = join(dir, `${write}.sql`);
      if (existsSync(file)) throw new UsageError(`--write: ${file} exists`);
      if (write.slice(0, 4) !== next) throw new UsageError(`--write ${write}: the next free number is ${next}`);
      if (diff.records.length === 0) throw new UsageError(`--write: ${a.label} and ${b.label} are the same schema`);
      writeFileSync(file, migrationText(write, aArg, bArg, diff));
      document.written = file;
    }
    ctx.emit(document);
    if (diff.records.length === 0) {
      ctx.say(`no changes from ${a.label} to ${b.label}`);
      return EXIT.ok;
    }
    ctx.say(
      `${diff.records.length} change${diff.records.length === 1 ? '' : 's'} from ${a.label} to ${b.label}, semver ${(diff.bump ?? 'none').toUpperCase()}`,
    );
    for (const r of diff.records)
      ctx.say(`  ${r.bump.toUpperCase().padEnd(5)} ${r.message}${r.inPlace ? '' : ' (table rebuilt)'}`);
    if (diff.findings.length > 0) {
      ctx.say('lint:');
      for (const f of diff.findings) ctx.say(`  ${describeFinding(f)}`);
    }
    ctx.say('sql:');
    for (const s of diff.sql) ctx.say(s.startsWith('--') ? s : `${s};`);
    if (document.written !== null) ctx.say(`wrote ${document.written}`);
    return EXIT.problems;
  },
};
