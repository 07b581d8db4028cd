// `npm run bench -- argilla`: seconds from a response with a new label submitted to the Argilla stand-in to that
// label in GET /api/schema/current, through `ARGILLA_STANDIN=1 npm start` and the webhook path (webhook ->
// argilla-sync queue -> sync -> R2 -> ingest queue -> load -> prompt discovery run -> KV). Next to it, in the same
// run, uploads with default settings: an annotations file with a new label put straight into local R2 (the ingest
// queue, the load, the discovery queue's debounce). Each try is split into its legs, read back from the
// pipeline's own records.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { type ScratchStack, startScratchStack } from '../local/scratch-stack.ts';
import { table, writeParquet } from './harness.ts';

const TRIES = Math.max(1, Number(process.env.BENCH_TRIES ?? 10));
/** Targets (issue 20): an upload with default settings, and the webhook path's prompt run. */
const UPLOAD_TARGET_SECONDS = 60;
const WEBHOOK_TARGET_SECONDS = 10;
const TRY_TIMEOUT_MS = 180_000;
const POLL_MS = 100;

interface Legs {
  readonly total: number;
  /** Seconds after the submit (or upload) at which each step was recorded; null where the path has no such step. */
  readonly received: number | null;
  readonly written: number | null;
  readonly loaded: number;
  readonly runStarted: number;
  readonly published: number;
}

const seconds = (from: number, iso: string | null | undefined): number =>
  iso ? (Date.parse(iso) - from) / 1000 : Number.NaN;

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Polls the schema API until `label` is an entity type of the current snapshot; its version and when. */
async function untilInCatalog(stack: ScratchStack, label: string): Promise<{ version: number; at: number }> {
  const deadline = Date.now() + TRY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.base}/api/schema/current`);
    if (response.status === 200) {
      const current = (await response.json()) as { version: number; entityTypes: { name: string }[] };
      if (current.entityTypes.some((t) => t.name === label)) return { version: current.version, at: Date.now() };
    } else await response.arrayBuffer();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${label} was not in GET /api/schema/current within ${TRY_TIMEOUT_MS / 1000} s`);
}

/** The load and the discovery run that brought `version` in, as seconds after `from`. */
async function pipelineLegs(stack: ScratchStack, from: number, version: number) {
  const since = new Date(from).toISOString();
  const { ingestions } = await json<{
    ingestions: { bucket: string; status: string; eventTime: string | null; finishedAt: string | null }[];
  }>(`${stack.base}/api/ingestions?since=${encodeURIComponent(since)}&limit=20`);
  const load = ingestions.find((i) => i.bucket === 'vessel-annotations' && i.status === 'loaded');
  const { runs } = await json<{
    runs: { snapshotVersion: number | null; startedAt: string | null; finishedAt: string | null }[];
  }>(`${stack.base}/api/discovery/runs?limit=20`);
  const run = runs.find((r) => r.snapshotVersion === version);
  return {
    written: seconds(from, load?.eventTime),
    loaded: seconds(from, load?.finishedAt),
    runStarted: seconds(from, run?.startedAt),
    published: seconds(from, run?.finishedAt),
  };
}

/** One try of the webhook path: a response with `label` on `recordId`, as the web UI submits it. */
async function webhookTry(stack: ScratchStack, warehouse: Warehouse, recordId: string, label: string): Promise<Legs> {
  const argilla = stack.vars().ARGILLA_URL as string;
  const from = Date.now();
  const response = await json<{ id: string }>(`${argilla}/__standin/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ record_id: recordId, spans: [{ label, start: 0, end: 5 }], add_missing_labels: true }),
  });
  const seen = await untilInCatalog(stack, label);
  const [event] = await warehouse.query<{ received: string }>(
    `SELECT strftime(max(received_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS received
     FROM argilla_webhook_events WHERE object_id = $1::VARCHAR AND event_type LIKE 'response.%'`,
    [response.id],
  );
  return {
    total: (seen.at - from) / 1000,
    received: seconds(from, event?.received),
    ...(await pipelineLegs(stack, from, seen.version)),
  };
}

/** One try of the reference: the same kind of row as a Parquet file put into vessel-annotations. */
async function uploadTry(stack: ScratchStack, dir: string, n: number, label: string): Promise<Legs> {
  const file = join(dir, `reference-${n}.parquet`);
  await writeParquet(
    file,
    `SELECT 'bench-${n}' AS record_id, 'bench-doc-${n}' AS document_id, '${label}' AS entity_type, 0 AS "start",
            5 AS "end", 'Bench' AS text, 'bench' AS annotator, 'submitted' AS status,
            TIMESTAMPTZ '2026-11-20 09:00:00+00' AS annotated_at, 'bench-reference' AS dataset`,
  );
  const body = readFileSync(file);
  const from = Date.now();
  const put = await fetch(`${stack.base}/v1/objects/vessel-annotations/bench/reference-${n}.parquet`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.vars().API_TOKEN}` },
    body,
  });
  if (put.status !== 202) throw new Error(`upload: ${put.status} ${await put.text()}`);
  const seen = await untilInCatalog(stack, label);
  return {
    total: (seen.at - from) / 1000,
    received: null,
    ...(await pipelineLegs(stack, from, seen.version)),
  };
}

