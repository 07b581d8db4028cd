// Argilla sync end to end in Node: a loopback Argilla, the embedded warehouse over the wire, a directory
// standing in for R2 (the warehouse reads r2:// from it), and the real ingest consumer loading the files.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { ArgillaDatasetConfig } from '../../lib/argilla/config.ts';
import { type ArgillaSyncDeps, type SyncReport, syncArgilla } from '../../lib/argilla/sync.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import type { R2Event } from '../../lib/ingest/event.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { directoryStore } from '../../tools/local/fs-store.ts';
import {
  type FakeArgilla,
  type FakeResponse,
  questionsFor,
  startFakeArgilla,
  WORKSPACE,
} from '../support/argilla-fake.ts';
import { migratedDatabase } from '../support/databases.ts';
import { TEST_ROUTES } from '../support/node-loads.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';

initParquetWasmForNode();

const DS = 'a1b2c3d4-0000-4000-8000-000000000001';
const BUCKET = 'vessel-annotations';
let argilla: FakeArgilla;
let warehouse: Warehouse;
let clock = new Date('2026-11-21T12:00:00.000Z');
let ids = 0;
const sent: R2Event[] = [];
const runId = Math.random().toString(36).slice(2, 8);

beforeAll(async () => {
  argilla = await startFakeArgilla();
  ({ warehouse } = await migratedDatabase('argilla_sync'));
  argilla.users.push({ id: 'u-maria', username: 'maria' }, { id: 'u-li', username: 'li' });
  argilla.datasets.push({
    id: DS,
    name: `vessels-${runId}-v1`,
    workspace_id: WORKSPACE,
    last_activity_at: '2024-09-26T14:17:20.477163',
    questions: questionsFor(DS),
    records: [
      {
        id: 'rec-1',
        fields: { text: 'MV Nordic Star, IMO 9321483' },
        metadata: { document_id: 'DOC-1' },
        external_id: 'ext-1',
        inserted_at: '2024-09-20T09:00:00',
        responses: [
          response(
            'resp-1',
            'u-maria',
            'submitted',
            '2024-09-26T14:13:22.206179',
            [
              ['VESSEL_NAME', 3, 14],
              ['IMO_NUMBER', 20, 27],
            ],
            'CALL_SIGN',
          ),
          response('resp-2', 'u-li', 'draft', '2024-09-26T14:14:00', [['VESSEL_NAME', 0, 2]]),
        ],
      },
      {
        id: 'rec-2',
        fields: { text: '🚢 Aurora' },
        metadata: { document_id: 'DOC-2' },
        external_id: 'ext-2',
        inserted_at: '2024-09-20T09:00:01',
        // The web UI's UTF-16 offsets: the ship takes two units.
        responses: [response('resp-3', 'u-li', 'submitted', '2024-09-26T14:15:00.5', [['VESSEL_NAME', 3, 9]])],
      },
    ],
  });
});
afterAll(async () => {
  await warehouse?.close();
  await argilla?.close();
});

function response(
  id: string,
  user: string,
  status: FakeResponse['status'],
  at: string,
  spans: [string, number, number][],
  proposal?: string,
): FakeResponse {
  return {
    id,
    user_id: user,
    status,
    inserted_at: '2024-09-26T14:00:00',
    updated_at: at,
    values: {
      entities: { value: spans.map(([label, start, end]) => ({ label, start, end })) },
      ...(proposal ? { proposed_entity_type: { value: proposal } } : {}),
    },
  };
}

function deps(apiKey = 'owner.apikey'): ArgillaSyncDeps {
  const dir = inject('r2Directories')[BUCKET] as string;
  return {
    argilla: createArgillaClient({ baseUrl: argilla.url, apiKey, fetch, sleep: async () => {}, log: silentLogger }),
    warehouse,
    bucket: {
      put: async (key, body) => {
        const path = join(dir, key);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, body);
        return { etag: createHash('md5').update(body).digest('hex'), size: body.byteLength };
      },
    },
    bucketName: BUCKET,
    notify: async (event) => void sent.push(event),
    datasets: [ArgillaDatasetConfig.parse({ names: [`vessels-${runId}-v1`], documentId: 'metadata:document_id' })],
    clock: () => clock,
    newId: () => `${runId}-${++ids}`,
    log: silentLogger,
  };
}

/** Delivers the notifications the sync sent to the real ingest consumer. */
async function ingestSent(): Promise<void> {
  const messages = sent.splice(0).map((body, i) => ({ id: `m-${ids}-${i}`, attempts: 1, body }));
  const report = await ingestBatch(messages, {
    warehouse,
    store: directoryStore(inject('r2Directories')),
    routes: TEST_ROUTES,
    strategy: 'remote',
    clock: () => clock,
    newId: () => crypto.randomUUID(),
    log: silentLogger,
    deadLetter: async () => {},
    notifyDiscovery: async () => {},
  });
  const bad = report.outcomes.filter((o) => o.kind !== 'loaded');
  if (bad.length > 0) throw new Error(`did not load: ${JSON.stringify(bad)}`);
}

