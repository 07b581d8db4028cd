// `npm run demo`: against a running `npm start`, two months of a synthetic maritime corpus (tools/demo/):
// files and SME annotations loaded, discovery run twice, a saved report that changes, and a summary.
//   --reset      take the demo's data out of the current state first, and start over from month 1
//   --seed N     another corpus (default 19); the same seed always writes the same bytes
//   --json       the facts as JSON on stdout
import { errorMessage } from '../../lib/errors.ts';
import { buildCorpus, DEFAULT_SEED } from '../demo/corpus.ts';
import { DemoError, findStack, readFacts, resetDemo, runDemo } from '../demo/run.ts';
import { formatSummary } from '../demo/summary.ts';
import { initParquetWasmInNode } from '../local/parquet-wasm.ts';
import { UploadError } from '../local/upload.ts';
import { cliArgs, cliConfig, fail } from './args.ts';

const USAGE = `usage: npm run demo -- [--reset] [--seed N] [--json]
  runs the demo against the stack of \`npm start\` (start it in another terminal first): two months of
  vessel files and SME annotations, discovery after each, a saved report refreshed after month 2, then a
  summary. Running it again is a no-op: the same files are duplicates, nothing new is synced.
  --reset    first takes the demo's data out of the current state (an empty version of each demo file, the
             demo's Argilla responses closed, its report deleted), then starts over from month 1; schema
             versions and conflict decisions are history and stay
  --seed N   another corpus (default ${DEFAULT_SEED}); the same seed always writes the same bytes
  --json     the facts as JSON on stdout (progress stays on stderr)`;

const args = cliArgs(process.argv.slice(2), { usage: USAGE, flags: ['reset', 'json'], valued: ['seed'] });
if (args.positionals.length > 0) fail(`unexpected argument '${args.positionals[0]}'\n${USAGE}`);
const seed = Number(args.values.get('seed') ?? DEFAULT_SEED);
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
  fail(`--seed must be a whole number from 0 to 4294967295\n${USAGE}`);
const config = cliConfig();
const say = (line: string) => console.error(`[demo] ${line}`);
const started = Date.now();

try {
  const stack = await findStack(config);
  initParquetWasmInNode();
  const corpus = buildCorpus(seed);
  say(
    `stack at ${stack.base}; corpus of seed ${seed}: ${corpus.vessels.length} vessels, ${corpus.pages.length} OCR pages`,
  );
  const reset = args.flags.has('reset') ? await resetDemo(stack, corpus, say) : null;
  const run = await runDemo(stack, corpus, say, reset);
  const facts = await readFacts(stack, run.report.id);
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (args.flags.has('json')) console.log(JSON.stringify({ run, facts }, null, 2));
  else process.stdout.write(formatSummary(run, facts));
} catch (error) {
  if (error instanceof DemoError || error instanceof UploadError) fail(error.message);
  fail(`the demo stopped: ${errorMessage(error)}`);
}
