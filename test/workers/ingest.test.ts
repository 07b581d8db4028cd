import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GIVE_UP_AFTER_ATTEMPTS } from '../../lib/ingest/consumer.ts';
import type { R2Event } from '../../lib/ingest/event.ts';
import { PROMPT_DISCOVERY } from '../../lib/ingest/object-store.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { canonicalJson } from '../support/json-equal.ts';
import { deleteEvent, deliver, fixtureBytes, putEvent, putObject } from './helpers.ts';

const DEAD_WAREHOUSE = 'postgres://postgres:token-0000000000000000@127.0.0.1:1/down';

interface Db {
  url: string;
  warehouse: Warehouse;
}
const dbs: Db[] = [];
async function freshDb(): Promise<Db> {
  const db = await migratedDatabase('ingest');
  dbs.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.warehouse.close()));
});

async function logFor(db: Db, key: string) {
  return db.warehouse.query<{
    status: string;
    rows: number | null;
    error: string | null;
    error_code: string | null;
    strategy: string | null;
    target: string | null;
    batch_id: string | null;
    schema_version: string | null;
    attempts: number;
  }>(
    `SELECT status, rows::INTEGER AS rows, error, error_code, strategy, target, batch_id, schema_version, attempts FROM ingest_log WHERE key = $1::VARCHAR ORDER BY started_at`,
    [key],
  );
}

async function upload(bucket: 'vessel-ocr' | 'vessel-csv' | 'vessel-annotations', key: string, fixture: string) {
  const object = await putObject(bucket, key, await fixtureBytes(fixture));
  return { object, event: putEvent(bucket, key, object) };
}

