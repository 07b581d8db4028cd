// A proposal made in Argilla reaching the schema catalog: an SME answers the proposal question in the stand-in
// (over its control API), the sync writes it beside the response's spans, the real ingest consumer loads the
// file into annotations, and a discovery run catalogs the proposed name as a candidate entity type.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { syncArgilla } from '../../lib/argilla/sync.ts';
import { readEntityRows } from '../../lib/discovery/catalog-tables/entity-types.ts';
import { runDiscovery } from '../../lib/discovery/run.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { BUCKET, type SyncHarness, startSyncHarness } from '../support/argilla-sync-harness.ts';
import { discoveryDeps, succeeded } from '../support/discovery-deps.ts';

const DATASET = 'vessel-entities';
const record = (n: number) => `7ec0bd00-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
let h: SyncHarness;

beforeAll(async () => {
  // The sync and discovery run shortly after the stand-in's data clock (2025-06-01T12:00), so nothing is stale.
  h = await startSyncHarness({
    prefix: 'argilla_discovery',
    seed: MARITIME_FIXTURE,
    names: [DATASET],
    start: '2025-06-01T13:00:00.000Z',
  });
});
afterAll(async () => h?.close());

/** Submits a response as the web UI would, through the stand-in's control API over HTTP. */
async function propose(recordId: string, username: string, spans: unknown[], proposal: string): Promise<void> {
  const res = await fetch(`${h.argilla.url}/__standin/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ record_id: recordId, username, spans, proposal }),
  });
  if (!res.ok) throw new Error(`the stand-in refused the response: ${res.status} ${await res.text()}`);
}

async function syncLoadDiscover() {
  h.tick();
  const sync = await syncArgilla(h.deps(), { trigger: 'cron' });
  await h.ingestSent();
  const run = succeeded(await runDiscovery(discoveryDeps(h.warehouse, h.now()), { trigger: 'cron', full: false }));
  const entities = new Map((await readEntityRows(h.warehouse)).map((e) => [e.name, e]));
  return { sync: sync.datasets[0], run, entities };
}

describe('a proposal in Argilla reaches discovery', () => {
  it('as a candidate entity type, counted as a proposal and not as an occurrence', async () => {
    await propose(record(5), 'alice', [{ label: 'VESSEL_NAME', start: 0, end: 12 }], 'BUNKER_GRADE');
    const { sync, run, entities } = await syncLoadDiscover();
    // The fixture's two proposals (CARGO_TYPE, "reefer count") and the new one.
    expect(sync).toMatchObject({ outcome: 'synced', proposals: 3, proposalsWithoutSpans: 0 });
    expect(run.loads).toBe(1);

    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const path = join(inject('r2Directories')[BUCKET] as string, sync?.file?.key ?? '');
    const carried = (
      await conn.runAndReadAll(
        `SELECT entity_type, text, annotator, proposed_entity_type FROM read_parquet('${path}')
         WHERE record_id = '${record(5)}'`,
      )
    ).getRowObjectsJS();
    conn.closeSync();
    instance.closeSync();
    expect(carried).toEqual([
      { entity_type: 'VESSEL_NAME', text: 'Queen Mary 2', annotator: 'alice', proposed_entity_type: 'BUNKER_GRADE' },
    ]);

    expect([...entities.keys()].sort()).toEqual(
      ['BUNKER_GRADE', 'CARGO_TYPE', 'FLAG_STATE', 'IMO_NUMBER', 'PORT', 'VESSEL_NAME', 'reefer count'].sort(),
    );
    expect(entities.get('BUNKER_GRADE')).toMatchObject({
      status: 'candidate',
      occurrences: 0,
      proposals: 1,
      documents: 1,
      annotators: ['alice'],
      datasets: [DATASET],
    });
    expect(entities.get('CARGO_TYPE')).toMatchObject({ status: 'candidate', occurrences: 0, proposals: 1 });
    expect(entities.get('reefer count')).toMatchObject({ status: 'candidate', occurrences: 0, proposals: 1 });
    // A label SMEs use is established; the span that carried the proposal counts for it.
    expect(entities.get('VESSEL_NAME')).toMatchObject({ status: 'active', occurrences: 9 });
  });

  it('and becomes active once enough SMEs propose it', async () => {
    await propose(record(5), 'bob', [{ label: 'PORT', start: 21, end: 32 }], 'BUNKER_GRADE');
    await propose(record(1), 'chen', [{ label: 'VESSEL_NAME', start: 0, end: 14 }], 'BUNKER_GRADE; CARGO_TYPE');
    const { sync, entities } = await syncLoadDiscover();
    expect(sync).toMatchObject({ outcome: 'synced', responses: 2, proposals: 3 });
    expect(entities.get('BUNKER_GRADE')).toMatchObject({
      status: 'active',
      occurrences: 0,
      proposals: 3,
      documents: 2,
      annotators: ['alice', 'bob', 'chen'],
    });
    expect(entities.get('CARGO_TYPE')).toMatchObject({ status: 'candidate', proposals: 2 });
  });
});
