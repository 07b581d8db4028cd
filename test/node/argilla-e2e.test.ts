// `ARGILLA_STANDIN=1 npm start` end to end (issue 15): the stack wires the stand-in itself, loads the seeded
// annotations, and a response with a new label submitted to the stand-in reaches GET /api/schema/current through
// the webhook path alone (webhook -> argilla-sync -> sync -> R2 -> ingest -> discovery), no sync called by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { type ScratchStack, startScratchStack } from '../../tools/local/scratch-stack.ts';
import { runCli } from '../support/run-cli.ts';

const V1 = 'd1a7a5e7-0000-4000-8000-000000000001';
const RECORD3 = '7ec0bd00-0000-4000-8000-000000000003';
/** Generous: the queues’ batch windows alone are 2 s + 5 s + 10 s (wrangler*.toml). */
const PIPELINE_MS = 150_000;

let stack: ScratchStack;

async function until<T>(check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; npm start said:\n${stack.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Schema {
  readonly version: number;
  readonly entityTypes: readonly { name: string; status: string; stats: { occurrences: number } | null }[];
}

async function schema(): Promise<Schema | undefined> {
  const response = await fetch(`${stack.base}/api/schema/current`);
  return response.status === 200 ? ((await response.json()) as Schema) : undefined;
}

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

beforeAll(async () => {
  stack = await startScratchStack({ env: { ARGILLA_STANDIN: '1', ARGILLA_STANDIN_PORT: '0' } });
}, 200_000);

afterAll(async () => {
  await stack?.close();
});

describe('ARGILLA_STANDIN=1 npm start', () => {
  it('wires the stand-in into .dev.vars before wrangler dev, and says what it wired without a secret', () => {
    const vars = stack.vars();
    expect(vars.ARGILLA_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(vars.ARGILLA_DATASETS as string)).toEqual([
      {
        workspace: '5b0c3f0e-6a51-4c39-9d43-7f6a2e1b0a01',
        names: ['vessel-entities', 'vessel-entities-v2'],
        recordId: 'id',
        documentId: 'metadata:document_id',
      },
    ]);
    // Argilla's secret: base64 of 64 random bytes.
    expect(vars.ARGILLA_WEBHOOK_SECRET).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const said = stack.output();
    expect(said).toMatch(
      new RegExp(
        `webhook [0-9a-f-]{36} -> ${stack.base.replaceAll('.', '\\.')}/api/argilla/webhook \\(response\\.created`,
      ),
    );
    expect(said).toContain('initial Argilla sync: vessel-entities synced (11 changed responses, 22 spans)');
    expect(said).not.toContain(vars.ARGILLA_WEBHOOK_SECRET);
    expect(said).not.toContain(vars.ARGILLA_API_KEY);
  });

  it(
    'loads the seeded annotations with no manual step: their types are in the published schema',
    async () => {
      const seeded = await until(async () => {
        const current = await schema();
        const names = current?.entityTypes.map((t) => t.name) ?? [];
        return names.includes('VESSEL_NAME') && names.includes('CARGO_TYPE') ? current : undefined;
      }, PIPELINE_MS);
      expect(seeded.entityTypes.map((t) => t.name)).toEqual(
        expect.arrayContaining(['CARGO_TYPE', 'FLAG_STATE', 'IMO_NUMBER', 'PORT', 'VESSEL_NAME']),
      );
    },
    PIPELINE_MS,
  );

  it(
    'a response with a new label submitted to the stand-in reaches GET /api/schema/current through the webhook',
    async () => {
      const argilla = stack.vars().ARGILLA_URL as string;
      const before = (await schema())?.version ?? 0;
      const submitted = await runCli(
        'argilla-standin.ts',
        ['submit', '--url', argilla, '--record', RECORD3, '--label', 'BERTH_NUMBER', '--start', '0', '--end', '5'],
        { cwd: stack.dir, env: process.env },
      );
      expect(submitted.code, submitted.out).toBe(0);
      const responseId = /response ([0-9a-f-]{36})/.exec(submitted.out)?.[1] ?? '';
      expect(responseId).not.toBe('');

      const published = await until(async () => {
        const current = await schema();
        return current?.entityTypes.some((t) => t.name === 'BERTH_NUMBER') ? current : undefined;
      }, PIPELINE_MS);
      expect(published.version).toBe(before + 1);
      expect(published.entityTypes.find((t) => t.name === 'BERTH_NUMBER')).toMatchObject({
        status: 'candidate',
        stats: { occurrences: 1 },
      });

      // It came by the webhook: the stand-in's delivery was queued (202) and the receiver kept the event.
      const { items } = await json<{ items: { type: string; status: number | null; body: string }[] }>(
        `${argilla}/__standin/webhooks/deliveries`,
      );
      const ours = items.filter((d) => d.type.startsWith('response.') && d.body.includes(responseId));
      expect(ours.map((d) => d.status)).toEqual([202]);
      const warehouse = createPostgresWarehouse(stack.vars().WAREHOUSE_URL as string, { max: 1 });
      try {
        const events = await warehouse.query<{ dataset_id: string; record_id: string }>(
          `SELECT dataset_id, record_id FROM argilla_webhook_events WHERE object_id = $1::VARCHAR`,
          [responseId],
        );
        expect(events).toEqual([{ dataset_id: V1, record_id: RECORD3 }]);
      } finally {
        await warehouse.close();
      }
      // One discovery run, from the queue, published it, taking in the one file that sync wrote.
      const { runs } = await json<{
        runs: { trigger: string; snapshotVersion: number | null; report: { loads: number } | null }[];
      }>(`${stack.base}/api/discovery/runs?limit=5`);
      expect(runs.filter((r) => r.snapshotVersion === published.version)).toMatchObject([
        { trigger: 'queue', report: { loads: 1 } },
      ]);
    },
    PIPELINE_MS,
  );
});