describe.each(['push', 'remote'] as const)('ingest (%s strategy)', (strategy) => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb();
  });
  const run = (messages: Parameters<typeof deliver>[0], overrides: Partial<Env> = {}) =>
    deliver(messages, { WAREHOUSE_URL: db.url, LOAD_STRATEGY: strategy, ...overrides });
  // Remote loads read r2://<bucket>/<key> from the warehouse's bucket directory, where the global setup
  // put every fixture under fixtures/.
  const key = (name: string) => `fixtures/${name}`;

  it('loads annotations: typed columns, extra columns in metadata, schema_version and batch_id from the file', async () => {
    const { event } = await upload('vessel-annotations', key('annotations-v1.parquet'), 'annotations-v1.parquet');
    const delivery = await run([{ id: 'a1', body: event }]);
    expect(delivery.explicitAcks).toEqual(['a1']);
    expect(delivery.retries).toEqual({});
    const rows = await db.warehouse.query(
      `SELECT record_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, metadata, batch_id, schema_version,
              source_key, valid_to IS NULL AS current
       FROM annotations ORDER BY record_id, "start"`,
    );
    expect(rows).toEqual([
      {
        record_id: 'r1',
        entity_type: 'VESSEL_NAME',
        start: 0,
        end: 10,
        text: 'Ever Given',
        annotator: 'alice',
        status: 'submitted',
        annotated_at: new Date('2026-11-20T09:00:00Z'),
        dataset: 'vessels',
        metadata: { confidence: 0.9 },
        batch_id: 'argilla-sync-1',
        schema_version: '1',
        source_key: 'r2://vessel-annotations/fixtures/annotations-v1.parquet',
        current: true,
      },
      expect.objectContaining({ record_id: 'r1', entity_type: 'IMO_NUMBER', metadata: { confidence: 0.8 } }),
      expect.objectContaining({ record_id: 'r2', entity_type: 'FLAG_STATE', status: 'draft', annotator: 'bob' }),
    ]);
    expect(await logFor(db, key('annotations-v1.parquet'))).toEqual([
      expect.objectContaining({
        status: 'loaded',
        rows: 3,
        strategy,
        target: 'annotations',
        batch_id: 'argilla-sync-1',
        schema_version: '1',
        attempts: 1,
      }),
    ]);
  });

  it('defaults status to submitted and annotated_at to the ingestion time', async () => {
    const { event } = await upload(
      'vessel-annotations',
      key('annotations-minimal.parquet'),
      'annotations-minimal.parquet',
    );
    await run([{ body: event }]);
    const [row] = await db.warehouse.query<{
      status: string;
      annotated_at: Date;
      ingested_at: Date;
      metadata: unknown;
      batch_id: string;
    }>(`SELECT status, annotated_at, ingested_at, metadata, batch_id FROM annotations WHERE record_id = 'r9'`);
    expect(row?.status).toBe('submitted');
    expect(row?.annotated_at).toEqual(row?.ingested_at);
    expect(row?.metadata).toBeNull();
    expect(row?.batch_id).toBe(`${key('annotations-minimal.parquet')}@${event.object.eTag}`);
  });

  it('takes columns in any ASCII case, gives a NULL status or time its default, and keeps infinite times', async () => {
    for (const name of ['annotations-cased.parquet', 'annotations-days.parquet']) {
      const { event } = await upload('vessel-annotations', key(name), name);
      const delivery = await run([{ id: name, body: event }]);
      expect(delivery.explicitAcks).toEqual([name]);
      expect(await logFor(db, key(name))).toEqual([expect.objectContaining({ status: 'loaded' })]);
    }
    const rows = await db.warehouse.query<{ record_id: string; status: string; at: string; metadata: unknown }>(
      `SELECT record_id, status, CASE WHEN annotated_at = ingested_at THEN 'ingested' ELSE annotated_at::VARCHAR END AS at,
              metadata FROM annotations WHERE record_id LIKE 'case-%' ORDER BY record_id`,
    );
    expect(rows).toEqual([
      { record_id: 'case-0', status: 'submitted', at: '-infinity', metadata: null },
      { record_id: 'case-1', status: 'submitted', at: 'ingested', metadata: null },
      { record_id: 'case-2', status: 'draft', at: 'infinity', metadata: null },
      { record_id: 'case-3', status: 'submitted', at: '2026-11-20 08:00:00+00', metadata: null },
    ]);
  });

  it('acks a duplicate delivery without loading the rows again', async () => {
    const { event } = await upload('vessel-annotations', key('annotations-v1.parquet'), 'annotations-v1.parquet');
    const again = await run([
      { id: 'dup-1', body: event },
      { id: 'dup-2', body: event },
    ]);
    expect(again.explicitAcks).toEqual(['dup-1', 'dup-2']);
    expect(
      await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM annotations WHERE batch_id = 'argilla-sync-1'`),
    ).toEqual([{ n: 3 }]);
    expect(await logFor(db, key('annotations-v1.parquet'))).toHaveLength(1);
  });

  it('supersedes an annotator’s earlier response to a record, keeping the history', async () => {
    const { event } = await upload('vessel-annotations', key('annotations-v2.parquet'), 'annotations-v2.parquet');
    await run([{ body: event }]);
    const current = await db.warehouse.query(
      `SELECT record_id, entity_type, batch_id FROM annotations WHERE valid_to IS NULL AND dataset = 'vessels' ORDER BY record_id, entity_type`,
    );
    expect(current).toEqual([
      { record_id: 'r1', entity_type: 'PORT', batch_id: 'argilla-sync-2' },
      { record_id: 'r1', entity_type: 'VESSEL_NAME', batch_id: 'argilla-sync-2' },
      { record_id: 'r2', entity_type: 'FLAG_STATE', batch_id: 'argilla-sync-1' },
    ]);
    const history = await db.warehouse.query(
      `SELECT entity_type FROM annotations WHERE record_id = 'r1' AND batch_id = 'argilla-sync-1' AND valid_to IS NOT NULL ORDER BY entity_type`,
    );
    expect(history).toEqual([{ entity_type: 'IMO_NUMBER' }, { entity_type: 'VESSEL_NAME' }]);
  });

  it('rejects a file missing a required column: recorded, dead-lettered, acked, nothing loaded', async () => {
    const dlq = vi.spyOn(env.INGEST_DLQ, 'send');
    const { event } = await upload(
      'vessel-annotations',
      key('annotations-missing-text.parquet'),
      'annotations-missing-text.parquet',
    );
    const delivery = await run([{ id: 'bad-1', body: event }]);
    expect(delivery.explicitAcks).toEqual(['bad-1']);
    const [log] = await logFor(db, key('annotations-missing-text.parquet'));
    expect(log).toMatchObject({ status: 'failed', error_code: 'bad_file', rows: null });
    expect(log?.error).toBe(
      "vessel-annotations/fixtures/annotations-missing-text.parquet: required column 'text' is missing " +
        `(file has: ${strategy === 'push' ? 'record_id Utf8, document_id Utf8, entity_type Utf8, start Int32, end Int32' : 'record_id VARCHAR, document_id VARCHAR, entity_type VARCHAR, start INTEGER, end INTEGER'})`,
    );
    expect(dlq).toHaveBeenCalledWith(expect.objectContaining({ reason: 'bad_file', event, error: log?.error }));
    expect(
      await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM annotations WHERE source_key LIKE '%missing-text%'`),
    ).toEqual([{ n: 0 }]);
    dlq.mockRestore();
  });

  it('rejects a column of the wrong type, naming it', async () => {
    const { event } = await upload(
      'vessel-annotations',
      key('annotations-bad-type.parquet'),
      'annotations-bad-type.parquet',
    );
    await run([{ body: event }]);
    const [log] = await logFor(db, key('annotations-bad-type.parquet'));
    expect(log?.status).toBe('failed');
    expect(log?.error).toMatch(
      /^vessel-annotations\/fixtures\/annotations-bad-type\.parquet: column 'start' is (Utf8|VARCHAR) but must be an integer/,
    );
    const decimal = await upload(
      'vessel-annotations',
      key('annotations-decimal-start.parquet'),
      'annotations-decimal-start.parquet',
    );
    await run([{ body: decimal.event }]);
    const [declined] = await logFor(db, key('annotations-decimal-start.parquet'));
    expect(declined?.error).toContain(
      `column 'start' is ${strategy === 'push' ? 'Decimal(2, 1)' : 'DECIMAL(2,1)'} but must be an integer`,
    );
  });

  it('rejects values the warehouse refuses (a status outside submitted/draft/discarded) with nothing loaded', async () => {
    const { event } = await upload(
      'vessel-annotations',
      key('annotations-bad-status.parquet'),
      'annotations-bad-status.parquet',
    );
    const delivery = await run([{ id: 'st', body: event }]);
    expect(delivery.explicitAcks).toEqual(['st']);
    const [log] = await logFor(db, key('annotations-bad-status.parquet'));
    expect(log?.status).toBe('failed');
    expect(log?.error).toMatch(/the warehouse refused the data: .*CHECK constraint/);
    expect(
      await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM annotations WHERE source_key LIKE '%bad-status%'`),
    ).toEqual([{ n: 0 }]);
  });

  it('rejects a truncated Parquet file and loads nothing', async () => {
    const whole = await fixtureBytes('structured-types.parquet');
    const object = await putObject(
      'vessel-csv',
      'uploads/truncated.parquet',
      whole.subarray(0, Math.floor(whole.length / 2)),
    );
    const delivery = await run([{ id: 'trunc', body: putEvent('vessel-csv', 'uploads/truncated.parquet', object) }]);
    expect(delivery.explicitAcks).toEqual(['trunc']);
    const [log] = await logFor(db, 'uploads/truncated.parquet');
    expect(log?.status).toBe('failed');
    expect(log?.error).toMatch(
      strategy === 'push'
        ? /not a Parquet file \(missing PAR1 magic bytes; truncated/
        : /^vessel-csv\/uploads\/truncated\.parquet: the warehouse refused the data: Invalid Input Error: No magic bytes found at end of file 'r2:\/\/vessel-csv\/uploads\/truncated\.parquet'$/,
    );
    expect(
      await db.warehouse.query(
        `SELECT count(*)::INTEGER AS n FROM structured_data WHERE source_file = 'uploads/truncated.parquet'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('retries with backoff while the warehouse is down, then loads once it is back', async () => {
    const { event } = await upload('vessel-ocr', key('documents-v1.parquet'), 'documents-v1.parquet');
    const first = await run([{ id: 'w', attempts: 1, body: event }], { WAREHOUSE_URL: DEAD_WAREHOUSE });
    expect(first.explicitAcks).toEqual([]);
    expect(first.retries).toEqual({ w: 10 });
    const second = await run([{ id: 'w', attempts: 2, body: event }], { WAREHOUSE_URL: DEAD_WAREHOUSE });
    expect(second.retries).toEqual({ w: 20 });
    const third = await run([{ id: 'w', attempts: 3, body: event }]);
    expect(third.explicitAcks).toEqual(['w']);
    expect(await logFor(db, key('documents-v1.parquet'))).toEqual([
      expect.objectContaining({ status: 'loaded', rows: 6, attempts: 3 }),
    ]);
  });

  it('keeps document pages typed and the other columns in metadata', async () => {
    const rows = await db.warehouse.query(
      `SELECT document_id, page, text, ocr_confidence, metadata FROM raw_documents WHERE document_id = 'doc-0' ORDER BY page`,
    );
    expect(rows).toEqual([
      {
        document_id: 'doc-0',
        page: 1,
        text: 'page text 0',
        ocr_confidence: 0.5,
        metadata: { language: 'en', scan: { dpi: 300, scanner: 'A' } },
      },
      {
        document_id: 'doc-0',
        page: 2,
        text: 'page text 1',
        ocr_confidence: 0.51,
        metadata: { language: 'en', scan: { dpi: 300, scanner: 'A' } },
      },
    ]);
  });

  it('replaces an object’s earlier version when the same key arrives with a new eTag', async () => {
    const { event } = await upload('vessel-ocr', key('documents-v1.parquet'), 'documents-v2.parquet');
    await run([{ body: event }]);
    const current = await db.warehouse.query(
      `SELECT document_id, page, text FROM raw_documents WHERE valid_to IS NULL ORDER BY document_id, page`,
    );
    expect(current).toEqual([{ document_id: 'doc-0', page: 1, text: 'page text, re-OCRed' }]);
    expect(
      await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM raw_documents WHERE valid_to IS NOT NULL`),
    ).toEqual([{ n: 6 }]);
  });

  it('records a delete event and keeps the loaded rows', async () => {
    const delivery = await run([{ id: 'del', body: deleteEvent('vessel-ocr', key('documents-v1.parquet')) }]);
    expect(delivery.explicitAcks).toEqual(['del']);
    const logs = await logFor(db, key('documents-v1.parquet'));
    expect(logs.map((l) => l.status)).toEqual(['loaded', 'loaded', 'deleted']);
    expect(await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM raw_documents WHERE valid_to IS NULL`)).toEqual(
      [{ n: 1 }],
    );
    const again = await run([{ id: 'del2', body: deleteEvent('vessel-ocr', key('documents-v1.parquet')) }]);
    expect(again.explicitAcks).toEqual(['del2']);
    expect(await logFor(db, key('documents-v1.parquet'))).toHaveLength(3);
  });

  it('keeps the rows on a delete, so the same bytes uploaded again after it are a no-op', async () => {
    // Why the demo's --reset gives its files empty versions instead of deleting them (tools/demo/run.ts).
    const bytes = await fixtureBytes('manifest.csv');
    const object = await putObject('vessel-csv', 'uploads/deleted.csv', bytes);
    await run([{ body: putEvent('vessel-csv', 'uploads/deleted.csv', object) }]);
    await env.CSV_BUCKET.delete('uploads/deleted.csv');
    await run([{ body: deleteEvent('vessel-csv', 'uploads/deleted.csv') }]);
    await putObject('vessel-csv', 'uploads/deleted.csv', bytes);
    const again = { eventTime: '2026-11-21T14:00:00.000Z' };
    await run([{ id: 'after-delete', body: putEvent('vessel-csv', 'uploads/deleted.csv', object, again) }]);
    expect((await logFor(db, 'uploads/deleted.csv')).map((l) => [l.status, l.error])).toEqual([
      ['loaded', null],
      ['deleted', null],
      ['ignored', expect.stringMatching(/^the same content .* is the object's newest loaded version/)],
    ]);
    expect(
      await db.warehouse.query(
        `SELECT count(*)::INTEGER AS n FROM structured_data WHERE source_file = 'uploads/deleted.csv' AND valid_to IS NULL`,
      ),
    ).toEqual([{ n: 2 }]);
  });

  it('acks and records a message that is not an R2 notification', async () => {
    const delivery = await run([{ id: 'junk', body: { hello: 'world', bucket: 'vessel-csv' } }]);
    expect(delivery.explicitAcks).toEqual(['junk']);
    const rows = await db.warehouse.query(
      `SELECT status, action, bucket, error FROM ingest_log WHERE etag = 'unknown:junk'`,
    );
    expect(rows).toEqual([
      {
        status: 'ignored',
        action: 'unknown',
        bucket: 'vessel-csv',
        error: expect.stringMatching(/^account: .*expected string/),
      },
    ]);
  });

  it('ignores an event for a version that has since been replaced', async () => {
    const old = await upload('vessel-csv', 'uploads/replaced.csv', 'manifest.csv');
    await putObject('vessel-csv', 'uploads/replaced.csv', new TextEncoder().encode('a,b\n1,2\n'));
    const delivery = await run([{ id: 'stale', body: old.event }]);
    expect(delivery.explicitAcks).toEqual(['stale']);
    expect(await logFor(db, 'uploads/replaced.csv')).toEqual([
      expect.objectContaining({
        status: 'ignored',
        error: 'a newer version of the object replaced this one; its own event loads it',
      }),
    ]);
  });

  it('loads an object uploaded again unchanged (a new event) after its first event found it deleted', async () => {
    const bytes = await fixtureBytes('manifest.csv');
    const object = await putObject('vessel-csv', 'uploads/again.csv', bytes);
    await env.CSV_BUCKET.delete('uploads/again.csv');
    await run([{ body: putEvent('vessel-csv', 'uploads/again.csv', object) }]);
    expect((await logFor(db, 'uploads/again.csv')).map((l) => l.status)).toEqual(['ignored']);
    await putObject('vessel-csv', 'uploads/again.csv', bytes);
    const again = await run([
      {
        id: 'again',
        body: putEvent('vessel-csv', 'uploads/again.csv', object, { eventTime: '2026-11-21T12:05:00.000Z' }),
      },
    ]);
    expect(again.explicitAcks).toEqual(['again']);
    expect(await logFor(db, 'uploads/again.csv')).toEqual([
      expect.objectContaining({ status: 'ignored' }),
      expect.objectContaining({ status: 'loaded', rows: 2 }),
    ]);
  });

  it.runIf(strategy === 'remote')(
    'retries while the warehouse cannot reach the object, gives up at the last delivery, and loads on a replay',
    async () => {
      const dlq = vi.spyOn(env.INGEST_DLQ, 'send');
      const bytes = await fixtureBytes('structured-types.parquet');
      const where = 'unreachable/types.parquet';
      // In R2, but not where the warehouse reads r2://: as if the warehouse's R2 access were broken.
      const stored = await env.CSV_BUCKET.put(where, bytes);
      if (!stored) throw new Error('put failed');
      const event = putEvent('vessel-csv', where, { etag: stored.etag, size: stored.size });
      const first = await run([{ id: 'u', attempts: 1, body: event }]);
      expect(first.explicitAcks).toEqual([]);
      expect(first.retries).toEqual({ u: 10 });
      // Listed while it is retried, with the reason and the attempt.
      const [retrying] = await logFor(db, where);
      expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, target: 'structured_data' });
      expect(retrying?.error).toMatch(/the warehouse could not load it: .*No files found/);
      expect(dlq).not.toHaveBeenCalled();

      const last = await run([{ id: 'u', attempts: GIVE_UP_AFTER_ATTEMPTS, body: event }]);
      expect(last.explicitAcks).toEqual(['u']);
      const [log] = await logFor(db, where);
      expect(log).toMatchObject({ status: 'failed', error_code: 'gave_up', target: 'structured_data', attempts: 10 });
      expect(log?.error).toMatch(
        /^vessel-csv\/unreachable\/types\.parquet: gave up after 10 deliveries: the warehouse could not load it: .*No files found/,
      );
      expect(dlq).toHaveBeenCalledWith(expect.objectContaining({ reason: 'gave_up', event, error: log?.error }));
      dlq.mockRestore();

      // Fixed, and the dead letter replayed: a failure is not final, so it loads.
      await putObject('vessel-csv', where, bytes);
      const replay = await run([{ id: 'u2', body: event }]);
      expect(replay.explicitAcks).toEqual(['u2']);
      expect(await logFor(db, where)).toEqual([expect.objectContaining({ status: 'loaded', rows: 5000 })]);
    },
  );

  it('loads only the object itself when its key holds glob characters', async () => {
    const text = (s: string) => new TextEncoder().encode(`name\n${s}\n`);
    await putObject('vessel-csv', `globs-${strategy}/other.csv`, text('other'));
    await putObject('vessel-csv', `globs-${strategy}/file1.csv`, text('file1'));
    const star = await putObject('vessel-csv', `globs-${strategy}/*.csv`, text('star'));
    const bracket = await putObject('vessel-csv', `globs-${strategy}/file[1].csv`, text('bracket'));
    const delivery = await run([
      { id: 'star', body: putEvent('vessel-csv', `globs-${strategy}/*.csv`, star) },
      { id: 'bracket', body: putEvent('vessel-csv', `globs-${strategy}/file[1].csv`, bracket) },
    ]);
    expect(delivery.explicitAcks).toEqual(['star', 'bracket']);
    expect(
      await db.warehouse.query(
        `SELECT source_file, data->>'name' AS name FROM structured_data WHERE source_file LIKE $1::VARCHAR ORDER BY name`,
        [`globs-${strategy}/%`],
      ),
    ).toEqual([
      { source_file: `globs-${strategy}/file[1].csv`, name: 'bracket' },
      { source_file: `globs-${strategy}/*.csv`, name: 'star' },
    ]);
  });

  it.runIf(strategy === 'remote')(
    'rolls a remote load back when another version replaced the object while the warehouse read it',
    async () => {
      const encode = (t: string) => new TextEncoder().encode(t);
      const first = await putObject('vessel-csv', 'uploads/moving.csv', encode('v\nfirst\n'));
      const head = env.CSV_BUCKET.head.bind(env.CSV_BUCKET);
      let heads = 0;
      const spy = vi.spyOn(env.CSV_BUCKET, 'head').mockImplementation(async (k: string) => {
        // The second head comes after the warehouse read the object: replace it before answering.
        if (++heads === 2) await putObject('vessel-csv', 'uploads/moving.csv', encode('v\nsecond\n'));
        return head(k);
      });
      const delivery = await run([{ id: 'moving', body: putEvent('vessel-csv', 'uploads/moving.csv', first) }]);
      spy.mockRestore();
      expect(heads).toBe(2);
      expect(delivery.explicitAcks).toEqual(['moving']);
      expect(await logFor(db, 'uploads/moving.csv')).toEqual([
        expect.objectContaining({
          status: 'ignored',
          error: 'the object changed while it was being read; the newer version loads on its own event',
        }),
      ]);
      expect(
        await db.warehouse.query(
          `SELECT count(*)::INTEGER AS n FROM structured_data WHERE source_file = 'uploads/moving.csv'`,
        ),
      ).toEqual([{ n: 0 }]);
    },
  );

  it('loads a key holding a question mark, with push under remote (DuckDB reads ? in a URL as parameters)', async () => {
    const where = `questions-${strategy}/what?.csv`;
    const object = await putObject('vessel-csv', where, new TextEncoder().encode('q\nwhy\n'));
    const delivery = await run([{ id: 'q', body: putEvent('vessel-csv', where, object) }]);
    expect(delivery.explicitAcks).toEqual(['q']);
    expect(await logFor(db, where)).toEqual([expect.objectContaining({ status: 'loaded', rows: 1, strategy: 'push' })]);
  });

  it.each([
    ['a .. segment', '../escape.csv'],
    ['an empty segment', 'double//slash.csv'],
    ['a . segment', './dot.csv'],
  ])('loads a key with %s by that exact key, with push under remote', async (_, name) => {
    const where = `segments-${strategy}/${name}`;
    const object = await putObject('vessel-csv', where, new TextEncoder().encode('q\nwhy\n'));
    const delivery = await run([{ id: 's', body: putEvent('vessel-csv', where, object) }]);
    expect(delivery.explicitAcks).toEqual(['s']);
    expect(await logFor(db, where)).toEqual([expect.objectContaining({ status: 'loaded', rows: 1, strategy: 'push' })]);
  });

  it('rejects a key holding a NUL at once, as a bad file, instead of retrying it', async () => {
    // No file system takes the name, so no object is stored: the key alone decides.
    const where = `nul-${strategy}/a\0b.csv`;
    const delivery = await run([{ id: 'n', body: putEvent('vessel-csv', where, { etag: 'e-nul', size: 8 }) }]);
    expect(delivery.explicitAcks).toEqual(['n']);
    expect(delivery.retries).toEqual({});
    const [log] = await db.warehouse.query<{ status: string; error_code: string; error: string }>(
      `SELECT status, error_code, error FROM ingest_log WHERE key LIKE $1::VARCHAR`,
      [`nul-${strategy}/%`],
    );
    expect(log).toMatchObject({ status: 'failed', error_code: 'bad_file' });
    expect(log?.error).toContain('NUL character');
  });

  it.each([
    ['columns equal but for case', 'dup-case.csv', 'a,A\n1,2\n', '{"a":1,"A_1":2}'],
    ['repeated columns', 'dup-exact.csv', 'x,x,x_1\n1,2,3\n', '{"x":1,"x_1":2,"x_1_1":3}'],
    ['columns equal but for non-ASCII case', 'dup-accent.csv', 'é,É\n1,2\n', '{"é":1,"É":2}'],
    ['a column named file_row_number', 'row-number.csv', 'file_row_number,v\n42,x\n', '{"file_row_number":42,"v":"x"}'],
  ])('loads a file with %s, named as DuckDB names them', async (_, name, text, json) => {
    const where = `names-${strategy}/${name}`;
    const object = await putObject('vessel-csv', where, new TextEncoder().encode(text));
    const delivery = await run([{ id: 'd', body: putEvent('vessel-csv', where, object) }]);
    expect(delivery.explicitAcks).toEqual(['d']);
    expect(await logFor(db, where)).toEqual([expect.objectContaining({ status: 'loaded', rows: 1 })]);
    const rows = await db.warehouse.query<{ n: number; data: string }>(
      'SELECT row_number::INTEGER AS n, data::VARCHAR AS data FROM structured_data WHERE source_file = $1::VARCHAR',
      [where],
    );
    expect(rows).toEqual([{ n: 1, data: json }]);
  });

  it('reads a blank line of a one-column CSV as a NULL, as read_csv does, and skips it in wider files', async () => {
    for (const [name, text, expected] of [
      ['one.csv', 'a\n1\n\n2\n', [1, null, 2]],
      ['two.csv', 'a,b\n1,2\n\n3,4\n', [1, 3]],
    ] as const) {
      const where = `blank-${strategy}/${name}`;
      const object = await putObject('vessel-csv', where, new TextEncoder().encode(text));
      await run([{ body: putEvent('vessel-csv', where, object) }]);
      const rows = await db.warehouse.query<{ n: number; a: number | null }>(
        `SELECT row_number::INTEGER AS n, (data->>'a')::INTEGER AS a FROM structured_data WHERE source_file = $1::VARCHAR ORDER BY row_number`,
        [where],
      );
      expect(rows).toEqual(expected.map((a, i) => ({ n: i + 1, a })));
    }
  });

  it('rejects an empty CSV: it has no header row', async () => {
    const where = `empty-${strategy}/nothing.csv`;
    const object = await putObject('vessel-csv', where, new Uint8Array());
    const delivery = await run([{ id: 'e', body: putEvent('vessel-csv', where, object) }]);
    expect(delivery.explicitAcks).toEqual(['e']);
    expect(await logFor(db, where)).toEqual([
      expect.objectContaining({ status: 'failed', error: `vessel-csv/${where}: the file is empty (no header row)` }),
    ]);
  });

  it('ignores objects that are not data files', async () => {
    const object = await putObject('vessel-csv', 'notes/README.md', new TextEncoder().encode('# hi'));
    await run([{ body: putEvent('vessel-csv', 'notes/README.md', object) }]);
    expect(await logFor(db, 'notes/README.md')).toEqual([
      expect.objectContaining({ status: 'ignored', error: 'not a .parquet or .csv file' }),
    ]);
  });

  it('refuses CSV outside the structured bucket', async () => {
    const { event } = await upload('vessel-annotations', key('manifest.csv'), 'manifest.csv');
    await run([{ body: event }]);
    expect(await logFor(db, key('manifest.csv'))).toEqual([
      expect.objectContaining({
        status: 'failed',
        target: 'annotations',
        error: expect.stringMatching(/CSV loads only into structured_data/),
      }),
    ]);
  });

  it('sends one discovery message per batch that loaded data, listing each load', async () => {
    const discovery = vi.spyOn(env.DISCOVERY_QUEUE, 'send');
    const a = await upload('vessel-csv', key('structured-types.parquet'), 'structured-types.parquet');
    const b = await upload('vessel-csv', key('manifest.csv'), 'manifest.csv');
    const delivery = await run([
      { id: 's1', body: a.event },
      { id: 's2', body: b.event },
    ]);
    expect(delivery.explicitAcks).toEqual(['s1', 's2']);
    expect(discovery).toHaveBeenCalledTimes(1);
    expect(discovery.mock.calls[0]?.[0]).toMatchObject({
      kind: 'ingested',
      loads: [
        { target: 'structured_data', key: key('structured-types.parquet'), rows: 5000 },
        { target: 'structured_data', key: key('manifest.csv'), rows: 2 },
      ],
    });
    discovery.mockRestore();
  });

  it('asks discovery for a run at once after loading a file its writer marked prompt, and queues the note too', async () => {
    const discovery = vi.spyOn(env.DISCOVERY_QUEUE, 'send');
    const prompted: string[] = [];
    const DISCOVERY = {
      runPrompt: async () => {
        prompted.push('run');
        return { status: 'succeeded', runId: 'prompt-run' };
      },
    } as unknown as Env['DISCOVERY'];
    const bytes = await fixtureBytes('annotations-v1.parquet');
    const marked = await putObject('vessel-annotations', key('prompt.parquet'), bytes, {
      [PROMPT_DISCOVERY.key]: PROMPT_DISCOVERY.value,
    });
    const plain = await upload('vessel-annotations', key('not-prompt.parquet'), 'annotations-v1.parquet');
    expect((await run([{ id: 'n1', body: plain.event }], { DISCOVERY })).explicitAcks).toEqual(['n1']);
    expect(prompted).toEqual([]);
    const event = putEvent('vessel-annotations', key('prompt.parquet'), marked);
    expect((await run([{ id: 'p1', body: event }], { DISCOVERY })).explicitAcks).toEqual(['p1']);
    expect(prompted).toEqual(['run']);
    expect(discovery).toHaveBeenCalledTimes(2);
    expect(discovery.mock.calls[1]?.[0]).toMatchObject({ loads: [{ key: key('prompt.parquet'), prompt: true }] });
    expect(discovery.mock.calls[0]?.[0]).not.toMatchObject({ loads: [{ prompt: true }] });
    discovery.mockRestore();
  });

  it('keeps every structured column faithfully, across row groups, with 1-based row numbers', async () => {
    const rows = await db.warehouse.query<{ row_number: string; data: string }>(
      `SELECT row_number::VARCHAR AS row_number, data::VARCHAR AS data FROM structured_data WHERE source_file = $1::VARCHAR AND row_number IN (1, 2, 5000) ORDER BY row_number`,
      [key('structured-types.parquet')],
    );
    expect(rows.map((r) => r.row_number)).toEqual(['1', '2', '5000']);
    const second = rows[1]?.data as string;
    expect(canonicalJson(second)).toBe(
      canonicalJson(
        '{"id":1,"huge":170141184651457515223284617,"big":9007199254740994,"dec":0.1428571429,"dbl":0.3333333333333333,"flt":0.5,' +
          '"ts_tz":"2026-01-01T00:00:00.001001Z","ts":"2026-01-01T00:00:00.001","day":"2026-01-02","bin":"AP9C","list":[1,null,2],' +
          '"obj":{"a":1,"b":"x1","c":[1.5,null]},"m":{"k1":1},"maybe":"v1","flag":false,"special":"NaN"}',
      ),
    );
    // Exact digits survive: the big integer is 2^53 + 2, not rounded to a double.
    expect(second).toContain('"big":9007199254740994');
    expect(second).toContain('"huge":170141184651457515223284617');
    expect(second).toContain('"dec":0.1428571429');
    const specials = await db.warehouse.query<{ s: string }>(
      `SELECT json_extract(data, '$.special')::VARCHAR AS s FROM structured_data WHERE source_file = $1::VARCHAR AND row_number <= 4 ORDER BY row_number`,
      [key('structured-types.parquet')],
    );
    expect(specials.map((r) => r.s)).toEqual(['null', '"NaN"', '"-Infinity"', '2.5']);
  });

  it('loads CSV with inferred types', async () => {
    const rows = await db.warehouse.query<{ data: string }>(
      `SELECT data::VARCHAR AS data FROM structured_data WHERE source_file = $1::VARCHAR ORDER BY row_number`,
      [key('manifest.csv')],
    );
    expect(rows.map((r) => canonicalJson(r.data))).toEqual([
      canonicalJson(
        '{"vessel":"Ever Given","imo":9811000,"tonnage":220940.5,"built":"2018-09-25","inspected_at":"2026-11-20T10:00:00","active":true}',
      ),
      canonicalJson(
        '{"vessel":"Maersk, Mc-Kinney Møller","imo":9619907,"tonnage":194849,"built":"2013-06-14","inspected_at":null,"active":false}',
      ),
    ]);
  });
});

