// One contract for every implementation of the warehouse port, run from Node and from workerd: each
// implementation passes a factory for a warehouse on a fresh, empty database that reads r2://vessel-csv/
// like the embedded warehouse does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';

export function describeWarehouseContract(implementation: string, create: () => Warehouse): void {
  describe(`warehouse port contract (${implementation})`, () => {
    let warehouse: Warehouse;

    beforeAll(async () => {
      warehouse = create();
      await warehouse.exec(`
        CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price DECIMAL(12, 2), tags VARCHAR[], info JSON, seen TIMESTAMPTZ, raw BLOB);
        CREATE TABLE loaded (id INTEGER, bool_col BOOLEAN, string_col VARCHAR);
      `);
    });

    afterAll(async () => {
      await warehouse.close();
    });

    it('returns rows as objects with values typed by column', async () => {
      const rows = await warehouse.query(
        `SELECT 1::INTEGER AS i, 9007199254740993::BIGINT AS big, 'x' AS s, true AS b, NULL::VARCHAR AS n,
                TIMESTAMPTZ '2024-05-01 10:00:00+00' AS ts, '{"a": [1, 2]}'::JSON AS j, [1, 2]::INTEGER[] AS l,
                12.50::DECIMAL(10, 2) AS d, 0.5::DOUBLE AS f, DATE '2024-02-29' AS day`,
      );
      expect(rows).toHaveLength(1);
      const row = rows[0] as Record<string, unknown>;
      expect(row.i).toBe(1);
      expect(row.big).toBe('9007199254740993');
      expect(row.s).toBe('x');
      expect(row.b).toBe(true);
      expect(row.n).toBeNull();
      expect((row.ts as Date).toISOString()).toBe('2024-05-01T10:00:00.000Z');
      expect(row.j).toEqual({ a: [1, 2] });
      expect(row.l).toEqual([1, 2]);
      expect(row.d).toBe('12.50');
      expect(row.f).toBe(0.5);
      expect((row.day as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    });

    it('binds every parameter type and round-trips it', async () => {
      const seen = new Date('2024-06-01T12:34:56.789Z');
      await warehouse.query(
        `INSERT INTO items (id, name, price, tags, info, seen, raw)
         VALUES ($1::INTEGER, $2::VARCHAR, $3::DECIMAL(12, 2), $4::VARCHAR[], $5::JSON, $6::TIMESTAMPTZ, $7::BLOB)`,
        [1, 'O\'Brien \\ "quoted"', '19.99', "['a', 'b']", '{"k": "v"}', seen, new Uint8Array([0, 1, 254, 255])],
      );
      const [found] = await warehouse.query(
        'SELECT id, name, price, tags, info, seen, raw FROM items WHERE id = $1::INTEGER AND name = $2::VARCHAR',
        [1, 'O\'Brien \\ "quoted"'],
      );
      const row = found as Record<string, unknown>;
      expect(row).toMatchObject({
        id: 1,
        name: 'O\'Brien \\ "quoted"',
        price: '19.99',
        tags: ['a', 'b'],
        info: { k: 'v' },
      });
      expect((row.seen as Date).toISOString()).toBe(seen.toISOString());
      expect([...(row.raw as Uint8Array)]).toEqual([0, 1, 254, 255]);
      const [flags] = await warehouse.query('SELECT $1::BOOLEAN AS t, $2::BIGINT AS big, $3::VARCHAR AS n', [
        false,
        12345678901234567n,
        null,
      ]);
      expect(flags).toEqual({ t: false, big: '12345678901234567', n: null });
    });

    it('runs several statements in one exec', async () => {
      await warehouse.exec(`
        CREATE TABLE multi (a INTEGER);
        INSERT INTO multi VALUES (1), (2);
        INSERT INTO multi VALUES (3);
      `);
      const rows = await warehouse.query('SELECT sum(a)::INTEGER AS total FROM multi');
      expect(rows).toEqual([{ total: 6 }]);
    });

    it('commits a transaction that resolves', async () => {
      const result = await warehouse.transaction(async (tx) => {
        await tx.query(`INSERT INTO items (id, name) VALUES (10, 'ten')`);
        await tx.query(`INSERT INTO items (id, name) VALUES (11, 'eleven')`);
        return tx.query('SELECT count(*)::INTEGER AS c FROM items WHERE id >= 10');
      });
      expect(result).toEqual([{ c: 2 }]);
      expect(await warehouse.query('SELECT count(*)::INTEGER AS c FROM items WHERE id >= 10')).toEqual([{ c: 2 }]);
    });

    it('rolls back a transaction that throws, and rethrows the same error', async () => {
      const boom = new Error('caller failed half way');
      await expect(
        warehouse.transaction(async (tx) => {
          await tx.query(`INSERT INTO items (id, name) VALUES (20, 'twenty')`);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await warehouse.query('SELECT count(*)::INTEGER AS c FROM items WHERE id = 20')).toEqual([{ c: 0 }]);
    });

    it('rolls back a transaction whose statement fails', async () => {
      const error = await warehouse
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO items (id, name) VALUES (30, 'thirty')`);
          await tx.query(`INSERT INTO items (id, name) VALUES (30, 'duplicate')`);
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'warehouse_query', retryable: false, sqlstate: '23505' });
      expect(await warehouse.query('SELECT count(*)::INTEGER AS c FROM items WHERE id = 30')).toEqual([{ c: 0 }]);
    });

    it('reports SQL errors with a SQLSTATE and stays usable', async () => {
      const error = await warehouse.query('SELEC 1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'warehouse_query', retryable: false, sqlstate: '42601' });
      expect((error as Error).message).toMatch(/syntax error/);
      const missing = await warehouse.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: 'warehouse_query', sqlstate: '42P01' });
      expect(await warehouse.query('SELECT 2::INTEGER AS ok')).toEqual([{ ok: 2 }]);
    });

    it('loads a Parquet file the warehouse reads from R2 itself', async () => {
      const rows = await warehouse.loadFile({
        url: 'r2://vessel-csv/corpus/data/alltypes_plain.parquet',
        table: 'loaded',
        columns: ['id', 'bool_col', 'string_col'],
        select: ['id', 'bool_col', 'CAST(string_col AS VARCHAR)'],
      });
      expect(rows).toBe(8);
      expect(await warehouse.query('SELECT count(*)::INTEGER AS c, sum(id)::INTEGER AS s FROM loaded')).toEqual([
        { c: 8, s: 28 },
      ]);
    });

    it('refuses an R2 bucket it does not know, naming it', async () => {
      const error = await warehouse
        .loadFile({ url: 'r2://no-such-bucket/x.parquet', table: 'loaded', columns: ['id'], select: ['id'] })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'warehouse_query' });
      expect((error as Error).message).toMatch(/unknown R2 bucket 'no-such-bucket'/);
    });

    it('serves concurrent queries on several connections', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          warehouse.query('SELECT $1::INTEGER * 2 AS v, count(*)::INTEGER AS n FROM range(50000)', [i]),
        ),
      );
      expect(results.map((r) => r[0])).toEqual(Array.from({ length: 8 }, (_, i) => ({ v: i * 2, n: 50000 })));
    });
  });
}
