// Argilla sync end to end in Node, over real HTTP: the local Argilla stand-in seeded with the maritime fixture,
// the embedded warehouse over the wire, a directory standing in for R2 (the warehouse reads r2:// from it), and
// the real ingest consumer loading the files. The tests run in order: each changes Argilla as an SME would
// (through the stand-in) and syncs again.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ArgillaTime } from '../../lib/argilla/schemas.ts';
import { type SyncReport, syncArgilla } from '../../lib/argilla/sync.ts';
import { PROMPT_DISCOVERY } from '../../lib/ingest/object-store.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import {
  BUCKET,
  currentRows,
  MARITIME,
  type Row,
  type SyncHarness,
  startSyncHarness,
} from '../support/argilla-sync-harness.ts';

const DATASET = 'vessel-entities';
const V1 = 'd1a7a5e7-0000-4000-8000-000000000001';
const record = (n: number) => `7ec0bd00-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const LIST = `GET /api/v1/me/datasets?workspace_id=${MARITIME}&name=${DATASET} 200`;
let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({ prefix: 'argilla_sync', seed: MARITIME_FIXTURE, names: [DATASET] });
});
afterAll(async () => h?.close());

const ds = (report: SyncReport) => report.datasets[0];
const current = () => currentRows(h.warehouse, DATASET);
/** A naive Argilla timestamp as the warehouse prints it back (six fraction digits, no zone). */
const micros = (naive: string) => ArgillaTime.parse(naive).slice(0, 26);

/** The rows of a written file, read back by DuckDB itself, in the shape of currentRows. */
async function fileRows(key: string): Promise<{ rows: Row[]; kv: Record<string, string> }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const path = join(inject('r2Directories')[BUCKET] as string, key);
  try {
    const rows = (
      await conn.runAndReadAll(
        `SELECT right(record_id, 2), document_id, entity_type, "start", "end", text, annotator, status,
                coalesce(offset_unit, argilla_row), proposed_entity_type
         FROM read_parquet('${path}') ORDER BY record_id, annotator, "start", entity_type`,
      )
    ).getRows() as Row[];
    const kv = (
      await conn.runAndReadAll(`SELECT decode(key), decode(value) FROM parquet_kv_metadata('${path}')`)
    ).getRows() as [string, string][];
    return { rows, kv: Object.fromEntries(kv) };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

// Every submitted span of the fixture. Bob's spans on record 2 came from the web UI in UTF-16 units: after the
// ship emoji they are one unit ahead, and are stored converted to code points.
const FIRST: Row[] = [
  ['01', 'doc-0001', 'VESSEL_NAME', 0, 14, 'MV Nordic Star', 'alice', 'submitted', 'code_points', null],
  ['01', 'doc-0001', 'IMO_NUMBER', 20, 27, '9321483', 'alice', 'submitted', 'code_points', null],
  ['01', 'doc-0001', 'PORT', 41, 50, 'Rotterdam', 'alice', 'submitted', 'code_points', null],
  ['01', 'doc-0001', 'FLAG_STATE', 69, 75, 'Norway', 'alice', 'submitted', 'code_points', null],
  ['01', 'doc-0001', 'VESSEL_NAME', 3, 14, 'Nordic Star', 'bob', 'submitted', 'code_points', null],
  ['01', 'doc-0001', 'PORT', 41, 50, 'Rotterdam', 'bob', 'submitted', 'code_points', null],
  ['02', 'doc-0002', 'VESSEL_NAME', 2, 12, 'Ever Given', 'alice', 'submitted', 'code_points', null],
  ['02', 'doc-0002', 'IMO_NUMBER', 18, 25, '9811000', 'alice', 'submitted', 'code_points', null],
  ['02', 'doc-0002', 'FLAG_STATE', 32, 38, 'Panama', 'alice', 'submitted', 'code_points', null],
  ['02', 'doc-0002', 'PORT', 51, 61, 'Felixstowe', 'alice', 'submitted', 'code_points', null],
  ['02', 'doc-0002', 'VESSEL_NAME', 2, 12, 'Ever Given', 'bob', 'submitted', 'utf16', null],
  ['02', 'doc-0002', 'PORT', 51, 61, 'Felixstowe', 'bob', 'submitted', 'utf16', null],
  ['03', 'doc-0003', 'VESSEL_NAME', 16, 32, 'Stena Jutlandica', 'alice', 'submitted', 'code_points', 'CARGO_TYPE'],
  ['03', 'doc-0003', 'PORT', 59, 69, 'Gothenburg', 'alice', 'submitted', 'code_points', 'CARGO_TYPE'],
  ['03', 'doc-0003', 'VESSEL_NAME', 16, 32, 'Stena Jutlandica', 'chen', 'submitted', 'code_points', 'reefer count'],
  ['04', 'doc-0004', 'VESSEL_NAME', 0, 10, 'MSC Gülsün', 'alice', 'submitted', 'code_points', null],
  ['04', 'doc-0004', 'IMO_NUMBER', 18, 25, '9839430', 'alice', 'submitted', 'code_points', null],
  ['04', 'doc-0004', 'FLAG_STATE', 40, 45, 'Malta', 'alice', 'submitted', 'code_points', null],
  ['06', 'doc-0006', 'VESSEL_NAME', 7, 20, 'Nordic Aurora', 'chen', 'submitted', 'code_points', null],
  ['06', 'doc-0006', 'IMO_NUMBER', 26, 33, '9412336', 'chen', 'submitted', 'code_points', null],
  ['06', 'doc-0006', 'FLAG_STATE', 35, 42, 'Liberia', 'chen', 'submitted', 'code_points', null],
  ['06', 'doc-0006', 'PORT', 52, 61, 'Singapore', 'chen', 'submitted', 'code_points', null],
];
// Bob's response on record 4, submitted from the web UI after the first sync in UTF-16 units: the same as code
// points before the flag (two astral code points, four units), so read as they are; two units ahead after it.
const BOB_4: Row[] = [
  ['04', 'doc-0004', 'VESSEL_NAME', 0, 10, 'MSC Gülsün', 'bob', 'submitted', 'code_points', null],
  ['04', 'doc-0004', 'IMO_NUMBER', 18, 25, '9839430', 'bob', 'submitted', 'utf16', null],
];
/** The row that closes an annotator's earlier rows of a record. */
const tombstone = (rec: string, doc: string, who: string, status: string): Row => [
  rec,
  doc,
  '',
  0,
  0,
  '',
  who,
  status,
  'tombstone',
  null,
];
const without = (rows: Row[], rec: string, annotator: string) =>
  rows.filter((r) => !(r[0] === rec && r[6] === annotator));
const sorted = (rows: Row[]) =>
  [...rows].sort((a, b) => `${a[0]} ${a[6]}`.localeCompare(`${b[0]} ${b[6]}`) || a[3] - b[3]);

describe('Argilla sync against the stand-in', () => {
  let expected: Row[] = [];

  it('first sync writes one Parquet file of every submitted span, emoji offsets converted, and it loads exactly', async () => {
    const mark = h.argilla.requests.length;
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({
      name: DATASET,
      id: V1,
      outcome: 'synced',
      records: 6,
      responses: 11,
      spans: 22,
      proposals: 2,
      proposalsWithoutSpans: 0,
      closed: 0,
      deleted: 0,
      convertedOffsets: 2,
      refusedOffsets: 0,
      unmappedRecords: 0,
      unusedLabels: ['CALL_SIGN'],
      file: { bucket: BUCKET, rows: 22 },
      warnings: [],
    });
    expect(report.totals).toMatchObject({ synced: 1, filesWritten: 1, convertedOffsets: 2 });
    expect(h.requestsSince(mark)).toEqual([
      LIST,
      `GET /api/v1/datasets/${V1}/questions 200`,
      `GET /api/v1/workspaces/${MARITIME}/users 200`,
      `POST /api/v1/datasets/${V1}/records/search?include=responses&offset=0&limit=1000 200`,
    ]);
    const key = ds(report)?.file?.key ?? '';
    expect(h.written).toEqual([key]);
    expect(key).toMatch(/^argilla\/vessel-entities\/20261121T120000Z-argilla-\w+-1\.parquet$/);
    const file = await fileRows(key);
    expect(file.rows).toEqual(FIRST);
    expect(file.kv).toMatchObject({ batch_id: ds(report)?.file?.batchId, schema_version: 'argilla-annotations/1' });

    expect(h.sent).toHaveLength(1);
    await h.ingestSent();
    expected = FIRST;
    expect(await current()).toEqual(expected);
    const times = await h.warehouse.query(
      `SELECT strftime(annotated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS at, count(*)::INTEGER AS n
       FROM annotations WHERE valid_to IS NULL AND annotator = 'alice' AND record_id = $1::VARCHAR GROUP BY 1`,
      [record(1)],
    );
    // The response's updated_at, to the microsecond.
    expect(times).toEqual([{ at: '2025-03-02T10:04:00.200000', n: 4 }]);
  });

  it('a dataset whose last_activity_at did not move makes no record requests and writes nothing', async () => {
    const mark = h.argilla.requests.length;
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ outcome: 'skipped', reason: 'last_activity_at did not move', file: null });
    expect(h.requestsSince(mark)).toEqual([LIST]);
    expect(h.sent).toEqual([]);
    expect(h.written).toHaveLength(1);
  });

  it('a full sync with nothing changed reads every record and writes nothing', async () => {
    const mark = h.argilla.requests.length;
    const report = await syncArgilla(h.deps(), { trigger: 'reconcile', full: true });
    expect(ds(report)).toMatchObject({ outcome: 'synced', records: 6, responses: 0, closed: 0, file: null });
    expect(h.requestsSince(mark).filter((r) => r.includes('/records/search'))).toHaveLength(1);
    expect(h.sent).toEqual([]);
    expect(h.written).toHaveLength(1);
  });

  it('an incremental sync writes only the new response’s rows (its UTF-16 offset after a flag converted)', async () => {
    h.argilla.submitResponse({
      recordId: record(4),
      username: 'bob',
      spans: [
        { label: 'VESSEL_NAME', start: 0, end: 10 },
        { label: 'IMO_NUMBER', start: 20, end: 27 },
      ],
    });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({
      outcome: 'synced',
      records: 6,
      responses: 1,
      spans: 2,
      convertedOffsets: 1,
      refusedOffsets: 0,
      closed: 0,
      file: { rows: 2 },
    });
    expect((await fileRows(ds(report)?.file?.key ?? '')).rows).toEqual(BOB_4);
    await h.ingestSent();
    expected = sorted([...expected, ...BOB_4]);
    expect(await current()).toEqual(expected);
  });

  it('an edited response supersedes its earlier rows; one turned back into a draft stops being current', async () => {
    const edited = h.argilla.submitResponse({
      recordId: record(1),
      username: 'alice',
      spans: [
        { label: 'VESSEL_NAME', start: 3, end: 14 },
        { label: 'IMO_NUMBER', start: 20, end: 27 },
      ],
    });
    h.argilla.submitResponse({ recordId: record(3), username: 'chen', status: 'draft' });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ outcome: 'synced', responses: 2, spans: 2, closed: 1, file: { rows: 3 } });
    const alice1: Row[] = [
      ['01', 'doc-0001', 'VESSEL_NAME', 3, 14, 'Nordic Star', 'alice', 'submitted', 'code_points', null],
      ['01', 'doc-0001', 'IMO_NUMBER', 20, 27, '9321483', 'alice', 'submitted', 'code_points', null],
    ];
    expect((await fileRows(ds(report)?.file?.key ?? '')).rows).toEqual([
      ...alice1,
      tombstone('03', 'doc-0003', 'chen', 'draft'),
    ]);
    await h.ingestSent();
    expected = sorted([
      ...without(without(expected, '01', 'alice'), '03', 'chen'),
      ...alice1,
      tombstone('03', 'doc-0003', 'chen', 'draft'),
    ]);
    expect(await current()).toEqual(expected);
    const history = await h.warehouse.query(
      `SELECT annotator, count(*)::INTEGER AS n FROM annotations WHERE valid_to IS NOT NULL AND dataset = $1::VARCHAR
       GROUP BY 1 ORDER BY 1`,
      [DATASET],
    );
    expect(history).toEqual([
      { annotator: 'alice', n: 4 },
      { annotator: 'chen', n: 1 },
    ]);
    const at = await h.warehouse.query(
      `SELECT DISTINCT strftime(annotated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS at FROM annotations
       WHERE valid_to IS NULL AND annotator = 'alice' AND record_id = $1::VARCHAR`,
      [record(1)],
    );
    expect(at).toEqual([{ at: micros(edited.updated_at) }]);
  });

  it('a discarded response is closed by a discarded tombstone', async () => {
    h.argilla.discardResponse({ recordId: record(2), username: 'bob' });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ outcome: 'synced', responses: 1, spans: 0, closed: 1, file: { rows: 1 } });
    await h.ingestSent();
    expected = sorted([...without(expected, '02', 'bob'), tombstone('02', 'doc-0002', 'bob', 'discarded')]);
    expect(await current()).toEqual(expected);
  });

  it('a deleted response is caught by the reconcile (full) sync and closed by a tombstone', async () => {
    h.argilla.deleteResponse('5e5b0000-0000-4000-8000-000000000010');
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'reconcile', full: true });
    expect(ds(report)).toMatchObject({ outcome: 'synced', responses: 0, deleted: 1, closed: 1, file: { rows: 1 } });
    await h.ingestSent();
    expected = sorted([...without(expected, '06', 'chen'), tombstone('06', 'doc-0006', 'chen', 'discarded')]);
    expect(await current()).toEqual(expected);
    const state = await h.warehouse.query(
      `SELECT count(*)::INTEGER AS n FROM argilla_responses WHERE response_id = '5e5b0000-0000-4000-8000-000000000010'`,
    );
    expect(state).toEqual([{ n: 0 }]);
  });

  it('responses created in bulk (no activity, no webhook) are skipped by the cron and caught by the reconcile', async () => {
    h.argilla.bulkResponses([
      {
        recordId: record(5),
        username: 'bob',
        spans: [
          { label: 'VESSEL_NAME', start: 0, end: 12 },
          { label: 'PORT', start: 21, end: 32 },
        ],
      },
    ]);
    h.tick();
    let mark = h.argilla.requests.length;
    const cron = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(cron)).toMatchObject({ outcome: 'skipped', file: null });
    expect(h.requestsSince(mark)).toEqual([LIST]);

    mark = h.argilla.requests.length;
    const reconcile = await syncArgilla(h.deps(), { trigger: 'reconcile', full: true });
    expect(ds(reconcile)).toMatchObject({ outcome: 'synced', responses: 1, spans: 2, closed: 0, file: { rows: 2 } });
    expect(h.requestsSince(mark)).toContain(
      `POST /api/v1/datasets/${V1}/records/search?include=responses&offset=0&limit=1000 200`,
    );
    await h.ingestSent();
    expected = sorted([
      ...expected,
      ['05', 'doc-0005', 'VESSEL_NAME', 0, 12, 'Queen Mary 2', 'bob', 'submitted', 'code_points', null],
      ['05', 'doc-0005', 'PORT', 21, 32, 'Southampton', 'bob', 'submitted', 'code_points', null],
    ]);
    expect(await current()).toEqual(expected);
  });

  it('a response deleted and created again by the same annotator leaves only the new rows current', async () => {
    h.argilla.deleteResponse('5e5b0000-0000-4000-8000-000000000008');
    h.argilla.submitResponse({
      recordId: record(4),
      username: 'alice',
      spans: [{ label: 'PORT', start: 40, end: 45 }],
    });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ outcome: 'synced', responses: 1, spans: 1, deleted: 1, closed: 0 });
    await h.ingestSent();
    expected = sorted([
      ...without(expected, '04', 'alice'),
      ['04', 'doc-0004', 'PORT', 40, 45, 'Malta', 'alice', 'submitted', 'code_points', null],
    ]);
    expect(await current()).toEqual(expected);
  });

  it('a webhook’s targeted sync marks its file for a prompt discovery run; scheduled syncs mark none', async () => {
    expect(h.metadata.size).toBe(0);
    h.argilla.submitResponse({
      recordId: record(6),
      username: 'bob',
      spans: [{ label: 'PORT', start: 52, end: 61 }],
    });
    h.tick();
    const report = await syncArgilla(h.deps(), { trigger: 'webhook', recordIds: [record(6)] });
    const key = ds(report)?.file?.key as string;
    expect(h.metadata).toEqual(new Map([[key, { [PROMPT_DISCOVERY.key]: PROMPT_DISCOVERY.value }]]));
    await h.ingestSent();
    expected = sorted([
      ...expected,
      ['06', 'doc-0006', 'PORT', 52, 61, 'Singapore', 'bob', 'submitted', 'code_points', null],
    ]);
    expect(await current()).toEqual(expected);
  });

  it('a bad key fails the dataset with Argilla’s error, writes nothing and leaves the state as it was', async () => {
    const state = await h.warehouse.query('SELECT * FROM argilla_responses ORDER BY response_id');
    const datasets = await h.warehouse.query('SELECT * FROM argilla_datasets');
    const files = h.written.length;
    h.tick();
    const report = await syncArgilla(h.deps({ apiKey: 'not-the-key' }), { trigger: 'api', full: true });
    expect(ds(report)).toMatchObject({
      name: DATASET,
      outcome: 'failed',
      error: { code: 'upstream_refused', status: 401, argillaCode: 'argilla.api.errors::UnauthorizedError' },
      reason: expect.stringContaining('Could not validate credentials'),
    });
    expect(report.totals).toMatchObject({ failed: 1, filesWritten: 0 });
    expect(h.sent).toEqual([]);
    expect(h.written).toHaveLength(files);
    expect(await h.warehouse.query('SELECT * FROM argilla_responses ORDER BY response_id')).toEqual(state);
    expect(await h.warehouse.query('SELECT * FROM argilla_datasets')).toEqual(datasets);
    expect(await current()).toEqual(expected);
  });
});