describe('CSV typing (push)', () => {
  it('holds a bounded part of a CSV of long rows, not 20,480 rows of it', async () => {
    const db = await freshDb();
    const field = 'v'.repeat(200);
    const rows = Array.from({ length: 8_000 }, (_, i) => `${i},${Array.from({ length: 10 }, () => field).join(',')}`);
    const text = [`id,${Array.from({ length: 10 }, (_, i) => `c${i}`).join(',')}`, ...rows, ''].join('\n');
    const object = await putObject('vessel-csv', 'csv/long-rows.csv', new TextEncoder().encode(text));
    const logged = vi.spyOn(console, 'log');
    const delivery = await deliver([{ id: 'long', body: putEvent('vessel-csv', 'csv/long-rows.csv', object) }], {
      WAREHOUSE_URL: db.url,
      LOAD_STRATEGY: 'push',
    });
    expect(delivery.explicitAcks).toEqual(['long']);
    const line = logged.mock.calls.map((c) => String(c[0])).find((l) => l.includes('"ingest: loaded"'));
    logged.mockRestore();
    const loaded = JSON.parse(line as string) as { rows: number; peakBytes: number };
    expect(loaded.rows).toBe(8_000);
    // 16 MB of text: the file whole, as UTF-16, would be 32 MB, and each batch as much again in flight.
    expect(loaded.peakBytes).toBeLessThan(20 * 1024 * 1024);
  });

  it('names an empty header cell as read_csv does, padded to the widest index', async () => {
    const db = await freshDb();
    const header = ['a', 'b', 'c', '', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    const text = `${header.join(',')}\n${header.map((_, i) => i).join(',')}\n`;
    for (const strategy of ['push', 'remote'] as const) {
      const key = `csv/wide-${strategy}.csv`;
      const object = await putObject('vessel-csv', key, new TextEncoder().encode(text));
      await deliver([{ body: putEvent('vessel-csv', key, object) }], {
        WAREHOUSE_URL: db.url,
        LOAD_STRATEGY: strategy,
      });
    }
    const keys = await db.warehouse.query<{ key: string }>(
      `SELECT source_file AS key, json_keys(data)[4] AS fourth FROM structured_data ORDER BY source_file`,
    );
    expect(keys).toEqual([
      { key: 'csv/wide-push.csv', fourth: 'column03' },
      { key: 'csv/wide-remote.csv', fourth: 'column03' },
    ]);
  });

  it('types from the first 20,480 rows, keeps later values that do not fit as text, and keeps leading zeros', async () => {
    const db = await freshDb();
    const good = Array.from({ length: 20_480 }, (_, i) => `${i},true,${1000 + i},${i % 2 === 0 ? '007' : '010'}`);
    const late = ['12.5,yes,1_000,5', '1e2,t,-0,6', ' 7,1,+5,7'];
    const text = [',flag,n,code', ...good, ...late, ''].join('\n');
    const object = await putObject('vessel-csv', 'csv/late.csv', new TextEncoder().encode(text));
    const delivery = await deliver([{ id: 'late', body: putEvent('vessel-csv', 'csv/late.csv', object) }], {
      WAREHOUSE_URL: db.url,
      LOAD_STRATEGY: 'push',
    });
    expect(delivery.explicitAcks).toEqual(['late']);
    const rows = await db.warehouse.query<{ data: string }>(
      `SELECT data::VARCHAR AS data FROM structured_data WHERE source_file = 'csv/late.csv' AND row_number IN (1, 20481, 20482, 20483) ORDER BY row_number`,
    );
    expect(rows.map((r) => JSON.parse(r.data))).toEqual([
      { column0: 0, flag: true, n: 1000, code: '007' },
      { column0: '12.5', flag: 'yes', n: '1_000', code: '5' },
      { column0: '1e2', flag: 't', n: 0, code: '6' },
      { column0: ' 7', flag: '1', n: '+5', code: '7' },
    ]);
    // The field profile counts the same values as text.
    const profile = await db.warehouse.query(
      `SELECT path, field_type, rows::INTEGER AS rows FROM load_fields ORDER BY path, field_type`,
    );
    expect(profile).toEqual(
      expect.arrayContaining([
        { path: 'column0', field_type: 'varchar', rows: 3 },
        { path: 'flag', field_type: 'varchar', rows: 3 },
        { path: 'n', field_type: 'varchar', rows: 2 },
        { path: 'code', field_type: 'varchar', rows: 20_483 },
      ]),
    );
  });
});

describe.each(['push', 'remote'] as const)('versions in event order (%s strategy)', (strategy) => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb();
  });
  const run = (messages: Parameters<typeof deliver>[0]) =>
    deliver(messages, { WAREHOUSE_URL: db.url, LOAD_STRATEGY: strategy });
  const at = (time: string) => ({ eventTime: `2026-11-21T${time}:00.000Z` });
  const csv = (value: string) => new TextEncoder().encode(`v\n${value}\n`);
  const current = (key: string) =>
    db.warehouse.query<{ v: string }>(
      `SELECT data->>'v' AS v FROM structured_data WHERE source_file = $1::VARCHAR AND valid_to IS NULL`,
      [key],
    );

  it('loads a revert to earlier content: the same eTag as an old version, but a new event', async () => {
    const key = `revert-${strategy}.csv`;
    const a = await putObject('vessel-csv', key, csv('A'));
    await run([{ body: putEvent('vessel-csv', key, a, at('10:00')) }]);
    const b = await putObject('vessel-csv', key, csv('B'));
    await run([{ body: putEvent('vessel-csv', key, b, at('10:05')) }]);
    const again = await putObject('vessel-csv', key, csv('A'));
    expect(again.etag).toBe(a.etag);
    const delivery = await run([{ id: 'revert', body: putEvent('vessel-csv', key, again, at('10:10')) }]);
    expect(delivery.explicitAcks).toEqual(['revert']);
    expect(await current(key)).toEqual([{ v: 'A' }]);
    expect((await logFor(db, key)).map((l) => l.status)).toEqual(['loaded', 'loaded', 'loaded']);
    // The first event, delivered once more, is still a duplicate.
    await run([{ body: putEvent('vessel-csv', key, a, at('10:00')) }]);
    expect(await logFor(db, key)).toHaveLength(3);
  });

  it('records the same bytes uploaded again as a no-op: its content is already current', async () => {
    const key = `same-${strategy}.csv`;
    const a = await putObject('vessel-csv', key, csv('A'));
    await run([{ body: putEvent('vessel-csv', key, a, at('10:00')) }]);
    const again = await putObject('vessel-csv', key, csv('A'));
    const delivery = await run([{ id: 'same', body: putEvent('vessel-csv', key, again, at('10:20')) }]);
    expect(delivery.explicitAcks).toEqual(['same']);
    expect(await logFor(db, key)).toEqual([
      expect.objectContaining({ status: 'loaded', rows: 1 }),
      expect.objectContaining({
        status: 'ignored',
        error: `the same content (eTag ${a.etag}) is the object's newest loaded version, from the event of 2026-11-21T10:00:00.000Z; nothing to load`,
      }),
    ]);
    expect(
      await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM structured_data WHERE source_file = $1::VARCHAR`, [
        key,
      ]),
    ).toEqual([{ n: 1 }]);
  });

  it('loads one of two events of the same object handled at once; the other settles on its retry', async () => {
    const key = `race-${strategy}.csv`;
    const first = await putObject('vessel-csv', key, csv('same'));
    const second = await putObject('vessel-csv', key, csv('same'));
    const [a, b] = await Promise.all([
      run([{ id: 'race-a', body: putEvent('vessel-csv', key, first, at('10:00')) }]),
      run([{ id: 'race-b', body: putEvent('vessel-csv', key, second, { eventTime: '2026-11-21T10:00:00.050Z' }) }]),
    ]);
    const retried = [a, b].flatMap((d) => Object.keys(d.retries));
    expect([...a.explicitAcks, ...b.explicitAcks, ...retried].sort()).toEqual(['race-a', 'race-b']);
    for (const id of retried) {
      const event =
        id === 'race-a'
          ? putEvent('vessel-csv', key, first, at('10:00'))
          : putEvent('vessel-csv', key, second, { eventTime: '2026-11-21T10:00:00.050Z' });
      expect((await run([{ id, attempts: 2, body: event }])).explicitAcks).toEqual([id]);
    }
    expect(await current(key)).toEqual([{ v: 'same' }]);
  });

  it('ignores an event that arrives after a later event of the same object loaded', async () => {
    const key = `late-${strategy}.csv`;
    const a = await putObject('vessel-csv', key, csv('A'));
    const b = await putObject('vessel-csv', key, csv('B'));
    await run([{ body: putEvent('vessel-csv', key, b, at('10:05')) }]);
    // A's content is uploaded again (10:10) before A's first event (10:00), retried, gets through.
    await putObject('vessel-csv', key, csv('A'));
    const late = await run([{ id: 'late', attempts: 3, body: putEvent('vessel-csv', key, a, at('10:00')) }]);
    expect(late.explicitAcks).toEqual(['late']);
    expect(await current(key)).toEqual([{ v: 'B' }]);
    expect((await logFor(db, key)).at(-1)).toMatchObject({
      status: 'ignored',
      error: 'a later event of this object (2026-11-21T10:05:00.000Z) is already loaded; this one came late',
    });
    await run([{ body: putEvent('vessel-csv', key, a, at('10:10')) }]);
    expect(await current(key)).toEqual([{ v: 'A' }]);
  });

  it('keeps a newer document page current when an older file loads late', async () => {
    const pages = () =>
      db.warehouse.query(
        `SELECT document_id, page, text, valid_to IS NULL AS current, valid_to = valid_from AS never_current
         FROM raw_documents WHERE document_id IN ('doc-0', 'doc-1') ORDER BY document_id, page, current DESC`,
      );
    const run2 = await putObject(
      'vessel-ocr',
      `ocr/run2-${strategy}.parquet`,
      await fixtureBytes('documents-v2.parquet'),
    );
    const run1 = await putObject(
      'vessel-ocr',
      `ocr/run1-${strategy}.parquet`,
      await fixtureBytes('documents-v1.parquet'),
    );
    await run([{ body: putEvent('vessel-ocr', `ocr/run2-${strategy}.parquet`, run2, at('10:05')) }]);
    // run1 was written first (10:00) but a warehouse outage delayed it.
    const late = await run([
      { id: 'run1', attempts: 4, body: putEvent('vessel-ocr', `ocr/run1-${strategy}.parquet`, run1, at('10:00')) },
    ]);
    expect(late.explicitAcks).toEqual(['run1']);
    expect(await pages()).toEqual([
      { document_id: 'doc-0', page: 1, text: 'page text, re-OCRed', current: true, never_current: null },
      { document_id: 'doc-0', page: 1, text: 'page text 0', current: false, never_current: true },
      { document_id: 'doc-0', page: 2, text: 'page text 1', current: true, never_current: null },
      { document_id: 'doc-1', page: 1, text: 'page text 2', current: true, never_current: null },
      { document_id: 'doc-1', page: 2, text: 'page text 3', current: true, never_current: null },
    ]);
    // A newer file still replaces both.
    const run3 = await putObject(
      'vessel-ocr',
      `ocr/run3-${strategy}.parquet`,
      await fixtureBytes('documents-v1.parquet'),
    );
    await run([{ body: putEvent('vessel-ocr', `ocr/run3-${strategy}.parquet`, run3, at('10:10')) }]);
    const now = await db.warehouse.query<{ text: string; source_key: string }>(
      `SELECT text, source_key FROM raw_documents WHERE document_id = 'doc-0' AND page = 1 AND valid_to IS NULL`,
    );
    expect(now).toEqual([{ text: 'page text 0', source_key: `r2://vessel-ocr/ocr/run3-${strategy}.parquet` }]);
  });
});

