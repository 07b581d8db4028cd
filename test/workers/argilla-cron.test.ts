// The main Worker's crons sync Argilla inside workerd: the */15 one incrementally (a dataset that did not move
// is skipped), the daily reconcile in full; the Parquet file lands in the vessel-annotations R2 bucket of
// Miniflare and its ingest message is sent. Argilla is the global setup's stand-in, over real HTTP.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ARGILLA_RECONCILE_CRON } from '../../lib/argilla/config.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import worker from '../../workers/main/index.ts';
import { migratedDatabase } from '../support/databases.ts';

let url: string;
let warehouse: Warehouse;
const sent: unknown[] = [];

beforeAll(async () => {
  ({ url, warehouse } = await migratedDatabase('argilla_cron'));
});

afterAll(async () => {
  await warehouse.close();
});

/** Runs one cron and returns the `argilla sync` log line's fields. */
async function cron(expression: string): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const logged = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const ctx = createExecutionContext();
  try {
    await worker.scheduled(
      createScheduledController({ cron: expression, scheduledTime: Date.now() }),
      {
        ...env,
        WAREHOUSE_URL: url,
        ARGILLA_URL: inject('argillaUrl'),
        ARGILLA_API_KEY: inject('argillaApiKey'),
        ARGILLA_DATASETS: JSON.stringify([{ names: ['vessel-entities'] }]),
        // Captured, so the file is not loaded into the shared workers_default database by the real consumer.
        INGEST_QUEUE: { send: async (body: unknown) => void sent.push(body) } as unknown as Queue,
      },
      ctx,
    );
    await waitOnExecutionContext(ctx);
  } finally {
    logged.mockRestore();
  }
  const sync = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'argilla sync');
  expect(sync, `no 'argilla sync' line in ${lines.join('\n')}`).toBeDefined();
  return sync as Record<string, unknown>;
}

async function annotationObjects(): Promise<string[]> {
  const listed = await env.ANNOTATIONS_BUCKET.list({ prefix: 'argilla/' });
  return listed.objects.map((o) => o.key).sort();
}

describe('the main Worker syncs Argilla on its crons', () => {
  it('*/15: the first sync writes the dataset’s submitted spans to vessel-annotations and sends its ingest message', async () => {
    const before = await annotationObjects();
    const sync = await cron('*/15 * * * *');
    expect(sync).toMatchObject({ trigger: 'cron', full: false, synced: 1, failed: 0, filesWritten: 1 });
    expect(sync.spans).toBeGreaterThan(0);
    const written = (await annotationObjects()).filter((k) => !before.includes(k));
    expect(written).toHaveLength(1);
    expect(sent).toEqual([
      expect.objectContaining({
        action: 'PutObject',
        bucket: 'vessel-annotations',
        object: expect.objectContaining({ key: written[0] }),
      }),
    ]);
    const state = await warehouse.query<{ name: string }>('SELECT name FROM argilla_datasets');
    expect(state.map((r) => r.name)).toEqual(['vessel-entities']);
  });

  it('*/15 again: the dataset did not move, so it is skipped and nothing is written', async () => {
    const before = await annotationObjects();
    const sync = await cron('*/15 * * * *');
    expect(sync).toMatchObject({ trigger: 'cron', full: false, skipped: 1, synced: 0, records: 0, filesWritten: 0 });
    expect(await annotationObjects()).toEqual(before);
  });

  it(`${ARGILLA_RECONCILE_CRON}: the daily reconcile reads every record although nothing moved, and writes nothing`, async () => {
    const before = await annotationObjects();
    const sync = await cron(ARGILLA_RECONCILE_CRON);
    expect(sync).toMatchObject({ trigger: 'reconcile', full: true, skipped: 0, synced: 1, filesWritten: 0 });
    expect(sync.records).toBeGreaterThan(0);
    expect(await annotationObjects()).toEqual(before);
    expect(sent).toHaveLength(1);
  });
});
