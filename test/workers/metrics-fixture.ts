// Rows for the operations views, written straight into the catalog and query_executions: two ISO weeks of
// March 2026 (Monday 2 and Monday 9) and one snapshot and one conflict now. docs/metrics.md explains the views;
// test/workers/metrics-api.test.ts states what each one must make of these rows.
import type { SqlParam, Warehouse } from '../../lib/warehouse/port.ts';

/** An entity type name as an SME might type it: quotes, backslashes, braces, a line break, a CR, an emoji. */
export const HOSTILE = 'VESSEL "X" \\ {a="b",c}\nnext\r😀\\';

const at = (iso: string | null): string => (iso === null ? 'NULL' : `TIMESTAMPTZ '${iso}'`);

type Type = [
  name: string,
  status: string,
  mergedInto: string | null,
  occurrences: number,
  documents: number,
  proposals: number,
  lastSeen: string | null,
  datasets: string | null,
  createdAt: string,
];

// Occurrences of candidate, active and stale types: 150 + 45 + 2 + 2 + 1 = 200.
const TYPES: Type[] = [
  ['VESSEL_NAME', 'active', null, 150, 40, 0, '2026-03-01 00:00:00+00', '["vessels"]', '2026-03-02 09:00:00+00'],
  ['IMO_NUMBER', 'active', null, 45, 30, 0, '2026-03-10 00:00:00+00', '["other","vessels"]', '2026-03-02 09:00:00+00'],
  ['FLAG_STATE', 'active', null, 2, 2, 0, '2026-03-05 12:00:00+00', '["vessels"]', '2026-03-03 10:00:00+00'],
  ['PORT', 'stale', null, 2, 1, 0, '2026-01-01 00:00:00+00', '[]', '2026-03-09 08:00:00+00'],
  [HOSTILE, 'candidate', null, 1, 1, 1, null, null, '2026-03-10 07:00:00+00'],
  ['VESSEL_NAM', 'merged', 'VESSEL_NAME', 5, 5, 0, '2026-03-01 00:00:00+00', '["vessels"]', '2026-03-10 08:00:00+00'],
  ['MISSPELT', 'rejected', null, 3, 1, 0, '2026-03-01 00:00:00+00', '["vessels"]', '2026-03-10 09:00:00+00'],
];

/** Durations of the query API's executions: [schema version, mode, status, duration ms, executed at]. */
const EXECUTIONS: [number | null, string, string, number | null, string][] = [
  [3, 'live', 'ok', 10, '2026-03-05 10:00:00+00'],
  [3, 'live', 'ok', 20, '2026-03-05 10:01:00+00'],
  [3, 'live', 'ok', 30, '2026-03-05 10:02:00+00'],
  [3, 'live', 'error', 40, '2026-03-05 10:03:00+00'],
  [3, 'live', 'ok', 100, '2026-03-05 10:04:00+00'],
  // No duration: not in slow_queries at all, not even as its newest execution.
  [3, 'live', 'error', null, '2026-03-06 00:00:00+00'],
  [3, 'time_travel', 'error', 500, '2026-03-05 11:00:00+00'],
  [2, 'live', 'ok', 5, '2026-03-03 10:00:00+00'],
  [2, 'live', 'ok', 15, '2026-03-03 11:00:00+00'],
  [null, 'live', 'ok', 7, '2026-03-01 10:00:00+00'],
];