describe('push transport edge cases', () => {
  // Both strategies load the same files into their own databases; the rows must be identical.
  const loaded: Record<string, string[]> = {};
  beforeAll(async () => {
    for (const strategy of ['push', 'remote'] as const) {
      const db = await freshDb();
      for (const name of ['separators.parquet', 'separators.csv', 'nested-types.parquet']) {
        const { event } = await upload('vessel-csv', `fixtures/${name}`, name);
        const outcome = await deliver([{ body: event }], { WAREHOUSE_URL: db.url, LOAD_STRATEGY: strategy });
        expect(outcome.explicitAcks).toHaveLength(1);
      }
      const rows = await db.warehouse.query<{ data: string }>(
        `SELECT source_file || ' ' || row_number || ' ' || data::VARCHAR AS data FROM structured_data ORDER BY source_file, row_number`,
      );
      loaded[strategy] = rows.map((r) => r.data);
    }
  });

  it('keeps separator bytes, lone NULL marks, empty strings and NULLs apart', async () => {
    const push = loaded.push as string[];
    expect(push).toHaveLength(18);
    const parquet = push.filter((r) => r.startsWith('fixtures/separators.parquet'));
    const cell = (row: number, key: string) => JSON.parse((parquet[row] as string).split(' ').slice(2).join(' '))[key];
    expect([0, 1, 2, 3, 4, 5].map((i) => cell(i, 'marked'))).toEqual([
      'a\x1eb',
      '\x1f',
      '',
      null,
      'it\'s \\ "quoted" ⚓ 🚢',
      '\x1f\x1e',
    ]);
    expect([0, 1, 2].map((i) => cell(i, 'plain'))).toEqual([null, '', 'ok 2']);
    expect(cell(0, 'nothing')).toBeNull();
    expect([0, 1].map((i) => cell(i, 'num'))).toEqual([null, 1.5]);
    expect([0, 1].map((i) => cell(i, 'dbl'))).toEqual([-0, 0.5]);
    expect([0, 1].map((i) => cell(i, 'list'))).toEqual([null, ['\x1e', '\x1f']]);
    const csv = push
      .filter((r) => r.startsWith('fixtures/separators.csv'))
      .map((r) => JSON.parse(r.split(' ').slice(2).join(' ')));
    expect(csv).toEqual([
      { id: 1, marked: 'a\x1eb', plain: 'x' },
      { id: 2, marked: '\x1f', plain: null },
      { id: 3, marked: null, plain: 'y, z' },
    ]);
  });

  it('decodes through IPC what the Arrow C data interface does not take (INTERVAL), then judges the column', async () => {
    const db = await freshDb();
    const { event } = await upload('vessel-csv', 'fixtures/interval.parquet', 'interval.parquet');
    const outcome = await deliver([{ body: event }], { WAREHOUSE_URL: db.url, LOAD_STRATEGY: 'push' });
    expect(outcome.explicitAcks).toHaveLength(1);
    // Not a decoder failure ("row group 0 cannot be decoded"): the IPC fallback read the row group.
    expect(await db.warehouse.query(`SELECT status, error FROM ingest_log`)).toEqual([
      {
        status: 'failed',
        error:
          "vessel-csv/fixtures/interval.parquet: column 'waited' has Arrow type Interval<DAY_TIME>, which has no JSON form here",
      },
    ]);
  });

  it('loads exactly what the remote strategy loads', () => {
    expect(loaded.push).toEqual(loaded.remote);
  });

  it('keeps nested decimals, doubles, UUIDs, JSON and timestamps as they are, as text', () => {
    const [row] = (loaded.push as string[]).filter((r) => r.startsWith('fixtures/nested-types.parquet 1 '));
    const data = (row as string).split(' ').slice(2).join(' ');
    for (const part of [
      '"decimals":[1.50,null,-0.05]',
      '"money":{"a":12345678901234567890.12,"b":1.500}',
      '"priced":{"k":0.10}',
      '"doubles":[0.0,10000000000000000.0,"NaN",-0.0]',
      '"floats":{"x":3.0,"f":2.0}',
      '"ids":["550e8400-e29b-41d4-a716-446655440000"]',
      '"docs":[{"x":[1.5]}]',
      '"stamps_ns":["2023-11-14T22:13:20.123456789","1969-12-31T23:59:59.999999998"]',
      '"ancient":["0045-03-15T(BC)T12:00:00"]',
      '"instants":["2024-02-29T13:45:00.5Z","infinity"]',
      '"times":["24:00:00","12:00:00.25"]',
      '"huge":[99999999999999999999999999999999999999,-5]',
      '"midnight":"24:00:00","fine_time":"12:00:00.123456789","zoned":"10:00:00+00","zoned_list":["00:30:00+00"]',
      '"open_end":"infinity","open_start":"-infinity","open_day":"infinity","open_ms":"infinity","open_ns":"-infinity"',
      '"open_days":["infinity","-infinity","2026-01-01"],"open_ms_list":["infinity","2026-01-01T00:00:00.5"]',
    ]) {
      expect(data).toContain(part);
    }
  });
});

