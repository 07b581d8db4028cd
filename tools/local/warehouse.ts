// Starting the file-backed embedded warehouse for local use, migrated, as `npm start` and
// `npm run warehouse` both do.

import { describeProblem, type MigrationReport, migrate } from '../../lib/migrations/runner.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { startWarehouseServer, type WarehouseServer } from '../embedded-warehouse/server.ts';
import { readMigrationFiles } from '../migrations/files.ts';
import type { LocalConfig } from './config.ts';
import { parseWarehouseUrl } from './dev-vars.ts';

export interface LocalWarehouse {
  readonly server: WarehouseServer;
  readonly migrations: MigrationReport;
}

/** Starts the warehouse described by WAREHOUSE_URL (port, token, database name) and migrates it. */
export async function startLocalWarehouse(
  config: LocalConfig,
  warehouseUrl: string,
  options: { migrate?: boolean; log?: (line: string) => void } = {},
): Promise<LocalWarehouse> {
  const { host, port, token, database } = parseWarehouseUrl(warehouseUrl);
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`WAREHOUSE_URL points at ${host}; the embedded warehouse only runs on 127.0.0.1`);
  }
  const server = await startWarehouseServer({
    databasePath: config.databaseFile(database),
    port,
    token,
    r2Directories: config.r2Directories,
    ...(options.log ? { log: options.log } : {}),
    logConnections: config.logConnections,
    ...(config.memoryLimit ? { memoryLimit: config.memoryLimit } : {}),
  });
  if (options.migrate === false)
    return { server, migrations: { status: 'ok', applied: [], alreadyApplied: 0, dryRun: true } };
  const client = createPostgresWarehouse(warehouseUrl, { max: 1 });
  try {
    const migrations = await migrate(client, await readMigrationFiles(), {
      onApply: (name) => options.log?.(`migrate: applying ${name}`),
    });
    return { server, migrations };
  } finally {
    await client.close();
  }
}

/** Human lines for a migration report. */
export function formatMigrationReport(report: MigrationReport): string[] {
  switch (report.status) {
    case 'ok':
      if (report.dryRun) {
        return report.applied.length === 0
          ? [`migrations: up to date (${report.alreadyApplied} applied), nothing to do`]
          : [`migrations: would apply ${report.applied.join(', ')}`];
      }
      return report.applied.length === 0
        ? [`migrations: up to date (${report.alreadyApplied} applied)`]
        : [
            `migrations: applied ${report.applied.join(', ')} (${report.alreadyApplied + report.applied.length} in total)`,
          ];
    case 'refused':
      return ['migrations: refused to run:', ...report.problems.map((p) => `  - ${describeProblem(p)}`)];
    case 'failed':
      return [
        report.failed === null
          ? `migrations: could not read the migration record: ${report.error}`
          : `migrations: ${report.failed} failed and was rolled back: ${report.error}`,
        ...(report.applied.length > 0 ? [`  applied before it: ${report.applied.join(', ')}`] : []),
      ];
  }
}
