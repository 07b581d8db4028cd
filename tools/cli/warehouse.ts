// `npm run warehouse`: the embedded warehouse on its own (DuckDB behind the Postgres wire protocol).
//   --no-migrate   serve without applying migrations
import { ensureDevVars, redactUrl } from '../local/dev-vars.ts';
import { formatMigrationReport, startLocalWarehouse } from '../local/warehouse.ts';
import { cliArgs, cliConfig, fail } from './args.ts';

const args = cliArgs(process.argv.slice(2), {
  usage:
    'usage: npm run warehouse -- [--no-migrate]\n  the embedded warehouse alone; --no-migrate serves without applying migrations',
  flags: ['no-migrate'],
});
const config = cliConfig();
const { vars, added } = ensureDevVars(config.devVarsPath, config.ports);
if (added.length > 0) console.log(`wrote ${added.join(', ')} to ${config.devVarsPath}`);
const url = vars.WAREHOUSE_URL as string;

let local: Awaited<ReturnType<typeof startLocalWarehouse>>;
try {
  local = await startLocalWarehouse(config, url, {
    migrate: !args.flags.has('no-migrate'),
    log: (l) => console.log(l),
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (args.flags.has('no-migrate')) console.log('migrations: not applied (--no-migrate)');
else for (const line of formatMigrationReport(local.migrations)) console.log(line);
if (local.migrations.status !== 'ok') {
  await local.server.close();
  process.exit(1);
}
console.log(`warehouse: listening on ${redactUrl(url)}`);
console.log(`warehouse: database file ${local.server.databasePath}; R2 buckets under ${config.dataDir}/r2/`);
console.log(`warehouse: connect with  psql "$(grep ^WAREHOUSE_URL= .dev.vars | cut -d= -f2-)"`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`warehouse: ${signal}, checkpointing and stopping`);
  await local.server.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