/** Writes the fixture; names go in as parameters, so the hostile one reaches the warehouse as it is. */
export async function seedMetrics(warehouse: Warehouse): Promise<void> {
  await warehouse.exec(
    `INSERT INTO schema_snapshots (version, semver, bump, published_at, catalog, diff, content_hash) VALUES
       (1, '0.1.0', 'minor', ${at('2026-03-02 09:00:00+00')}, '{}', '[]', 'h1'),
       (2, '0.1.1', 'patch', ${at('2026-03-02 23:59:59.999+00')}, '{}', '[]', 'h2'),
       (3, '0.2.0', 'minor', ${at('2026-03-04 00:00:00+00')}, '{}', '[]', 'h3'),
       -- 23:30 on Sunday at UTC-2 is 01:30 on Monday in UTC: the next ISO week.
       (4, '1.0.0', 'major', ${at('2026-03-08 23:30:00-02:00')}, '{}', '[]', 'h4'),
       (5, '1.1.0', 'minor', now(), '{}', '[]', 'h5')`,
  );
  for (const [name, status, mergedInto, occurrences, documents, proposals, lastSeen, datasets, createdAt] of TYPES) {
    const params: SqlParam[] = [name, status, mergedInto, occurrences, documents, proposals, datasets];
    await warehouse.execute(
      `INSERT INTO entity_types (name, status, merged_into, occurrence_count, document_count, proposal_count, datasets,
                                 first_seen, last_seen, created_at, updated_at)
       VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::BIGINT, $5::BIGINT, $6::BIGINT, $7::JSON,
               ${at(lastSeen)}, ${at(lastSeen)}, ${at(createdAt)}, ${at(createdAt)})`,
      params,
    );
  }
  await warehouse.exec(
    `INSERT INTO field_definitions (source, name, inferred_type, created_at, updated_at) VALUES
       ('registry', 'imo', 'bigint', ${at('2026-03-04 10:00:00+00')}, now()),
       ('registry', 'flag', 'varchar', ${at('2026-03-04 10:00:00+00')}, now()),
       ('registry', 'vessel', 'varchar', ${at('2026-03-04 23:00:00+00')}, now()),
       ('manifests', 'port', 'varchar', ${at('2026-03-09 10:00:00+00')}, now())`,
  );
  const conflict = `INSERT INTO entity_conflicts (id, kind, source, pair, new_name, existing_name, score, reasons, status,
                      decision, decided_at, detected_at)
                    VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, 0.9, '[]',
                      $7::VARCHAR, $8::VARCHAR, $9::TIMESTAMPTZ, coalesce($10::TIMESTAMPTZ, now()))`;
  const conflicts: SqlParam[][] = [
    [
      'c1',
      'entity_type',
      '',
      'a',
      'VESSEL_NAM',
      'VESSEL_NAME',
      'merged',
      'merge',
      '2026-03-04T08:00:00Z',
      '2026-03-02T12:00:00Z',
    ],
    // A field's conflict: in the queue, but about no entity type.
    ['c2', 'field', 'registry', 'b', 'imo_no', 'imo', 'open', null, null, '2026-03-03T12:00:00Z'],
    [
      'c3',
      'entity_type',
      '',
      'c',
      'MISSPELT',
      'FLAG_STATE',
      'rejected',
      'reject',
      '2026-03-10T18:00:00Z',
      '2026-03-10T09:00:00Z',
    ],
    ['c4', 'entity_type', '', 'd', HOSTILE, 'VESSEL_NAME', 'open', null, null, null],
  ];
  for (const params of conflicts) await warehouse.execute(conflict, params);
  await warehouse.exec(
    `INSERT INTO discovery_activity (kind, scope, newest_at) VALUES
       ('dataset', 'vessels', ${at('2026-03-05 12:00:00+00')}), ('dataset', 'other', ${at('2026-03-20 00:00:00+00')}),
       ('dataset', '', ${at('2026-02-15 00:00:00+00')}), ('source', 'other', ${at('2027-01-01 00:00:00+00')})`,
  );
  for (const [i, [version, mode, status, duration, executedAt]] of EXECUTIONS.entries()) {
    await warehouse.execute(
      `INSERT INTO query_executions (id, mode, sql, snapshot_version, status, duration_ms, executed_at)
       VALUES ($1::VARCHAR, $2::VARCHAR, 'SELECT 1', $3::INTEGER, $4::VARCHAR, $5::INTEGER, $6::TIMESTAMPTZ)`,
      [`q${i}`, mode, version, status, duration, new Date(executedAt.replace(' ', 'T').replace('+00', 'Z'))],
    );
  }
}
