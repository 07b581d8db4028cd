// `npm run bench -- api`: latency of the schema API through the local stack (`npm start`: wrangler dev with
// both Workers, local KV, the embedded warehouse), next to a route that does no I/O in the same run.
import { startScratchStack } from '../local/scratch-stack.ts';
import { percentile, table } from './harness.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const WARMUP = 50;

interface Stack {
  readonly base: string;
  readonly token: string;
  close(): Promise<void>;
}

/** `npm start` in a scratch folder on free ports, so it never meets a stack the user runs. */
async function startStack(): Promise<Stack> {
  process.stdout.write('starting the local stack');
  const stack = await startScratchStack({ waiting: () => process.stdout.write('.') });
  process.stdout.write(' ready\n');
  return { base: stack.base, token: stack.vars().API_TOKEN ?? '', close: stack.close };
}

async function call(stack: Stack, path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${stack.base}${path}`, init);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** Uploads a CSV through the local-only object route and waits until the consumer has loaded it. */
async function load(stack: Stack, key: string, csv: string): Promise<void> {
  const auth = { authorization: `Bearer ${stack.token}` };
  await call(stack, `/v1/objects/vessel-csv/${key}`, { method: 'PUT', headers: auth, body: csv });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const listed = (await (await call(stack, '/api/ingestions?limit=50')).json()) as {
      ingestions: { key: string; status: string }[];
    };
    const entry = listed.ingestions.find((i) => i.key === key);
    if (entry && entry.status !== 'loaded') throw new Error(`${key} was not loaded: ${entry.status}`);
    if (entry) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${key} was not loaded within 120 s`);
}

async function publish(stack: Stack): Promise<void> {
  await call(stack, '/__scheduled/discovery', { method: 'POST', headers: { authorization: `Bearer ${stack.token}` } });
}

/** Manifests with enough fields and values to make the schema documents realistic (two versions). */
function manifest(rows: number, extraColumns: readonly string[]): string {
  const columns = ['vessel_name', 'imo_number', 'flag_state', 'port_of_loading', 'gross_tonnage', ...extraColumns];
  const lines = [columns.join(',')];
  for (let i = 0; i < rows; i++) {
    lines.push(columns.map((c, j) => (c.includes('tonnage') ? String(1000 + i * 7) : `${c}-${i}-${j}`)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

interface Measured {
  readonly label: string;
  readonly ms: number[];
}

async function measure(label: string, send: () => Promise<Response>): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await (await send()).arrayBuffer();
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await send();
    await response.arrayBuffer();
    ms.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${label}: status ${response.status}`);
  }
  return { label, ms: ms.sort((a, b) => a - b) };
}

export async function benchApi(): Promise<void> {
  const stack = await startStack();
  try {
    console.log('seeding: two manifests and two discovery runs (schema versions 1 and 2)');
    await load(stack, 'bench/manifest-1.csv', manifest(200, []));
    await publish(stack);
    await load(stack, 'bench/manifest-2.csv', manifest(200, ['eta', 'cargo_description']));
    await publish(stack);
    const current = (await (await call(stack, '/api/schema/current')).json()) as {
      version: number;
      publishedAt: string;
    };
    if (current.version < 2) throw new Error(`expected schema version 2, got ${current.version}`);
    const first = (await (await call(stack, '/api/schema/versions/1')).json()) as { publishedAt: string };
    console.log(`measuring ${REQUESTS} requests per route (after ${WARMUP} to warm up), one at a time`);
    const get =
      (path: string, headers: Record<string, string> = {}) =>
      () =>
        fetch(`${stack.base}${path}`, { headers });
    const runs = [
      await measure('GET /version (no I/O, reference)', get('/version')),
      await measure('GET /api/schema/current (warm: KV)', get('/api/schema/current')),
      await measure(
        'GET /api/schema/current (cold: warehouse)',
        get('/api/schema/current', { 'cache-control': 'no-cache' }),
      ),
      await measure(
        'GET /api/schema/at/:instant (latest: KV pointer)',
        get(`/api/schema/at/${encodeURIComponent(current.publishedAt)}`),
      ),
      await measure(
        'GET /api/schema/at/:instant (older: warehouse lookup, KV)',
        get(`/api/schema/at/${encodeURIComponent(first.publishedAt)}`),
      ),
      await measure('GET /api/schema/current?format=prompt', get('/api/schema/current?format=prompt')),
    ];
    const reference = percentile((runs[0] as Measured).ms, 95);
    const rows = [['route', 'p50 ms', 'p95 ms', 'p99 ms', 'p95 vs reference']];
    for (const run of runs) {
      const p95 = percentile(run.ms, 95);
      rows.push([
        run.label,
        percentile(run.ms, 50).toFixed(2),
        p95.toFixed(2),
        percentile(run.ms, 99).toFixed(2),
        `${(p95 / reference).toFixed(2)}x`,
      ]);
    }
    console.log(table(rows));
    const warm = percentile((runs[1] as Measured).ms, 95);
    console.log(
      `target: warm p95 within 2x of the reference: ${(warm / reference).toFixed(2)}x ${warm <= 2 * reference ? 'MET' : 'MISSED'}`,
    );
  } finally {
    await stack.close();
  }
}
