// The Argilla sync when Argilla answers only part of what it asks, against the stand-in over real HTTP: the
// workspace's users refused (annotators named by user id, and their rows superseded once names are known
// again), and Argilla unavailable past every retry (the dataset fails, nothing is written or saved).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncArgilla } from '../../lib/argilla/sync.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { currentRows, MARITIME, type SyncHarness, startSyncHarness } from '../support/argilla-sync-harness.ts';

const DATASET = 'vessel-entities';
const ALICE = '0f6f0a10-0000-4000-8000-00000000000a';
const RECORD4 = '7ec0bd00-0000-4000-8000-000000000004';
const FORBIDDEN = {
  detail: { code: 'argilla.api.errors::ForbiddenOperationError', params: { detail: 'Operation not allowed' } },
};
let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({ prefix: 'argilla_degraded', seed: MARITIME_FIXTURE, names: [DATASET] });
});
afterAll(async () => h?.close());

const annotatorsOf = async (record: string) =>
  (await currentRows(h.warehouse, DATASET)).filter((r) => r[0] === record.slice(-2)).map((r) => [r[6], r[2], r[7]]);

describe('an Argilla sync with Argilla answering in part', () => {
  it('names annotators by user id when the workspace’s users are refused, and says so', async () => {
    h.argilla.failNext(1, { status: 403, body: FORBIDDEN, pathPrefix: `/api/v1/workspaces/${MARITIME}/users` });
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(report.datasets[0]).toMatchObject({
      outcome: 'synced',
      spans: 22,
      warnings: [expect.stringMatching(/^annotators are named by user id: Argilla refused GET .* 403 /)],
    });
    await h.ingestSent();
    expect(await annotatorsOf(RECORD4)).toEqual([
      [ALICE, 'VESSEL_NAME', 'submitted'],
      [ALICE, 'IMO_NUMBER', 'submitted'],
      [ALICE, 'FLAG_STATE', 'submitted'],
    ]);
  });

  it('closes the rows written under the user id when the response changes and the name is known', async () => {
    h.argilla.submitResponse({ recordId: RECORD4, username: 'alice', spans: [{ label: 'PORT', start: 40, end: 45 }] });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(report.datasets[0]).toMatchObject({ outcome: 'synced', responses: 1, spans: 1, closed: 1, warnings: [] });
    await h.ingestSent();
    // The earlier rows are closed by a tombstone under the identity they had; only the new span is submitted.
    expect(await annotatorsOf(RECORD4)).toEqual([
      [ALICE, '', 'discarded'],
      ['alice', 'PORT', 'submitted'],
    ]);
  });

  it('fails the dataset as unavailable after every retry, writing and saving nothing', async () => {
    const state = await h.warehouse.query('SELECT * FROM argilla_responses ORDER BY response_id');
    const files = h.written.length;
    h.argilla.submitResponse({ recordId: RECORD4, username: 'bob', spans: [{ label: 'PORT', start: 40, end: 45 }] });
    h.argilla.failNext(5, { status: 503, pathPrefix: '/api/v1/datasets/' });
    h.waits.length = 0;
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(report.datasets[0]).toMatchObject({
      outcome: 'failed',
      error: { code: 'upstream_unavailable' },
      reason: expect.stringContaining('after 5 attempts'),
    });
    expect(h.waits).toEqual([500, 1000, 2000, 4000]);
    expect(h.written).toHaveLength(files);
    expect(h.sent).toEqual([]);
    expect(await h.warehouse.query('SELECT * FROM argilla_responses ORDER BY response_id')).toEqual(state);
    // Argilla is back: the next cron finds the change.
    const next = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(next.datasets[0]).toMatchObject({ outcome: 'synced', responses: 1, spans: 1 });
  });
});
