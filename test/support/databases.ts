// Each test file gets its own database on the shared embedded warehouse (the URL path picks it).
import { inject } from 'vitest';
import { migrate } from '../../lib/migrations/runner.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { MIGRATION_FILES } from './migration-files.ts';

let counter = 0;

/** A unique, empty database name for this test file. */
export function uniqueDatabase(prefix: string): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}_${counter}`;
}

export function databaseUrl(database: string): string {
  return `${inject('warehouseBaseUrl')}${database}`;
}

/** A fresh database with every migration applied, and a warehouse client for it. */
export async function migratedDatabase(prefix: string): Promise<{ url: string; warehouse: Warehouse }> {
  const url = databaseUrl(uniqueDatabase(prefix));
  const warehouse = createPostgresWarehouse(url, { max: 4 });
  const report = await migrate(warehouse, MIGRATION_FILES);
  if (report.status !== 'ok') throw new Error(`test database migration failed: ${JSON.stringify(report)}`);
  return { url, warehouse };
}
