// `npm run argilla-standin`: a local Argilla 2.x stand-in on loopback (tools/argilla-standin/), and
// `submit`, which gives it a response as an SME would, through its control API.
import { MARITIME_FIXTURE } from '../argilla-standin/fixture.ts';
import { DEFAULT_API_KEY, startArgillaStandin } from '../argilla-standin/server.ts';
import { cliArgs, fail } from './args.ts';

const USAGE = `usage: npm run argilla-standin -- [--port N] [--seed FILE]... [--api-key KEY] [--generate N]
       npm run argilla-standin -- submit --url URL [--record ID] [--user NAME] --label LABEL --start N --end N
                                  [--proposal TEXT] [--status submitted|draft|discarded]
  (serve)   runs the stand-in on 127.0.0.1 (port 0 or none: a free one), seeded with FILE
            (default tools/argilla-standin/fixtures/maritime.json); prints its URL and the owner's API key
            --api-key KEY   the owner's key (default ${DEFAULT_API_KEY})
            --generate N    also a dataset 'generated-N' of N submitted responses over 2025
  submit    one response with one span, as the web UI sends it (webhooks fire, last_activity_at moves);
            a label the span question lacks is added to it first (real Argilla cannot: see docs/argilla-standin.md)
            --record ID     default: the first record of the first dataset
            --user NAME     default: an annotator of the record's workspace who has not answered it
            --proposal TEXT also answers the proposed_entity_type text question`;

const argv = process.argv.slice(2);
if (argv[0] === 'submit') await submit(argv.slice(1));
else await serve(argv);

async function serve(args: string[]): Promise<void> {
  const parsed = cliArgs(args, { usage: USAGE, valued: ['port', 'seed', 'api-key', 'generate'] });
  if (parsed.positionals.length > 0) fail(`unexpected argument '${parsed.positionals[0]}'\n${USAGE}`);
  const port = Number(parsed.values.get('port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number\n${USAGE}`);
  // Repeated --seed flags collapse in parseArgs; a comma-separated list gives several.
  const seeds = (parsed.values.get('seed') ?? MARITIME_FIXTURE).split(',');
  const key = parsed.values.get('api-key') ?? DEFAULT_API_KEY;
  let standin: Awaited<ReturnType<typeof startArgillaStandin>>;
  try {
    standin = await startArgillaStandin({
      port,
      seed: seeds,
      apiKeys: { [key]: { username: 'argilla', role: 'owner', workspaces: [] } },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const generate = parsed.values.get('generate');
  if (generate !== undefined) {
    const n = Number(generate);
    if (!Number.isInteger(n) || n < 1) fail('--generate needs a positive number of responses');
    const made = standin.generateDataset({ responses: n });
    console.log(`generated dataset ${made.dataset.name} (${made.records} records, ${made.responses} responses)`);
  }
  console.log(`Argilla stand-in listening on ${standin.url}`);
  console.log(`API key (owner 'argilla'): ${standin.apiKey}`);
  console.log(`datasets: ${standin.store.datasets.map((d) => d.name).join(', ')}`);
  console.log('Ctrl-C stops it.');
  const stop = () => void standin.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function submit(args: string[]): Promise<void> {
  const parsed = cliArgs(args, {
    usage: USAGE,
    valued: ['url', 'record', 'user', 'label', 'start', 'end', 'proposal', 'status'],
  });
  const url = parsed.values.get('url');
  if (!url) fail(`submit needs --url\n${USAGE}`);
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    fail(`--url is not a URL: ${url}`);
  }
  if (base.hostname !== '127.0.0.1') fail('the stand-in runs on loopback only: --url must be http://127.0.0.1:PORT');
  const label = parsed.values.get('label');
  const start = Number(parsed.values.get('start'));
  const end = Number(parsed.values.get('end'));
  if (!label || !Number.isInteger(start) || !Number.isInteger(end))
    fail(`submit needs --label, --start and --end\n${USAGE}`);
  const call = async (path: string, init?: RequestInit) => {
    try {
      const res = await fetch(new URL(path, base), init);
      return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
    } catch {
      fail(`cannot reach the stand-in at ${base.origin}: is \`npm run argilla-standin\` running?`);
    }
  };
  let record = parsed.values.get('record');
  if (record === undefined) {
    const state = (await call('/__standin/state')).body as { datasets: { first_record_id: string | null }[] } | null;
    record = state?.datasets.find((d) => d.first_record_id !== null)?.first_record_id ?? undefined;
    if (record === undefined) fail('the stand-in has no record: give --record');
  }
  const user = parsed.values.get('user');
  const proposal = parsed.values.get('proposal');
  const status = parsed.values.get('status');
  const body = {
    record_id: record,
    spans: [{ label, start, end }],
    add_missing_labels: true,
    ...(user !== undefined ? { username: user } : {}),
    ...(proposal !== undefined ? { proposal } : {}),
    ...(status !== undefined ? { status } : {}),
  };
  const res = await call('/__standin/responses', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200 && res.status !== 201)
    fail(`the stand-in refused it (${res.status}): ${JSON.stringify(res.body)}`);
  const r = res.body as { id: string; status: string; user_id: string; updated_at: string };
  console.log(
    `${res.status === 201 ? 'created' : 'updated'} response ${r.id} (${r.status}) on record ${record}: ${label} [${start}, ${end}) at ${r.updated_at}`,
  );
}
