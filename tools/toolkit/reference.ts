// The schema the migrations define: sql/migrations applied to a throwaway in-memory DuckDB (the embedded
// warehouse in this process, on a free loopback port), read with the same introspection as the live one.
import { randomBytes } from 'node:crypto';
import type { MigrationFile } from '../../lib/migrations/runner.ts';
import { migrate } from '../../lib/migrations/runner.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { SchemaModel } from '../../lib/toolkit/model.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { startWarehouseServer } from '../embedded-warehouse/server.ts';

/** `work` against a fresh in-memory warehouse, closed afterwards. */
export async function withScratchWarehouse<T>(work: (client: Warehouse, url: string) => Promise<T>): Promise<T> {
  const server = await startWarehouseServer({
    databasePath: ':memory:',
    port: 0,
    token: randomBytes(24).toString('hex'),
    r2Directories: {},
  });
  const url = server.url('reference');
  const client = createPostgresWarehouse(url, { max: 1 });
  try {
    return await work(client, url);
  } finally {
    await client.close();
    await server.close();
  }
}

/** The schema after applying `files` (up to and including `to`, a 4-digit number, when given). */
export async function migrationSchema(
  files: readonly MigrationFile[],
  options: { to?: string } = {},
): Promise<SchemaModel> {
  const chosen = options.to === undefined ? files : files.filter((f) => f.name.slice(0, 4) <= (options.to as string));
  return withScratchWarehouse(async (client) => {
    const report = await migrate(client, chosen);
    if (report.status !== 'ok')
      throw new Error(`the migrations do not apply to an empty database: ${JSON.stringify(report)}`);
    return introspect(client);
  });
}
