// `npm run bench -- <name>`: performance measured against a reference run in the same process.
//   ingest      push and remote loads vs DuckDB's own read_parquet
//   discovery   full and incremental discovery runs, conflict detection, each vs a naive baseline
import { benchDiscovery } from '../bench/discovery.ts';
import { benchIngest } from '../bench/ingest.ts';
import { fail, parseArgs } from './args.ts';

const BENCHES: Record<string, () => Promise<void>> = { ingest: benchIngest, discovery: benchDiscovery };

const { positionals } = parseArgs(process.argv.slice(2));
const names = positionals.length > 0 ? positionals : Object.keys(BENCHES);
for (const name of names) {
  const run = BENCHES[name];
  if (!run) fail(`unknown benchmark '${name}' (known: ${Object.keys(BENCHES).join(', ')})`);
  console.log(`== bench ${name} ==`);
  await run();
}
