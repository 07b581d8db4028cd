// `npm run migrate`: applies new migrations from sql/migrations to WAREHOUSE_URL.
//   --status    list applied and pending migrations, change nothing
//   --dry-run   say what would be applied, change nothing
//   --dir DIR   migrations folder (default sql/migrations)
// WAREHOUSE_URL comes from the environment, else from .dev.vars.
import { existsSync, readFileSync } from 'node:fs';
import { errorMessage } from '../../lib/errors.ts';
import { describeProblem, migrate, migrationStatus } from '../../lib/migrations/runner.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { parseDevVars, redactUrl, warehouseUrlProblem } from '../local/dev-vars.ts';
import { formatMigrationReport } from '../local/warehouse.ts';
import { MIGRATIONS_DIR, readMigrationFiles } from '../migrations/files.ts';
import { cliArgs, cliConfig, fail } from './args.ts';

const USAGE = `usage: npm run migrate -- [--status | --dry-run] [--dir DIR]
  applies new migrations to WAREHOUSE_URL (the environment, else .dev.vars)
  --status    list applied and pending migrations, change nothing
  --dry-run   say what would be applied, change nothing
  --dir DIR   migrations folder (default sql/migrations)`;

const args = cliArgs(process.argv.slice(2), { usage: USAGE, flags: ['status', 'dry-run'], valued: ['dir'] });
if (args.flags.has('status') && args.flags.has('dry-run')) fail(`--status and --dry-run are alternatives\n${USAGE}`);
const config = cliConfig();
const url =
  process.env.WAREHOUSE_URL ??
  (existsSync(config.devVarsPath) ? parseDevVars(readFileSync(config.devVarsPath, 'utf8')).WAREHOUSE_URL : undefined);
if (!url) fail('WAREHOUSE_URL is not set (environment or .dev.vars); run `npm start` once to create .dev.vars');
const problem = warehouseUrlProblem(url);
if (problem) fail(problem);

const dir = args.values.get('dir') ?? MIGRATIONS_DIR;
const files = await readMigrationFiles(dir).catch((error: unknown) =>
  fail(`cannot read migrations from ${dir}: ${errorMessage(error)}`),
);
const warehouse = createPostgresWarehouse(url, { max: 1 });
let exitCode = 0;
try {
  console.log(`warehouse: ${redactUrl(url)}`);
  if (args.flags.has('status')) {
    const status = await migrationStatus(warehouse, files);
    for (const a of status.applied) console.log(`  applied  ${a.name}  (${a.appliedAt})`);
    for (const p of status.pending) console.log(`  pending  ${p}`);
    for (const p of status.problems) console.log(`  PROBLEM  ${describeProblem(p)}`);
    console.log(
      `${status.applied.length} applied, ${status.pending.length} pending, ${status.problems.length} problem${status.problems.length === 1 ? '' : 's'}`,
    );
    exitCode = status.problems.length > 0 ? 1 : 0;
  } else {
    const report = await migrate(warehouse, files, {
      dryRun: args.flags.has('dry-run'),
      onApply: (name) => console.log(`applying ${name} ...`),
    });
    for (const line of formatMigrationReport(report)) console.log(line);
    exitCode = report.status === 'ok' ? 0 : 1;
  }
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await warehouse.close();
}
process.exit(exitCode);
