// A sync of a dataset past one page (2,345 generated records, Argilla's pages hold 1,000) against the stand-in
// over real HTTP, with a 429 in the middle of the paging, loaded by the real ingest consumer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncArgilla } from '../../lib/argilla/sync.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { type SyncHarness, startSyncHarness } from '../support/argilla-sync-harness.ts';

const DATASET = 'vessel-paging';
let h: SyncHarness;
let id = '';
let search = '';

beforeAll(async () => {
  h = await startSyncHarness({ prefix: 'argilla_paging', seed: MARITIME_FIXTURE, names: [DATASET] });
  const made = h.argilla.generateDataset({
    name: DATASET,
    responses: 2345,
    perRecord: 1,
    annotators: ['alice', 'bob'],
    draftEvery: 50,
    seed: 5,
  });
  id = made.dataset.id;
  search = `POST /api/v1/datasets/${id}/records/search?include=responses`;
});
afterAll(async () => h?.close());

describe('an Argilla sync past one page', () => {
  it('reads every page in order, waits out a 429 on the second and writes every submitted span once', async () => {
    // Arms the 429 once the first page has been answered, so it lands on the second.
    let armed = false;
    const armingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!armed && String(input).includes('/records/search')) {
        armed = true;
        h.argilla.failNext(1, { status: 429, retryAfter: 2, pathPrefix: `/api/v1/datasets/${id}/records/search` });
      }
      return res;
    };
    const mark = h.argilla.requests.length;
    const report = await syncArgilla(h.deps({ fetch: armingFetch }), { trigger: 'cron' });
    // Every 50th of the 2,345 responses is a draft; each submitted one has four spans.
    expect(report.datasets[0]).toMatchObject({
      outcome: 'synced',
      records: 2345,
      responses: 2345,
      spans: 2299 * 4,
      convertedOffsets: 0,
      refusedOffsets: 0,
      unusedLabels: [],
      file: { rows: 2299 * 4 },
      warnings: [],
    });
    expect(h.waits).toEqual([2000]);
    expect(h.requestsSince(mark).filter((r) => r.includes('/records/search'))).toEqual([
      `${search}&offset=0&limit=1000 200`,
      `${search}&offset=1000&limit=1000 429`,
      `${search}&offset=1000&limit=1000 200`,
      `${search}&offset=2000&limit=1000 200`,
    ]);
    await h.ingestSent();
    const loaded = await h.warehouse.query(
      `SELECT count(*)::INTEGER AS spans, count(DISTINCT record_id)::INTEGER AS records,
              count(DISTINCT entity_type)::INTEGER AS types
       FROM annotations WHERE valid_to IS NULL AND dataset = $1::VARCHAR`,
      [DATASET],
    );
    expect(loaded).toEqual([{ spans: 2299 * 4, records: 2299, types: 4 }]);
  });

  it('finds one edited response on the third page and writes only its rows', async () => {
    const target = h.argilla.store.dataset(id).records[2200];
    const response = target?.responses[0];
    if (!target || !response) throw new Error('the generated dataset has no record 2200');
    const annotator = [...h.argilla.store.users.values()].find((u) => u.id === response.user_id)?.username ?? '';
    h.argilla.submitResponse({
      recordId: target.id,
      username: annotator,
      spans: [{ label: 'PORT', start: 0, end: 4 }],
    });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(report.datasets[0]).toMatchObject({ outcome: 'synced', records: 2345, responses: 1, file: { rows: 1 } });
    await h.ingestSent();
    const rows = await h.warehouse.query(
      `SELECT entity_type, "start", "end", annotator FROM annotations
       WHERE valid_to IS NULL AND dataset = $1::VARCHAR AND record_id = $2::VARCHAR`,
      [DATASET, target.id],
    );
    expect(rows).toEqual([{ entity_type: 'PORT', start: 0, end: 4, annotator }]);
  });
});
