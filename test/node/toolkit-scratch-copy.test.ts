// The scratch copy `migrate --test` runs on: the live schema recreated from its stored DDL and a sample of its rows,
// value for value, for the types that are easy to get wrong on the way (JSON, lists, structs, maps, decimals,
// hugeints, blobs, timestamps, enums, intervals, NaN).
import { afterAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { withScratchWarehouse } from '../../tools/toolkit/reference.ts';
import { copyLiveSchema } from '../../tools/toolkit/scratch-copy.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';

const live: Warehouse = createPostgresWarehouse(databaseUrl(uniqueDatabase('scratch_copy')), { max: 2 });
afterAll(() => live.close());

const WIDE = `CREATE TYPE mood AS ENUM ('calm', 'rough');
CREATE SEQUENCE wide_ids START 100;
CREATE TABLE wide (
  id INTEGER PRIMARY KEY DEFAULT nextval('wide_ids'), j JSON, l VARCHAR[], s STRUCT(x INTEGER, "y z" VARCHAR, n DECIMAL(20,5)[]),
  d DECIMAL(38,10), ts TIMESTAMPTZ, t TIMESTAMP, b BLOB, m mood, f DOUBLE, mp MAP(VARCHAR, INTEGER), u UUID, iv INTERVAL,
  dt DATE, hi HUGEINT, jl JSON[], a INTEGER[3], e VARCHAR, ml mood[]
);
CREATE UNIQUE INDEX wide_e ON wide (e);
CREATE VIEW calm AS SELECT id, e FROM wide WHERE m = 'calm';
CREATE VIEW calm_ids AS SELECT id FROM calm;
INSERT INTO wide (id, j, l, s, d, ts, t, b, m, f, mp, u, iv, dt, hi, jl, a, e, ml) VALUES
  (1, '{"a":[1,2,{"b":null}], "s":"x\\"y"}', ['a', 'b,c', NULL, 'it''s', 'NULL', '', ' sp ', '[x]', '{y}', 'q"t', 'back\\slash'],
   {'x': 1, 'y z': 'q', 'n': [1.5, 123456789012345.12345]}, 1234567890123456789012345678.0123456789,
   '2026-01-01 12:34:56.123456+00', '2026-01-01 12:34:56.123456', '\\x00\\xFFab'::BLOB, 'rough', 0.1,
   MAP {'k,1': 1, 'x': NULL}, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', INTERVAL 3 DAY + INTERVAL 5 MICROSECOND,
   DATE '2026-02-03', 170141183460469231731687303715884105727, ['{"a": 1}'::JSON, '[1, "x"]'], [1, 2, 3],
   'line1
line2 ''quoted'' é 🚢', ['calm', 'rough']),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NaN'::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', []),
  (3, 'null', [], {'x': NULL, 'y z': NULL, 'n': NULL}, -0.0000000001, 'infinity', '-infinity', ''::BLOB, 'calm', '-inf',
   MAP {}, NULL, NULL, 'infinity', -1, [NULL], [NULL, NULL, 1], 'NULL', [NULL]);
CREATE TABLE many AS SELECT range AS n FROM range(50);`;

/** Every value of `table` as DuckDB's text, by id, plus JSON values as parsed JSON. */
const valuesOf = (db: Warehouse, table: string) =>
  db.query(
    `SELECT columns(* EXCLUDE (j, jl))::VARCHAR, j::VARCHAR AS j, to_json(jl)::VARCHAR AS jl FROM ${table} ORDER BY id`,
  );

describe('the scratch copy of a live database', () => {
  it('recreates types, sequences, tables, views and indexes, and copies rows value for value', async () => {
    await live.exec(WIDE);
    const before = await valuesOf(live, 'wide');
    await withScratchWarehouse(async (scratch) => {
      const copy = await copyLiveSchema(live, scratch, { sample: 20 });
      expect(copy.notes).toEqual([]);
      expect(copy.tables).toEqual([
        { name: 'wide', rows: 3, copied: 3 },
        { name: 'many', rows: 50, copied: 20 },
      ]);
      expect(await valuesOf(scratch, 'wide')).toEqual(before);
      // JSON text is kept exactly, not re-serialised.
      expect(await scratch.query('SELECT j::VARCHAR AS j FROM wide WHERE id = 1')).toEqual([
        { j: '{"a":[1,2,{"b":null}], "s":"x\\"y"}' },
      ]);
      expect(await scratch.query('SELECT count(*)::INTEGER AS n FROM many')).toEqual([{ n: 20 }]);
      expect(await scratch.query('SELECT id FROM calm_ids ORDER BY id')).toEqual([{ id: 3 }]);
      expect(await scratch.query(`SELECT nextval('wide_ids')::INTEGER AS id`)).toEqual([{ id: 100 }]);
      await expect(scratch.exec(`INSERT INTO wide (id, e) VALUES (9, 'NULL')`)).rejects.toThrow(
        /duplicate|constraint/i,
      );
      expect(
        await scratch.query(
          `SELECT labels FROM duckdb_types() WHERE type_name = 'mood' AND database_name = current_database()`,
        ),
      ).toEqual([{ labels: ['calm', 'rough'] }]);
    });
  });
});
