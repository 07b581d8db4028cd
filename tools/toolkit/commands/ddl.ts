// `npm run schema -- ddl --from-zod <module>#<export>[,<export>...] [--deploy]`: the DuckDB DDL of zod object
// schemas (lib/toolkit/from-zod.ts); --deploy applies it to WAREHOUSE_URL in one transaction and then checks,
// by introspection, that every table is there with the expected columns.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../../lib/errors.ts';
import { type DdlPlan, ddlFromZod, type ZodTableInput } from '../../../lib/toolkit/from-zod.ts';
import { introspect } from '../../../lib/toolkit/introspect.ts';
import type { SchemaModel } from '../../../lib/toolkit/model.ts';
import { redactUrl } from '../../local/dev-vars.ts';
import { type Command, EXIT, UsageError } from '../cli.ts';

const USAGE = `usage: npm run schema -- ddl --from-zod <module>#<export>[,<export>...] [--deploy] [--json]
  prints the DuckDB DDL (CREATE TYPE ... AS ENUM, CREATE TABLE, CREATE INDEX) of zod object schemas, one table
  per export, named by .meta({ table }) or the export name in snake_case (docs/toolkit.md#ddl)
  --from-zod M#E  a .ts or .js module and the exports to turn into tables
  --deploy        also applies the DDL to WAREHOUSE_URL in one transaction (all tables or none), then checks
                  that every table exists with the expected columns
  --json          one JSON document on stdout
  exit 0 ok, 1 a zod construct with no SQL equivalent (every one is listed) or a failed deploy, 2 usage or
  connection error`;

/** `path#A,B` -> the module path and the export names. */
export function parseFromZod(spec: string | undefined): { module: string; exports: string[] } {
  if (spec === undefined) throw new UsageError('ddl needs --from-zod <module>#<export>[,<export>...]');
  const hash = spec.lastIndexOf('#');
  const exports =
    hash < 0
      ? []
      : spec
          .slice(hash + 1)
          .split(',')
          .filter(Boolean);
  if (hash <= 0 || exports.length === 0)
    throw new UsageError(`--from-zod ${spec}: expected <module>#<export>[,<export>...]`);
  return { module: spec.slice(0, hash), exports };
}

export async function loadExports(module: string, names: readonly string[]): Promise<ZodTableInput[]> {
  const path = resolve(module);
  if (!existsSync(path)) throw new UsageError(`--from-zod: no module at ${module}`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--from-zod: cannot load ${module}: ${errorMessage(error)}`);
  }
  const missing = names.filter((n) => !(n in loaded));
  if (missing.length > 0) throw new UsageError(`--from-zod: ${module} has no export ${missing.join(', ')}`);
  for (const n of names) {
    const value = loaded[n];
    if (typeof value !== 'object' || value === null || !('_zod' in value))
      throw new UsageError(`--from-zod: the export ${n} is not a zod schema`);
  }
  return names.map((exportName) => ({ exportName, schema: loaded[exportName] }));
}

/** What is wrong with the deployed tables of `plan` in `schema`: a missing table or column, a nullability. */
export function verifyDeployed(plan: DdlPlan, schema: SchemaModel): string[] {
  const problems: string[] = [];
  for (const table of plan.tables) {
    const live = schema.tables.find((t) => t.name === table.name);
    if (!live) {
      problems.push(`${table.name}: the table is missing`);
      continue;
    }
    const names = live.columns.map((c) => c.name);
    if (names.join(',') !== table.columns.map((c) => c.name).join(','))
      problems.push(
        `${table.name}: columns are ${names.join(', ')}, expected ${table.columns.map((c) => c.name).join(', ')}`,
      );
    for (const column of table.columns) {
      const got = live.columns.find((c) => c.name === column.name);
      if (got && got.nullable !== column.nullable)
        problems.push(`${table.name}.${column.name}: ${got.nullable ? 'nullable' : 'NOT NULL'}, expected the other`);
    }
  }
  for (const e of plan.enums)
    if (!schema.enums.some((x) => x.name === e.name && x.labels.join('\0') === e.labels.join('\0')))
      problems.push(`${e.name}: the ENUM type is missing or has other labels`);
  return problems;
}

export const ddlCommand: Command = {
  name: 'ddl',
  summary: 'DuckDB DDL from zod object schemas (--from-zod), optionally deployed in one transaction',
  usage: USAGE,
  flags: ['deploy'],
  valued: ['from-zod'],
  async run(ctx) {
    if (ctx.args.positionals.length > 0) throw new UsageError(`unexpected argument ${ctx.args.positionals[0]}`);
    const { module, exports } = parseFromZod(ctx.args.values.get('from-zod'));
    const deploy = ctx.args.flags.has('deploy');
    const inputs = await loadExports(module, exports);
    const result = ddlFromZod(inputs);
    if (!result.ok) {
      ctx.emit({ ok: false, refusals: result.refusals, statements: [], deployed: false });
      for (const r of result.refusals) ctx.say(`refused: ${r.message}`);
      ctx.say(`${result.refusals.length} construct${result.refusals.length === 1 ? '' : 's'} with no SQL equivalent`);
      return EXIT.problems;
    }
    const { plan } = result;
    const sql = `${plan.statements.map((s) => `${s};`).join('\n\n')}\n`;
    const document = {
      ok: true,
      tables: plan.tables.map((t) => t.name),
      enums: plan.enums.map((e) => e.name),
      statements: plan.statements,
      notes: plan.notes,
      deployed: false,
      problems: [] as string[],
    };
    for (const note of plan.notes) ctx.say(`-- note: ${note}`);
    ctx.say(sql.trimEnd());
    if (!deploy) {
      ctx.emit(document);
      return EXIT.ok;
    }
    const warehouse = await ctx.connect();
    const progress = ctx.progress('deploying');
    try {
      await warehouse.transaction(async (tx) => {
        for (const [i, statement] of plan.statements.entries()) {
          progress.update(`${i + 1}/${plan.statements.length} statements`);
          await tx.exec(statement);
        }
      });
    } catch (error) {
      progress.done();
      const message = `deploy failed and was rolled back, nothing was created: ${errorMessage(error)}`;
      ctx.emit({ ...document, ok: false, problems: [message] });
      ctx.say(`-- ${message}`);
      return EXIT.problems;
    }
    progress.done();
    const problems = verifyDeployed(plan, await introspect(warehouse));
    ctx.emit({ ...document, ok: problems.length === 0, deployed: true, problems });
    for (const p of problems) ctx.say(`-- PROBLEM ${p}`);
    ctx.say(
      problems.length === 0
        ? `-- deployed to ${redactUrl(ctx.warehouseUrl())}: ${plan.tables.length} table${plan.tables.length === 1 ? '' : 's'}, verified`
        : `-- deployed, but ${problems.length} problem${problems.length === 1 ? '' : 's'} found`,
    );
    return problems.length === 0 ? EXIT.ok : EXIT.problems;
  },
};
