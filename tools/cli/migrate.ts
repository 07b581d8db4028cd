// `npm run migrate`: the older name of `npm run schema -- migrate` (and, with --status, of `npm run schema --
// status`), kept so scripts and habits that use it go on working. Its options and exit codes are the old ones.
//   --status    list applied and pending migrations, change nothing
//   --dry-run   say what would be applied, change nothing
//   --dir DIR   migrations folder (default sql/migrations)
import { runCommand } from '../toolkit/cli.ts';
import { migrateCommand } from '../toolkit/commands/migrate.ts';
import { statusCommand } from '../toolkit/commands/status.ts';
import { cliArgs, fail } from './args.ts';

const USAGE = `usage: npm run migrate -- [--status | --dry-run] [--dir DIR]
  applies new migrations to WAREHOUSE_URL (the environment, else .dev.vars)
  the same as \`npm run schema -- migrate\` (and \`npm run schema -- status\` for --status), which also has
  --test, --to and --json: see docs/toolkit.md
  --status    list applied and pending migrations, change nothing
  --dry-run   say what would be applied, change nothing
  --dir DIR   migrations folder (default sql/migrations)`;

const argv = process.argv.slice(2);
const args = cliArgs(argv, { usage: USAGE, flags: ['status', 'dry-run'], valued: ['dir'] });
if (args.flags.has('status') && args.flags.has('dry-run')) fail(`--status and --dry-run are alternatives\n${USAGE}`);
const command = args.flags.has('status') ? statusCommand : migrateCommand;
process.exit(
  await runCommand(
    command,
    argv.filter((a) => a !== '--status'),
  ),
);