async function current() {
  return warehouse.query(
    `SELECT record_id, document_id, entity_type, "start", "end", text, annotator, status,
            strftime(annotated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS annotated_at, dataset,
            json_extract_string(metadata, '$.proposed_entity_type') AS proposal,
            json_extract_string(metadata, '$.argilla_row') AS row_kind
     FROM annotations WHERE valid_to IS NULL AND dataset = $1::VARCHAR ORDER BY record_id, annotator, "start"`,
    [`vessels-${runId}-v1`],
  );
}

const searches = () => argilla.requests.filter((r) => r.includes('/records/search')).length;
const ds = (report: SyncReport) => report.datasets[0];

describe('Argilla sync', () => {
  let firstKey = '';

  it('first sync writes one Parquet file of the submitted spans, which DuckDB reads back exactly', async () => {
    const report = await syncArgilla(deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({
      outcome: 'synced',
      records: 2,
      responses: 3,
      spans: 3,
      proposals: 1,
      convertedOffsets: 1,
      refusedOffsets: 0,
      unusedLabels: ['FLAG_STATE'],
      file: { bucket: BUCKET, rows: 3 },
    });
    expect(report.totals.filesWritten).toBe(1);
    expect(sent).toHaveLength(1);
    firstKey = ds(report)?.file?.key ?? '';
    expect(firstKey).toMatch(
      new RegExp(`^argilla/vessels-${runId}-v1/20261121T120000Z-argilla-${runId}-\\d+\\.parquet$`),
    );

    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const path = join(inject('r2Directories')[BUCKET] as string, firstKey);
    const rows = (
      await conn.runAndReadAll(
        `SELECT record_id, document_id, entity_type, "start", "end", text, annotator, status,
                strftime(annotated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS at, proposed_entity_type, offset_unit
         FROM read_parquet('${path}') ORDER BY record_id, "start"`,
      )
    ).getRowObjectsJS();
    const kv = (
      await conn.runAndReadAll(
        `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}') WHERE decode(key) IN ('schema_version', 'batch_id') ORDER BY 1`,
      )
    ).getRowObjectsJS();
    conn.closeSync();
    instance.closeSync();
    expect(rows).toEqual([
      {
        record_id: 'rec-1',
        document_id: 'DOC-1',
        entity_type: 'VESSEL_NAME',
        start: 3,
        end: 14,
        text: 'Nordic Star',
        annotator: 'maria',
        status: 'submitted',
        at: '2024-09-26T14:13:22.206179',
        proposed_entity_type: 'CALL_SIGN',
        offset_unit: 'code_points',
      },
      {
        record_id: 'rec-1',
        document_id: 'DOC-1',
        entity_type: 'IMO_NUMBER',
        start: 20,
        end: 27,
        text: '9321483',
        annotator: 'maria',
        status: 'submitted',
        at: '2024-09-26T14:13:22.206179',
        proposed_entity_type: 'CALL_SIGN',
        offset_unit: 'code_points',
      },
      {
        record_id: 'rec-2',
        document_id: 'DOC-2',
        entity_type: 'VESSEL_NAME',
        start: 2,
        end: 8,
        text: 'Aurora',
        annotator: 'li',
        status: 'submitted',
        at: '2024-09-26T14:15:00.500000',
        proposed_entity_type: null,
        offset_unit: 'utf16',
      },
    ]);
    expect(kv).toEqual([
      { k: 'batch_id', v: ds(report)?.file?.batchId },
      { k: 'schema_version', v: 'argilla-annotations/1' },
    ]);

    await ingestSent();
    expect(await current()).toEqual([
      {
        record_id: 'rec-1',
        document_id: 'DOC-1',
        entity_type: 'VESSEL_NAME',
        start: 3,
        end: 14,
        text: 'Nordic Star',
        annotator: 'maria',
        status: 'submitted',
        annotated_at: '2024-09-26T14:13:22.206179',
        dataset: `vessels-${runId}-v1`,
        proposal: 'CALL_SIGN',
        row_kind: 'span',
      },
      {
        record_id: 'rec-1',
        document_id: 'DOC-1',
        entity_type: 'IMO_NUMBER',
        start: 20,
        end: 27,
        text: '9321483',
        annotator: 'maria',
        status: 'submitted',
        annotated_at: '2024-09-26T14:13:22.206179',
        dataset: `vessels-${runId}-v1`,
        proposal: 'CALL_SIGN',
        row_kind: 'span',
      },
      {
        record_id: 'rec-2',
        document_id: 'DOC-2',
        entity_type: 'VESSEL_NAME',
        start: 2,
        end: 8,
        text: 'Aurora',
        annotator: 'li',
        status: 'submitted',
        annotated_at: '2024-09-26T14:15:00.500000',
        dataset: `vessels-${runId}-v1`,
        proposal: null,
        row_kind: 'span',
      },
    ]);
  });

  it('a dataset whose last_activity_at did not move makes no record requests and writes nothing', async () => {
    const before = searches();
    const report = await syncArgilla(deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ outcome: 'skipped', reason: 'last_activity_at did not move', file: null });
    expect(searches()).toBe(before);
    expect(sent).toEqual([]);
  });

  it('a full sync with nothing changed reads every record and writes nothing', async () => {
    const files = readdirSync(join(inject('r2Directories')[BUCKET] as string, `argilla/vessels-${runId}-v1`)).length;
    const report = await syncArgilla(deps(), { trigger: 'reconcile', full: true });
    expect(ds(report)).toMatchObject({ outcome: 'synced', records: 2, responses: 0, file: null });
    expect(sent).toEqual([]);
    expect(readdirSync(join(inject('r2Directories')[BUCKET] as string, `argilla/vessels-${runId}-v1`))).toHaveLength(
      files,
    );
  });

  it('an edited response supersedes its earlier rows; one turned back into a draft stops being current', async () => {
    const dataset = argilla.datasets[0];
    if (!dataset) throw new Error('no dataset');
    const [rec1, rec2] = dataset.records;
    if (!rec1 || !rec2) throw new Error('no records');
    rec1.responses[0] = response('resp-1', 'u-maria', 'submitted', '2024-09-27T08:00:00', [['FLAG_STATE', 20, 27]]);
    rec2.responses[0] = response('resp-3', 'u-li', 'draft', '2024-09-27T08:00:01', [['VESSEL_NAME', 3, 9]]);
    dataset.last_activity_at = '2024-09-27T08:00:01';
    clock = new Date('2026-11-21T12:15:00.000Z');
    const report = await syncArgilla(deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ outcome: 'synced', responses: 2, spans: 1, closed: 1, file: { rows: 2 } });
    await ingestSent();
    expect(await current()).toEqual([
      expect.objectContaining({
        record_id: 'rec-1',
        entity_type: 'FLAG_STATE',
        annotator: 'maria',
        status: 'submitted',
        proposal: null,
      }),
      expect.objectContaining({
        record_id: 'rec-2',
        entity_type: '',
        annotator: 'li',
        status: 'draft',
        row_kind: 'tombstone',
      }),
    ]);
    const history = await warehouse.query(
      `SELECT count(*)::INTEGER AS n FROM annotations WHERE valid_to IS NOT NULL AND dataset = $1::VARCHAR`,
      [`vessels-${runId}-v1`],
    );
    expect(history).toEqual([{ n: 3 }]);
  });

  it('a deleted response is closed by a tombstone when the listing is read again', async () => {
    const dataset = argilla.datasets[0];
    if (!dataset?.records[0]) throw new Error('no dataset');
    dataset.records[0].responses.splice(0, 1);
    dataset.last_activity_at = '2024-09-28T08:00:00';
    clock = new Date('2026-11-21T12:30:00.000Z');
    const report = await syncArgilla(deps(), { trigger: 'cron' });
    expect(ds(report)).toMatchObject({ deleted: 1, closed: 1, file: { rows: 1 } });
    await ingestSent();
    const rows = await current();
    expect(rows.filter((r) => r.status === 'submitted')).toEqual([]);
  });

  it('a bad key fails the dataset with Argilla’s error, writes nothing and leaves the state as it was', async () => {
    const dataset = argilla.datasets[0];
    if (!dataset) throw new Error('no dataset');
    const state = await warehouse.query('SELECT * FROM argilla_responses ORDER BY response_id');
    const report = await syncArgilla(deps('not-the-key'), { trigger: 'api', full: true });
    expect(ds(report)).toMatchObject({
      name: `vessels-${runId}-v1`,
      outcome: 'failed',
      error: { code: 'upstream_refused', status: 401, argillaCode: 'argilla.api.errors::UnauthorizedError' },
      reason: expect.stringContaining('Could not validate credentials'),
    });
    expect(report.totals).toMatchObject({ failed: 1, filesWritten: 0 });
    expect(sent).toEqual([]);
    expect(await warehouse.query('SELECT * FROM argilla_responses ORDER BY response_id')).toEqual(state);
  });
});
