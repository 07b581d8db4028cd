// Batch-aware loading under remote (lib/ingest/batch.ts) and push (lib/ingest/batch-push.ts): a queue batch of
// small Parquet files through the real consumer into the real embedded warehouse, next to the same files
// loaded one message at a time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { type IncomingMessage, type IngestDeps, ingestBatch } from '../../lib/ingest/consumer.ts';
import type { Strategy } from '../../lib/ingest/load/types.ts';
import { localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse, WarehouseSession } from '../../lib/warehouse/port.ts';
import { directoryStore } from '../../tools/local/fs-store.ts';
import { migratedDatabase } from '../support/databases.ts';
import { TEST_ROUTES, writeFiles } from '../support/node-loads.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';

// push decodes in this process, as a Worker does.
initParquetWasmForNode();

const warehouses: Warehouse[] = [];
afterAll(async () => {
  await Promise.all(warehouses.map((w) => w.close()));
});
async function freshDb(): Promise<Warehouse> {
  const { warehouse } = await migratedDatabase('ingest_batch');
  warehouses.push(warehouse);
  return warehouse;
}

let run = 0;
const prefix = () => `batch-${Date.now().toString(36)}-${++run}`;

const annotations = (record: string, entity: string, annotator = 'alice', extra = '') =>
  `SELECT '${record}' AS record_id, 'doc-1' AS document_id, '${entity}' AS entity_type, 0 AS "start", 5 AS "end",
     'Ever Given' AS text, '${annotator}' AS annotator, 'vessels' AS dataset${extra}`;

/** Statements the consumer sent, by the warehouse port's method. */
interface Counted {
  readonly warehouse: Warehouse;
  readonly calls: string[];
}

/** A warehouse that records every statement, and fails those `fail` picks with a transient error. */
function counted(inner: Warehouse, fail: (sql: string) => boolean = () => false): Counted {
  const calls: string[] = [];
  const check = (sql: string) => {
    calls.push(sql);
    if (fail(sql)) throw new AppError('warehouse_unavailable', 'connection reset (injected)', { retryable: true });
  };
  const wrap = (s: WarehouseSession): WarehouseSession => ({
    query: async (sql, params, options) => {
      check(sql);
      return s.query(sql, params, options);
    },
    execute: async (sql, params) => {
      check(sql);
      return s.execute(sql, params);
    },
    exec: async (sql) => {
      check(sql);
      return s.exec(sql);
    },
    loadFile: async (load) => {
      check(`loadFile ${load.url}`);
      return s.loadFile(load);
    },
  });
  return {
    calls,
    warehouse: {
      ...wrap(inner),
      transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
      close: () => inner.close(),
    },
  };
}

function deps(warehouse: Warehouse, strategy: Strategy, letters: unknown[] = []): IngestDeps {
  return {
    warehouse,
    store: directoryStore(inject('r2Directories')),
    routes: TEST_ROUTES,
    strategy,
    clock: () => new Date(),
    newId: () => crypto.randomUUID(),
    log: silentLogger,
    deadLetter: async (letter) => {
      letters.push(letter);
    },
    notifyDiscovery: async () => {},
  };
}

/** The notification of an object as it is now in the local bucket, at `eventTime`. */
async function eventOf(bucket: 'vessel-annotations' | 'vessel-ocr' | 'vessel-csv', key: string, eventTime: string) {
  const head = await directoryStore(inject('r2Directories')).head(bucket, key);
  if (!head) throw new Error(`no ${bucket}/${key}`);
  return localObjectEvent({ ...head, bucket, key, now: new Date(eventTime), account: 'test' });
}

const messages = (bodies: readonly unknown[]): IncomingMessage[] =>
  bodies.map((body, i) => ({ id: `m${i}`, attempts: 1, body }));

/** A batch's INSERT: one statement for the rows of several files, each row's lineage joined by its file. */
const isBatchInsert = (sql: string) => sql.startsWith('INSERT INTO') && sql.includes('__ls_m.__ls_load_id');
const batchInserts = (calls: readonly string[]) => calls.filter(isBatchInsert);
/** The statement that loads one file's rows on the per-file path. */
const singleLoad: Record<Strategy, (sql: string) => boolean> = {
  remote: (sql) => sql.startsWith('loadFile'),
  push: (sql) => sql.startsWith('INSERT INTO annotations') && !isBatchInsert(sql),
};

/**
 * The annotations as a comparable list: which rows are current. (Rows that a later file of the same batch
 * replaces are stored closed at arrival, valid_to = valid_from: the batch commits at once, so they were never
 * current; loaded alone they would have been, until the next file.)
 */
