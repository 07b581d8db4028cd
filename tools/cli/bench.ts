// `npm run bench -- <name>`: performance measured against a reference run in the same process.
//   ingest      push and remote loads vs DuckDB's own read_parquet (cases: big-files, small-files)
//   discovery   full and incremental discovery runs, conflict detection, each vs a naive baseline
//   api         schema API latency through the local stack vs a route that does no I/O
//   argilla     upload to catalog (p50/max of uploads to R2, and of the Argilla webhook path); also `latency`
//   query       POST /api/query live and time travel, and a report refresh, vs the same SQL on the warehouse
//   transport   the warehouse's cost of a push column as split text vs as a typed array literal
//   drift       npm run schema -- drift on 200 tables vs the migrations-only reference build and SELECT 1
//   conflicts   precision and recall on labelled name pairs, spelling only vs vocabulary and values; 2,000 vs 50,000
//   embeddings  the SimHash index of name embeddings at 50,000 x 2,000 vs brute force
import { benchApi } from '../bench/api.ts';
import { benchArgilla } from '../bench/argilla.ts';
import { benchConflicts } from '../bench/conflicts.ts';
import { benchDiscovery } from '../bench/discovery.ts';
import { benchDrift } from '../bench/drift.ts';
import { benchEmbeddings } from '../bench/embeddings.ts';
import { benchIngest } from '../bench/ingest.ts';
import { benchQuery } from '../bench/query.ts';
import { benchTransport } from '../bench/transport.ts';
import { cliArgs, fail } from './args.ts';

const BENCHES: Record<string, (cases: readonly string[]) => Promise<void>> = {
  ingest: benchIngest,
  discovery: benchDiscovery,
  api: benchApi,
  argilla: benchArgilla,
  latency: benchArgilla,
  transport: benchTransport,
  query: benchQuery,
  drift: benchDrift,
  embeddings: benchEmbeddings,
  conflicts: benchConflicts,
};

const USAGE = `usage: npm run bench -- [${Object.keys(BENCHES).join('] [')}] [case ...]
  runs the named benchmarks (all of them when none is named); names after a benchmark pick its cases
  (ingest: big-files, small-files; all when none is named); BENCH_RUNS=n takes the median of n runs (default 3);
  BENCH_SCALE=0.1 shrinks the discovery data for a quick look (its targets are for scale 1);
  BENCH_REQUESTS=n requests per route for api (default 1000) and per path for query (default 30);
  BENCH_TRIES=n uploads and webhook submits for argilla / latency (default 10 each);
  drift times npm run schema -- drift on 200 tables over BENCH_RUNS runs (target under 2 s)`;

const { positionals } = cliArgs(process.argv.slice(2), { usage: USAGE });
// A benchmark's name, then the cases of it to run.
const runs: { name: string; cases: string[] }[] = [];
for (const word of positionals) {
  if (word in BENCHES) runs.push({ name: word, cases: [] });
  else if (runs.length > 0) (runs.at(-1) as { cases: string[] }).cases.push(word);
  else fail(`unknown benchmark '${word}'\n${USAGE}`);
}
// `latency` is another name for `argilla`: run once when none is named.
if (runs.length === 0)
  runs.push(
    ...Object.keys(BENCHES)
      .filter((n) => n !== 'latency')
      .map((name) => ({ name, cases: [] })),
  );
for (const { name, cases } of runs) {
  console.log(`== bench ${name}${cases.length > 0 ? ` (${cases.join(', ')})` : ''} ==`);
  await (BENCHES[name] as (cases: readonly string[]) => Promise<void>)(cases);
}
