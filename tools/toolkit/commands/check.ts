// `npm run schema -- check`: the copies of the schema the repository keeps agree with its migrations. The
// committed schema/generated/ files are what `generate --all` writes now, byte for byte, and every table and
// column named in SELECT literals of lib/ and workers/ exists in the schema the migrations define, and the row
// schemas of lib/toolkit/row-models.ts match their tables.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../../../lib/migrations/runner.ts';
import { introspect } from '../../../lib/toolkit/introspect.ts';
import { rowModelProblems } from '../../../lib/toolkit/row-conformance.ts';
import { ROW_MODELS } from '../../../lib/toolkit/row-models.ts';
import { readMigrationFiles } from '../../migrations/files.ts';
import { type Command, EXIT, UsageError } from '../cli.ts';
import { GENERATED_DIR, generatedFiles, REGENERATE_COMMAND, SCHEMA_SQL, schemaSqlText } from '../generated.ts';
import { withScratchWarehouse } from '../reference.ts';
import { scanSql } from '../sql-scan.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DEFAULT_PATHS = ['lib', 'workers'];

const USAGE = `usage: npm run schema -- check [--paths a,b] [--generated dir] [--skip-generated] [--json]
  Compares the repository's copies of the schema with the migrations (applied to a scratch warehouse):
  - schema/generated/ (or --generated dir) holds exactly what \`${REGENERATE_COMMAND}\` writes;
  - every table and column named in SELECT literals of the .ts files under --paths (default lib,workers)
    exists (DuckDB's own parser reads each statement; literals it cannot parse are counted as skipped);
  - the zod row schemas listed in lib/toolkit/row-models.ts match their tables' columns, nullability and types.
  --migrations dir: another migrations folder. Exit 0 clean, 1 problems (each with file:line), 2 usage error.`;

export interface CheckProblem {
  readonly check: 'generated' | 'sql' | 'rows';
  readonly file: string;
  readonly line: number | null;
  readonly message: string;
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'schema/generated/, the SQL in lib/ and workers/ and the row schemas agree with the migrations',
  usage: USAGE,
  flags: ['skip-generated'],
  valued: ['paths', 'generated', 'migrations'],
  async run(ctx) {
    if (ctx.args.positionals.length > 0) throw new UsageError(`unexpected ${ctx.args.positionals.join(' ')}`);
    const paths = (ctx.args.values.get('paths') ?? DEFAULT_PATHS.join(',')).split(',').filter((p) => p !== '');
    for (const p of paths) if (!existsSync(join(ROOT, p))) throw new UsageError(`--paths: no ${p} in ${ROOT}`);
    const generatedDir = ctx.args.values.get('generated') ?? GENERATED_DIR;
    const files = await readMigrationFiles(ctx.args.values.get('migrations'));
    const last = files.at(-1);
    if (!last) throw new UsageError('no migrations');
    const progress = ctx.progress('checking against the migrations');
    const problems: CheckProblem[] = [];
    const result = await withScratchWarehouse(async (db) => {
      const migrated = await migrate(db, files);
      if (migrated.status !== 'ok') throw new UsageError(`the migrations do not apply: ${JSON.stringify(migrated)}`);
      const model = await introspect(db);
      if (!ctx.args.flags.has('skip-generated')) {
        const label = `the migrations up to ${last.name}`;
        const expected = generatedFiles(model, label).map(({ file, text }) => ({
          path: join(generatedDir, file),
          text,
        }));
        // sql/schema.sql belongs to the project's migrations: compared when those are the ones checked.
        if (!ctx.args.values.has('generated') && !ctx.args.values.has('migrations'))
          expected.push({ path: SCHEMA_SQL, text: schemaSqlText(model, label) });
        for (const { path, text } of expected) {
          const committed = existsSync(path) ? readFileSync(path, 'utf8') : null;
          if (committed === text) continue;
          problems.push({
            check: 'generated',
            file: path,
            line: null,
            message: `${committed === null ? 'missing' : 'stale'}: run \`${REGENERATE_COMMAND}\` and commit the result`,
          });
        }
      }
      for (const p of rowModelProblems(ROW_MODELS, model))
        problems.push({ check: 'rows', file: p.module, line: null, message: p.message });
      progress.update('(SQL literals)');
      const scan = await scanSql(db, model, paths, ROOT);
      for (const p of scan.problems) problems.push({ check: 'sql', file: p.file, line: p.line, message: p.message });
      return scan;
    });
    progress.done();
    for (const p of problems) ctx.say(`${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.message}`);
    ctx.say(
      `${problems.length === 0 ? 'ok' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}: ${ROW_MODELS.length} row schemas, SQL in ${result.files} files, ${result.statements} SELECT literals, ${result.checked} checked, ${result.skipped} skipped (DuckDB's parser did not take them)`,
    );
    ctx.emit({
      ok: problems.length === 0,
      problems,
      rowSchemas: ROW_MODELS.length,
      sql: { files: result.files, statements: result.statements, checked: result.checked, skipped: result.skipped },
    });
    return problems.length === 0 ? EXIT.ok : EXIT.problems;
  },
};