async function state(db: Warehouse) {
  return db.query(
    `SELECT record_id, entity_type, annotator, source_key, valid_to IS NULL AS current
     FROM annotations ORDER BY record_id, annotator, entity_type, source_key`,
  );
}

describe.each(['remote', 'push'] as const)('batch-aware loading (%s)', (strategy) => {
  it('loads a batch of small files in one INSERT and one bookkeeping text, with every row’s lineage', async () => {
    const p = prefix();
    const keys = Array.from({ length: 6 }, (_, i) => `${p}/file-${i}.parquet`);
    await writeFiles(
      keys.map((key, i) => ({ bucket: 'vessel-annotations', key, sql: annotations(`r${i}`, 'VESSEL_NAME') })),
    );
    const db = counted(await freshDb());
    const bodies = await Promise.all(keys.map((k) => eventOf('vessel-annotations', k, '2026-11-21T10:00:00Z')));
    const report = await ingestBatch(messages(bodies), deps(db.warehouse, strategy));
    expect(report.counts.loaded).toBe(6);
    expect(report.verdicts.map((v) => v.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(batchInserts(db.calls)).toHaveLength(1);
    // Admission, survey, DESCRIBE, heads, INSERT, bookkeeping: a fixed number, not one set per file.
    expect(db.calls.length).toBeLessThanOrEqual(6);
    const rows = await db.warehouse.query<{
      source_key: string;
      batch_id: string;
      load_id: string;
      id: string;
      rows: number;
    }>(
      `SELECT a.source_key, a.batch_id, a.load_id, l.id, l.rows::INTEGER AS rows FROM annotations a JOIN ingest_log l ON l.id = a.load_id ORDER BY a.source_key`,
    );
    expect(rows.map((r) => r.source_key)).toEqual(keys.map((k) => `r2://vessel-annotations/${k}`));
    expect(rows.map((r) => r.batch_id)).toEqual(
      keys.map((k) => `${k}@${(bodies[keys.indexOf(k)] as { object: { eTag: string } }).object.eTag}`),
    );
    expect(new Set(rows.map((r) => r.load_id)).size).toBe(6);
    expect(await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM ingest_heads`)).toEqual([{ n: 6 }]);
    // Delivered again: duplicates, nothing loaded twice.
    const again = await ingestBatch(messages(bodies), deps(db.warehouse, strategy));
    expect(again.counts.duplicate).toBe(6);
    expect(await db.warehouse.query(`SELECT count(*)::INTEGER AS n FROM annotations`)).toEqual([{ n: 6 }]);
  });

  it('dead-letters a bad file alone and loads the good files of its batch', async () => {
    const p = prefix();
    const good = [0, 1, 2].map((i) => `${p}/good-${i}.parquet`);
    await writeFiles(good.map((key, i) => ({ bucket: 'vessel-annotations', key, sql: annotations(`g${i}`, 'PORT') })));
    const truncated = `${p}/truncated.parquet`;
    const missing = `${p}/missing-text.parquet`;
    await writeFiles([
      { bucket: 'vessel-annotations', key: truncated, sql: annotations('t', 'PORT') },
      {
        bucket: 'vessel-annotations',
        key: missing,
        sql: `SELECT 'm' AS record_id, 'd' AS document_id, 'PORT' AS entity_type, 0 AS "start", 1 AS "end"`,
      },
    ]);
    const path = join(inject('r2Directories')['vessel-annotations'] as string, truncated);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from('PAR1 not really a parquet file'));
    const db = await freshDb();
    const letters: { reason: string; error: string }[] = [];
    const bodies = await Promise.all(
      [good[0], truncated, good[1], missing, good[2]].map((k) =>
        eventOf('vessel-annotations', k as string, '2026-11-21T10:00:00Z'),
      ),
    );
    const report = await ingestBatch(messages(bodies), deps(db, strategy, letters));
    expect(report.outcomes.map((o) => o.kind)).toEqual(['loaded', 'failed', 'loaded', 'failed', 'loaded']);
    expect(report.verdicts.every((v) => v.action === 'ack')).toBe(true);
    expect(letters.map((l) => l.reason)).toEqual(['bad_file', 'bad_file']);
    expect(letters.map((l) => l.error).sort()).toEqual([
      expect.stringContaining(`${missing}: required column 'text' is missing`),
      expect.stringContaining(
        strategy === 'remote' ? `${truncated}: the warehouse refused the data` : `${truncated}: `,
      ),
    ]);
    expect(await db.query(`SELECT record_id FROM annotations ORDER BY record_id`)).toEqual([
      { record_id: 'g0' },
      { record_id: 'g1' },
      { record_id: 'g2' },
    ]);
  });

  it('ends in the state loading the files one by one in event-time order gives: two versions of one key, one identity in two files', async () => {
    const p = prefix();
    const key = `${p}/sync.parquet`;
    const other = `${p}/other.parquet`;
    const third = `${p}/third.parquet`;
    // Version 1 of `key`, then version 2 replaces it; `other` and `third` answer r1 (alice) again, later and earlier.
    await writeFiles([{ bucket: 'vessel-annotations', key, sql: annotations('r1', 'VESSEL_NAME') }]);
    const v1 = await eventOf('vessel-annotations', key, '2026-11-21T10:00:00Z');
    await writeFiles([
      {
        bucket: 'vessel-annotations',
        key,
        sql: `${annotations('r1', 'IMO_NUMBER')} UNION ALL ${annotations('r2', 'PORT')}`,
      },
      { bucket: 'vessel-annotations', key: other, sql: annotations('r1', 'FLAG_STATE') },
      {
        bucket: 'vessel-annotations',
        key: third,
        sql: `${annotations('r1', 'CALL_SIGN')} UNION ALL ${annotations('r2', 'CALL_SIGN', 'bob')}`,
      },
    ]);
    const v2 = await eventOf('vessel-annotations', key, '2026-11-21T10:05:00Z');
    const late = await eventOf('vessel-annotations', other, '2026-11-21T10:10:00Z');
    const early = await eventOf('vessel-annotations', third, '2026-11-21T09:55:00Z');
    // Already in: an older file that answers r2 (bob) and a newer one that answers r9.
    const earlier = `${p}/earlier.parquet`;
    const newer = `${p}/newer.parquet`;
    await writeFiles([
      { bucket: 'vessel-annotations', key: earlier, sql: annotations('r2', 'VESSEL_NAME', 'bob') },
      {
        bucket: 'vessel-annotations',
        key: newer,
        sql: `${annotations('r9', 'PORT')} UNION ALL ${annotations('r2', 'IMO_NUMBER', 'bob')}`,
      },
    ]);
    const before = [
      await eventOf('vessel-annotations', earlier, '2026-11-21T09:00:00Z'),
      await eventOf('vessel-annotations', newer, '2026-11-21T11:00:00Z'),
    ];
    const batch = [late, v2, early, v1];

    const batched = counted(await freshDb());
    const one = await freshDb();
    for (const body of before) {
      await ingestBatch(messages([body]), deps(batched.warehouse, strategy));
      await ingestBatch(messages([body]), deps(one, strategy));
    }
    const report = await ingestBatch(messages(batch), deps(batched.warehouse, strategy));
    expect(batchInserts(batched.calls)).toHaveLength(1);
    // One message at a time, in event-time order.
    const sorted = [...batch].sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    const alone = [];
    for (const body of sorted)
      alone.push(...(await ingestBatch(messages([body]), deps(one, strategy))).outcomes.map((o) => o.kind));
    expect(report.outcomes.map((o) => o.kind).sort()).toEqual(alone.sort());
    expect(report.outcomes.map((o) => o.kind)).toEqual(['loaded', 'loaded', 'loaded', 'ignored']);
    expect(await state(batched.warehouse)).toEqual(await state(one));
    expect(
      await batched.warehouse.query(
        `SELECT record_id, annotator, entity_type FROM annotations WHERE valid_to IS NULL ORDER BY record_id, annotator`,
      ),
    ).toEqual([
      { record_id: 'r1', annotator: 'alice', entity_type: 'FLAG_STATE' },
      { record_id: 'r2', annotator: 'alice', entity_type: 'PORT' },
      { record_id: 'r2', annotator: 'bob', entity_type: 'IMO_NUMBER' },
      { record_id: 'r9', annotator: 'alice', entity_type: 'PORT' },
    ]);
  });

  it('gives every row of a batch the JSON, row number and lineage its file gets loaded alone', async () => {
    const p = prefix();
    // Varied types, NULLs, a NaN in one file, a separator byte in a string.
    const files = [
      `SELECT i AS id, 'v' || i AS vessel, i * 1.5 AS dwt, TIMESTAMP '2026-01-01' + INTERVAL (i) HOUR AS seen,
         [i, i + 1] AS list, {'a': i, 'b': 'x'} AS st, CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS maybe
       FROM range(5) t(i)`,
      `SELECT i AS id, 'w' || i AS vessel, CASE WHEN i = 2 THEN 'nan'::DOUBLE ELSE i END AS dwt,
         TIMESTAMP '2026-02-01' AS seen, [i] AS list, {'a': i, 'b': NULL} AS st, NULL::INTEGER AS maybe
       FROM range(4) t(i)`,
      `SELECT i AS id, 'odd' || chr(30) || i AS vessel, 0.25 AS dwt, NULL::TIMESTAMP AS seen, []::BIGINT[] AS list,
         NULL AS st, i AS maybe FROM range(3) t(i)`,
      `SELECT 9 AS id, 'empty' AS vessel WHERE false`,
    ].map((sql, i) => ({ bucket: 'vessel-csv' as const, key: `${p}/part-${i}.parquet`, sql }));
    await writeFiles(files);
    const bodies = await Promise.all(files.map((f) => eventOf('vessel-csv', f.key, '2026-11-21T10:00:00Z')));
    const batched = counted(await freshDb());
    const one = await freshDb();
    const report = await ingestBatch(messages(bodies), deps(batched.warehouse, strategy));
    expect(report.counts.loaded).toBe(4);
    expect(batchInserts(batched.calls).length).toBeGreaterThanOrEqual(1);
    for (const body of bodies) await ingestBatch(messages([body]), deps(one, strategy));
    const rows = (db: Warehouse) =>
      db.query(
        `SELECT source, source_file, row_number, data::VARCHAR AS data, batch_id, source_key, valid_to IS NULL AS current
         FROM structured_data ORDER BY source_file, row_number`,
      );
    const alone = await rows(one);
    expect(alone).toHaveLength(12);
    expect(await rows(batched.warehouse)).toEqual(alone);
    const fields = (db: Warehouse) =>
      db.query(
        `SELECT l.key, f.path, f.field_type, f.rows::INTEGER AS rows, f.null_count::INTEGER AS nulls
         FROM load_fields f JOIN ingest_log l ON l.id = f.load_id ORDER BY l.key, f.path`,
      );
    expect(await fields(batched.warehouse)).toEqual(await fields(one));
  });

  it('falls back to one file at a time when the batch statement fails on a transient error, and commits nothing of it', async () => {
    const p = prefix();
    const keys = [0, 1, 2].map((i) => `${p}/t-${i}.parquet`);
    await writeFiles(keys.map((key, i) => ({ bucket: 'vessel-annotations', key, sql: annotations(`t${i}`, 'PORT') })));
    const bodies = await Promise.all(keys.map((k) => eventOf('vessel-annotations', k, '2026-11-21T10:00:00Z')));
    // The batch INSERT fails once: the same files then load one by one.
    let failures = 0;
    const flaky = counted(await freshDb(), (sql) => isBatchInsert(sql) && failures++ === 0);
    const report = await ingestBatch(messages(bodies), deps(flaky.warehouse, strategy));
    expect(report.counts.loaded).toBe(3);
    expect(flaky.calls.filter(singleLoad[strategy])).toHaveLength(3);
    expect(await flaky.warehouse.query(`SELECT count(*)::INTEGER AS n FROM annotations`)).toEqual([{ n: 3 }]);
    expect(await flaky.warehouse.query(`SELECT count(*)::INTEGER AS n FROM ingest_log`)).toEqual([{ n: 3 }]);

    // Down for every load: each message is retried with backoff, and nothing is left behind.
    const raw = await freshDb();
    const down = counted(raw, (sql) => isBatchInsert(sql) || singleLoad[strategy](sql));
    const failed = await ingestBatch(messages(bodies), deps(down.warehouse, strategy));
    expect(failed.verdicts).toEqual(bodies.map((_, i) => ({ id: `m${i}`, action: 'retry', delaySeconds: 10 })));
    expect(await down.warehouse.query(`SELECT count(*)::INTEGER AS n FROM annotations`)).toEqual([{ n: 0 }]);
    expect(await down.warehouse.query(`SELECT count(*)::INTEGER AS n FROM ingest_heads`)).toEqual([{ n: 0 }]);
    expect(await down.warehouse.query(`SELECT status, count(*)::INTEGER AS n FROM ingest_log GROUP BY status`)).toEqual(
      [],
    );
    // Back: the redelivery loads the batch in one statement.
    const back = counted(raw);
    const retried = await ingestBatch(
      bodies.map((body, i) => ({ id: `m${i}`, attempts: 2, body })),
      deps(back.warehouse, strategy),
    );
    expect(retried.counts.loaded).toBe(3);
    expect(batchInserts(back.calls)).toHaveLength(1);
  });
});