describe('local uploads and the ingestion list', () => {
  it('stores an uploaded file in local R2, queues its notification, and lists the outcome', async () => {
    const db = await freshDb();
    const queued = vi.spyOn(env.INGEST_QUEUE, 'send');
    const worker = (await import('../../workers/main/index.ts')).default;
    const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
    const call = async (path: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request(`http://worker.test${path}`, init),
        { ...env, WAREHOUSE_URL: db.url, LOAD_STRATEGY: 'push' },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return response;
    };
    const bytes = await fixtureBytes('manifest.csv');
    const refused = await call('/v1/objects/vessel-csv/uploads/m.csv', { method: 'PUT', body: bytes });
    expect(refused.status).toBe(401);
    const long = await call(`/v1/objects/vessel-csv/${'k'.repeat(1100)}.csv`, {
      method: 'PUT',
      body: bytes,
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({
      error: { code: 'bad_request', message: 'key refused: the key is longer than 1,024 bytes (R2 allows no more)' },
    });
    const put = await call('/v1/objects/vessel-csv/uploads/m.csv', {
      method: 'PUT',
      body: bytes,
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(put.status).toBe(202);
    const stored = await put.json<{ etag: string; size: number; event: unknown }>();
    expect(stored.size).toBe(bytes.length);
    expect(queued).toHaveBeenCalledWith(stored.event);
    expect(stored.event).toMatchObject({
      action: 'PutObject',
      bucket: 'vessel-csv',
      object: { key: 'uploads/m.csv', eTag: stored.etag },
    });
    queued.mockRestore();
    expect(await (await env.CSV_BUCKET.get('uploads/m.csv'))?.text()).toBe(new TextDecoder().decode(bytes));

    await deliver([{ body: stored.event }], { WAREHOUSE_URL: db.url, LOAD_STRATEGY: 'push' });
    const list = await call('/api/ingestions?status=loaded&bucket=vessel-csv');
    expect(list.status).toBe(200);
    const { ingestions } = await list.json<{ ingestions: { key: string; rows: number; status: string }[] }>();
    expect(ingestions).toEqual([expect.objectContaining({ key: 'uploads/m.csv', rows: 2, status: 'loaded' })]);
    const none = await call('/api/ingestions?status=failed');
    expect((await none.json<{ ingestions: unknown[] }>()).ingestions).toEqual([]);
    const bad = await call('/api/ingestions?status=nonsense');
    expect(bad.status).toBe(400);
    // A date alone is its start in UTC: the load's own day lists it, the day after does not.
    const all = await (await call('/api/ingestions')).json<{ ingestions: { startedAt: string }[] }>();
    const started = new Date((all.ingestions[0] as { startedAt: string }).startedAt);
    const day = (offset: number) => new Date(started.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const sameDay = await (await call(`/api/ingestions?since=${day(0)}`)).json<{ ingestions: unknown[] }>();
    expect(sameDay.ingestions).toHaveLength(1);
    const nextDay = await (await call(`/api/ingestions?since=${day(1)}`)).json<{ ingestions: unknown[] }>();
    expect(nextDay.ingestions).toEqual([]);
    // A date-time without an offset is UTC: a minute before the load lists it, a minute after does not.
    const local = (ms: number) => new Date(started.getTime() + ms).toISOString().slice(0, 19);
    const before = await (await call(`/api/ingestions?since=${local(-60_000)}`)).json<{ ingestions: unknown[] }>();
    expect(before.ingestions).toHaveLength(1);
    const after = await (await call(`/api/ingestions?since=${local(60_000)}`)).json<{ ingestions: unknown[] }>();
    expect(after.ingestions).toEqual([]);
    const wrong = await (await call('/api/ingestions?since=yesterday')).json<{ error: { message: string } }>();
    expect(wrong.error.message).toContain('expected an ISO date (2026-11-21) or date-time');
    const folder = await call('/v1/objects/vessel-csv/uploads/', {
      method: 'PUT',
      body: bytes,
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(folder.status).toBe(400);

    // Deleting: refused without the token, 404 for no such object, else R2's DeleteObject notification.
    expect((await call('/v1/objects/vessel-csv/uploads/m.csv', { method: 'DELETE' })).status).toBe(401);
    const deleting = vi.spyOn(env.INGEST_QUEUE, 'send');
    const authorised = { method: 'DELETE', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } };
    expect((await call('/v1/objects/vessel-csv/uploads/none.csv', authorised)).status).toBe(404);
    const deleted = await call('/v1/objects/vessel-csv/uploads/m.csv', authorised);
    expect(deleted.status).toBe(202);
    const { event: deleteBody } = await deleted.json<{ event: R2Event }>();
    expect(deleting).toHaveBeenCalledWith(deleteBody);
    deleting.mockRestore();
    expect(await env.CSV_BUCKET.head('uploads/m.csv')).toBeNull();
    await deliver([{ body: deleteBody }], { WAREHOUSE_URL: db.url, LOAD_STRATEGY: 'push' });
    const gone = await (await call('/api/ingestions?status=deleted')).json<{ ingestions: { key: string }[] }>();
    expect(gone.ingestions.map((i) => i.key)).toEqual(['uploads/m.csv']);
    const kept = await db.warehouse.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM structured_data WHERE source_file = 'uploads/m.csv' AND valid_to IS NULL`,
    );
    expect(kept).toEqual([{ n: 2 }]);
    const unknownBucket = await call('/v1/objects/nope/x.csv', {
      method: 'PUT',
      body: bytes,
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(unknownBucket.status).toBe(404);
  });
});