/** max_batch_timeout of each queue the path waits on, from the wrangler configs `npm start` runs. */
function batchWindows(): Record<string, number> {
  const windows: Record<string, number> = {};
  for (const path of ['wrangler.toml', 'wrangler.schema-discovery.toml']) {
    for (const consumer of unstable_readConfig({ config: path }).queues.consumers ?? []) {
      windows[consumer.queue] = consumer.max_batch_timeout ?? 5;
    }
  }
  return windows;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const s = (x: number | null): string => (x === null ? '-' : Number.isNaN(x) ? '?' : x.toFixed(1));

function legRows(label: string, legs: readonly Legs[]): string[][] {
  return legs.map((l, i) => [
    `${label} ${i + 1}`,
    s(l.received),
    s(l.written),
    s(l.loaded),
    s(l.runStarted),
    s(l.published),
    s(l.total),
  ]);
}

export async function benchArgilla(): Promise<void> {
  const windows = batchWindows();
  // The webhook path skips the discovery queue's window (its file asks for a prompt run); an upload waits it.
  const floor = (windows['argilla-sync'] ?? 0) + (windows.ingest ?? 0);
  const uploadFloor = (windows.ingest ?? 0) + (windows.discovery ?? 0);
  process.stdout.write('starting the local stack with the Argilla stand-in (ARGILLA_STANDIN=1)');
  const stack = await startScratchStack({
    env: { ARGILLA_STANDIN: '1', ARGILLA_STANDIN_PORT: '0' },
    waiting: () => process.stdout.write('.'),
  });
  process.stdout.write(' ready\n');
  const dir = mkdtempSync(join(tmpdir(), 'living-schema-bench-argilla-'));
  const warehouse = createPostgresWarehouse(stack.vars().WAREHOUSE_URL as string, { max: 1 });
  try {
    console.log("waiting for the initial sync's annotations to be published");
    await untilInCatalog(stack, 'VESSEL_NAME');
    const state = await json<{ datasets: { name: string; first_record_id: string | null }[] }>(
      `${stack.vars().ARGILLA_URL}/__standin/state`,
    );
    const record = state.datasets.find((d) => d.name === 'vessel-entities')?.first_record_id;
    if (!record) throw new Error('the stand-in has no vessel-entities record');

    console.log(`uploads: ${TRIES} annotations files with a new label, put straight into R2 (BENCH_TRIES)`);
    const reference: Legs[] = [];
    for (let n = 1; n <= TRIES; n++) {
      const legs = await uploadTry(stack, dir, n, `BENCH_UPLOAD_${n}`);
      reference.push(legs);
      console.log(`  upload ${n}: ${legs.total.toFixed(1)} s`);
    }
    console.log(`webhook path: ${TRIES} responses with a new label submitted to the stand-in (BENCH_TRIES)`);
    const webhook: Legs[] = [];
    for (let n = 1; n <= TRIES; n++) {
      const legs = await webhookTry(stack, warehouse, record, `BENCH_WEBHOOK_${n}`);
      webhook.push(legs);
      console.log(`  try ${n}: ${legs.total.toFixed(1)} s`);
    }

    console.log('seconds after the submit (or upload) at which each step was recorded:');
    console.log(
      table([
        ['try', 'webhook received', 'file written', 'file loaded', 'discovery started', 'published', 'in the API'],
        ...legRows('upload', reference),
        ...legRows('webhook', webhook),
      ]),
    );
    const totals = webhook.map((l) => l.total);
    const p50 = median(totals);
    const max = Math.max(...totals);
    const leg = (f: (l: Legs) => number) => median(webhook.map(f));
    const legs: [string, number][] = [
      ['stand-in to receiver (delivery)', leg((l) => l.received ?? 0)],
      [
        `argilla-sync queue (window ${windows['argilla-sync']} s) and the sync`,
        leg((l) => (l.written ?? 0) - (l.received ?? 0)),
      ],
      [`ingest queue (window ${windows.ingest} s) and the load`, leg((l) => l.loaded - (l.written ?? 0))],
      ['prompt run requested (runPrompt RPC, no debounce)', leg((l) => l.runStarted - l.loaded)],
      ['discovery run and publish', leg((l) => l.published - l.runStarted)],
      ['KV cache and the poll', leg((l) => l.total - l.published)],
    ];
    console.log('where the time goes (median of the webhook tries):');
    console.log(
      table([
        ['leg', 's', 'share'],
        ...legs.map(([name, x]) => [name, x.toFixed(2), `${((100 * x) / p50).toFixed(0)}%`]),
      ]),
    );
    const uploads = reference.map((l) => l.total);
    const uploadP50 = median(uploads);
    const uploadMax = Math.max(...uploads);
    const met = (x: number, target: number) => `< ${target} s ${x < target ? 'met' : 'MISSED'}`;
    console.log(
      table([
        ['path', 'p50 s', 'max s', 'queue windows (floor) s', 'target (max)'],
        [
          `upload to R2, default settings (${TRIES})`,
          uploadP50.toFixed(1),
          uploadMax.toFixed(1),
          uploadFloor.toFixed(1),
          met(uploadMax, UPLOAD_TARGET_SECONDS),
        ],
        [
          `Argilla webhook, prompt run (${TRIES})`,
          p50.toFixed(1),
          max.toFixed(1),
          floor.toFixed(1),
          met(max, WEBHOOK_TARGET_SECONDS),
        ],
      ]),
    );
  } catch (error) {
    // What the stack printed says why a try never reached the catalog.
    console.error(stack.output().split('\n').slice(-60).join('\n'));
    throw error;
  } finally {
    await warehouse.close();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
