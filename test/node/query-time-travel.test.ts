// Property: for random sequences of loads through the real ingest consumer (new files, re-uploads of a key,
// annotations that supersede an annotator's earlier answer from another file), a time-travel count(*) at
// every past instant equals the count taken live at that instant. Seeded, so a failure replays.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { type QueryDeps, runQuery } from '../../lib/query/run.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';
import { annotationsSql } from '../support/discovery-fixtures.ts';
import { ingestFiles, type TestFile } from '../support/node-loads.ts';

type Step =
  | { readonly kind: 'csv'; readonly key: number; readonly rows: number }
  | {
      readonly kind: 'annotations';
      readonly key: number;
      readonly records: readonly number[];
      readonly annotator: string;
    };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('csv' as const),
    key: fc.integer({ min: 0, max: 2 }),
    rows: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    kind: fc.constant('annotations' as const),
    key: fc.integer({ min: 0, max: 1 }),
    records: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    annotator: fc.constantFrom('alice', 'bob'),
  }),
);

let run = 0;

/** The file a step uploads; its content depends on the step's position, so a re-upload is a new version. */
function fileOf(s: Step, index: number): TestFile {
  if (s.kind === 'csv') {
    return {
      bucket: 'vessel-csv',
      key: `manifests/run-${run}/k${s.key}.parquet`,
      sql: `SELECT (9000000 + i)::INTEGER AS imo, 'v${index}-' || i AS vessel FROM range(${s.rows}) t(i)`,
    };
  }
  return {
    bucket: 'vessel-annotations',
    key: `argilla/run-${run}/a${s.key}.parquet`,
    sql: annotationsSql(
      s.records.map(
        (r) =>
          [
            `r${r}`,
            `doc-${r}`,
            'VESSEL_NAME',
            `name ${index}`,
            s.annotator,
            'submitted',
            '2026-11-20 09:00:00+00',
            null,
          ] as const,
      ),
    ),
  };
}

const COUNTS =
  'SELECT (SELECT count(*) FROM annotations) AS annotations, (SELECT count(*) FROM structured_data) AS rows';

async function counts(deps: QueryDeps, at?: Date): Promise<unknown> {
  const r = await runQuery(
    deps,
    at === undefined
      ? { sql: COUNTS, mode: 'live', executedBy: 'property' }
      : { sql: COUNTS, mode: 'time_travel', at, executedBy: 'property' },
  );
  return r.rows[0];
}

describe('time travel', () => {
  it('counts at every past instant what was counted live then', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 6 }), async (steps) => {
        run++;
        let warehouse: Warehouse | undefined;
        try {
          ({ warehouse } = await migratedDatabase(`time_travel_${run}`));
          const deps: QueryDeps = {
            warehouse,
            clock: () => new Date(),
            now: () => performance.now(),
            newId: () => crypto.randomUUID(),
            log: silentLogger,
          };
          const base = Date.UTC(2026, 10, 21, 12, 0, 0);
          const live: { at: Date; counts: unknown }[] = [];
          for (const [i, s] of steps.entries()) {
            const at = new Date(base + i * 60_000);
            await ingestFiles(warehouse, [fileOf(s, i)], at);
            live.push({ at, counts: await counts(deps) });
          }
          expect(await counts(deps, new Date(base - 1))).toEqual([0, 0]);
          for (const { at, counts: expected } of live) {
            expect(await counts(deps, at)).toEqual(expected);
            // Between two loads, too.
            expect(await counts(deps, new Date(at.getTime() + 30_000))).toEqual(expected);
          }
        } finally {
          await warehouse?.close();
        }
      }),
      { numRuns: 6, seed: 20261121, endOnFailure: true },
    );
  }, 180_000);
});
