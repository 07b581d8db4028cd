// Round trips to the warehouse per file on the one-file path: what a remote warehouse (MotherDuck, tens of
// milliseconds away) charges for every file, however small, beyond the load itself.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import type { Strategy } from '../../lib/ingest/load/types.ts';
import { localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse, WarehouseSession } from '../../lib/warehouse/port.ts';
import { directoryStore } from '../../tools/local/fs-store.ts';
import { migratedDatabase } from '../support/databases.ts';
import { TEST_ROUTES, writeFiles } from '../support/node-loads.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';

interface Counts {
  /** Statements sent, BEGIN and COMMIT included. */
  statements: number;
  /** Statements sent while none was in flight: each waits for the warehouse's answer to the one before. */
  trips: number;
}

/** The warehouse, counting statements and round trips (pipelined statements share one). */
function counting(inner: Warehouse): { warehouse: Warehouse; counts: Counts } {
  const counts: Counts = { statements: 0, trips: 0 };
  let inFlight = 0;
  const track = <T>(run: () => Promise<T>): Promise<T> => {
    counts.statements++;
    if (inFlight === 0) counts.trips++;
    inFlight++;
    const running = run();
    running.then(
      () => inFlight--,
      () => inFlight--,
    );
    return running;
  };
  const wrap = (s: WarehouseSession): WarehouseSession => ({
    query: (sql, params, options) => track(() => s.query(sql, params, options)),
    execute: (sql, params) => track(() => s.execute(sql, params)),
    exec: (sql) => track(() => s.exec(sql)),
    loadFile: (load) => track(() => s.loadFile(load)),
  });
  const warehouse: Warehouse = {
    ...wrap(inner),
    transaction: async (fn) => {
      // BEGIN and COMMIT: one round trip each.
      counts.statements += 2;
      counts.trips += 2;
      return inner.transaction((tx) => fn(wrap(tx)));
    },
    close: () => inner.close(),
  };
  return { warehouse, counts };
}

const annotations = (version: number) => `SELECT 'rec-' || (i // 3) AS record_id, 'doc-' || (i // 30) AS document_id,
  'VESSEL_NAME' AS entity_type, 0 AS "start", 5 AS "end", 'v${version}' AS text, 'annotator-' || (i % 7) AS annotator,
  'submitted' AS status, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS annotated_at, 'ds' AS dataset, i % 4 AS page_hint
  FROM range(1000) t(i)`;

describe.each(['remote', 'push'] as const)('round trips per file (%s)', (strategy: Strategy) => {
  let db: { url: string; warehouse: Warehouse };
  beforeAll(async () => {
    initParquetWasmForNode();
    db = await migratedDatabase(`trips_${strategy}`);
  });
  afterAll(async () => {
    await db.warehouse.close();
  });

  async function load(key: string, version: number, at: string): Promise<Counts> {
    await writeFiles([{ bucket: 'vessel-annotations', key, sql: annotations(version) }]);
    const store = directoryStore(inject('r2Directories'));
    const head = await store.head('vessel-annotations', key);
    if (!head) throw new Error('not written');
    const { warehouse, counts } = counting(db.warehouse);
    const now = new Date(at);
    const report = await ingestBatch(
      [
        {
          id: `${key}-${version}`,
          attempts: 1,
          body: localObjectEvent({ ...head, bucket: 'vessel-annotations', key, now, account: 'test' }),
        },
      ],
      {
        warehouse,
        store,
        routes: TEST_ROUTES,
        strategy,
        clock: () => now,
        newId: () => crypto.randomUUID(),
        log: silentLogger,
        deadLetter: async () => {},
        notifyDiscovery: async () => {},
      },
    );
    expect(report.counts.loaded).toBe(1);
    return counts;
  }

  it('a first load takes 6 round trips, and a new version that supersedes it 7', async () => {
    const key = `trips/${strategy}.parquet`;
    const first = await load(key, 1, '2026-11-21T10:00:00Z');
    const second = await load(key, 2, '2026-11-21T11:00:00Z');
    const [rows] = await db.warehouse.query<{ current: number; closed: number }>(
      `SELECT count(*) FILTER (WHERE valid_to IS NULL)::INTEGER AS current, count(*) FILTER (WHERE valid_to IS NOT NULL)::INTEGER AS closed FROM annotations WHERE source_key LIKE '%' || $1::VARCHAR`,
      [key],
    );
    expect(rows).toEqual({ current: 1000, closed: 1000 });
    // Before these were pipelined: remote 9 and 10 round trips, push 8 and 9. Now: the prior-outcome read,
    // BEGIN, the claim with the loader's first questions (remote: its describes; both: the supersede probe),
    // the load, the records (fields, ingest_log), COMMIT; a new version adds the UPDATE that closes the old rows.
    const statements = strategy === 'remote' ? 11 : 8;
    expect({ first, second }).toEqual({
      first: { statements, trips: 6 },
      second: { statements: statements + 1, trips: 7 },
    });
  });
});
