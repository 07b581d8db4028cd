// `npm run schema -- <command>`: the schema toolkit (docs/toolkit.md). Each command takes --help and --json;
// exit codes 0 ok, 1 problems found, 2 usage or connection error.
import { EXIT, runCommand } from '../toolkit/cli.ts';
import { COMMANDS } from '../toolkit/commands/index.ts';

const width = Math.max(...COMMANDS.map((c) => c.name.length));
const USAGE = `usage: npm run schema -- <command> [options] [--json]
  keeps every copy of the warehouse schema in step with the database (docs/toolkit.md)
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  npm run schema -- <command> --help   the command's options
  WAREHOUSE_URL comes from the environment, else .dev.vars; exit 0 ok, 1 problems found, 2 usage or connection error`;

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  console.log(USAGE);
  process.exit(name === undefined ? EXIT.usage : EXIT.ok);
}
const command = COMMANDS.find((c) => c.name === name);
if (!command) {
  console.error(`error: unknown command '${name}'\n${USAGE}`);
  process.exit(EXIT.usage);
}
process.exit(await runCommand(command, rest));
