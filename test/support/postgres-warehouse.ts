// What the postgres.js adapter adds to the warehouse port: its own statement and load timeouts, and how it
// reports servers it cannot use. Run from Node and from workerd, next to the port contract.
import { describe, expect, inject, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { databaseUrl, uniqueDatabase } from './databases.ts';

export function describePostgresWarehouse(runtime: string): void {
  describe(`postgres.js warehouse adapter (${runtime})`, () => {
    it('gives a file load its own, longer timeout than other statements', async () => {
      const url = databaseUrl(uniqueDatabase(`timeouts_${runtime}`));
      const setup = createPostgresWarehouse(url, { max: 1 });
      await setup.exec('CREATE TABLE loaded (id INTEGER)');
      await setup.close();
      // 1 ms: no statement gets through, not even the connection it opens first; a load has a minute.
      const hurried = createPostgresWarehouse(url, { max: 1, queryTimeoutMs: 1, loadTimeoutMs: 60_000 });
      try {
        const error = await hurried.query('SELECT 1 AS one').catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: 'warehouse_unavailable',
          message: 'warehouse statement timed out after 1 ms',
        });
        const rows = await hurried.loadFile({
          url: 'r2://vessel-csv/corpus/data/alltypes_plain.parquet',
          table: 'loaded',
          columns: ['id'],
          select: ['id'],
        });
        expect(rows).toBe(8);
      } finally {
        await hurried.close();
      }
    });

    it('reports a warehouse that cannot be reached as a transient error', async () => {
      const down = createPostgresWarehouse('postgres://postgres:whatever-token-123456@127.0.0.1:1/nowhere', {
        connectTimeoutSeconds: 2,
      });
      const error = await down.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'warehouse_unavailable', retryable: true });
      await down.close();
    });

    it('gives up on a server that does not speak Postgres (an HTTP port) after the connect timeout', async () => {
      // postgres.js alone reconnects to such a server at once, forever; the statement timeout (2 min) ended it.
      const http = new URL(inject('fixturesUrl'));
      const wrong = createPostgresWarehouse(`postgres://postgres:whatever-token-123456@${http.host}/living_schema`, {
        connectTimeoutSeconds: 1,
      });
      const error = await wrong.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'warehouse_unavailable', retryable: true });
      expect((error as Error).message).toContain('no Postgres server answered within 1 s');
      await wrong.close();
    });

    it('reports a wrong token as a transient error (fixing the secret fixes the queue)', async () => {
      const url = new URL(inject('warehouseBaseUrl'));
      url.password = 'wrong-token-0000000000';
      const wrong = createPostgresWarehouse(`${url.toString()}contract_wrong_token`, { connectTimeoutSeconds: 2 });
      const error = await wrong.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'warehouse_unavailable', retryable: true, sqlstate: '28P01' });
      await wrong.close();
    });

    it('has the warehouse cancel a statement past its own time limit, in a transaction too, and goes on', async () => {
      const slow = 'SELECT count(*) AS n FROM range(100000000) a, range(100000) b WHERE a.range + b.range < 0';
      const w = createPostgresWarehouse(databaseUrl(uniqueDatabase(`cancel_${runtime}`)), { max: 1 });
      try {
        const error = await w.query(slow, [], { timeoutMs: 300 }).catch((e: unknown) => e);
        // 57014 is DuckDB's own "Interrupted!", sent back once the CancelRequest stopped it.
        expect(error).toMatchObject({ code: 'query_timeout', sqlstate: '57014', retryable: false });
        expect((error as Error).message).toBe('statement cancelled by the warehouse after 300 ms');
        // The pool's one connection answers at once: nothing is left running on it.
        expect(await w.query('SELECT 42::INTEGER AS n')).toEqual([{ n: 42 }]);
        const inTransaction = await w
          .transaction((tx) => tx.query(slow, [], { timeoutMs: 300 }))
          .catch((e: unknown) => e);
        expect(inTransaction).toMatchObject({ code: 'query_timeout', sqlstate: '57014' });
        expect(await w.query('SELECT 43::INTEGER AS n')).toEqual([{ n: 43 }]);
      } finally {
        await w.close();
      }
    });
  });
}
