// Starts the loopback servers every test file shares: one in-memory embedded warehouse (each test file
// uses its own database on it), a fixtures HTTP server, and an Argilla stand-in seeded with the maritime
// fixture (the workerd tests sync from it; Node tests that change Argilla start their own).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../lib/migrations/runner.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { startArgillaStandin } from '../../tools/argilla-standin/server.ts';
import { startWarehouseServer } from '../../tools/embedded-warehouse/server.ts';
import { bucketDirectories } from '../../tools/local/config.ts';
import { writeParquet } from '../../tools/local/write-parquet.ts';
import { readMigrationFiles } from '../../tools/migrations/files.ts';
import { TEST_WAREHOUSE_TOKEN } from './constants.ts';
import { FIXTURE_FILES } from './fixture-files.ts';
import { startFixturesServer } from './fixtures-server.ts';
import { CORPUS_DIR } from './paths.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'living-schema-test-'));
  const r2Directories = bucketDirectories(root);
  const warehouse = await startWarehouseServer({
    databasePath: ':memory:',
    port: 0,
    token: TEST_WAREHOUSE_TOKEN,
    r2Directories,
    maxConnections: 256,
    memoryLimit: '2GB',
  });
  // The database the Workers' own bindings point at (the discovery Worker consumes the real `discovery`
  // queue there, and the service-binding test fires its cron there), migrated like production.
  const defaults = createPostgresWarehouse(warehouse.url('workers_default'), { max: 1 });
  const migrated = await migrate(defaults, await readMigrationFiles());
  await defaults.close();
  if (migrated.status !== 'ok') throw new Error(`migrating workers_default failed: ${JSON.stringify(migrated)}`);
  // The corpus is readable by the warehouse under r2://vessel-csv/corpus/... for remote loads, and the
  // generated fixtures under r2://<every bucket>/fixtures/...
  cpSync(CORPUS_DIR, join(r2Directories['vessel-csv'], 'corpus'), { recursive: true });
  const fixturesDir = join(root, 'fixtures');
  await writeFixtures(fixturesDir);
  for (const dir of Object.values(r2Directories)) cpSync(fixturesDir, join(dir, 'fixtures'), { recursive: true });
  const fixtures = await startFixturesServer(fixturesDir, r2Directories);
  const argilla = await startArgillaStandin({ seed: MARITIME_FIXTURE });

  project.provide('warehouseBaseUrl', warehouse.url('x').replace(/x$/, ''));
  project.provide('r2Directories', r2Directories);
  project.provide('fixturesUrl', fixtures.url);
  project.provide('argillaUrl', argilla.url);
  project.provide('argillaApiKey', argilla.apiKey);

  return async () => {
    await fixtures.close();
    await argilla.close();
    await warehouse.close();
    rmSync(root, { recursive: true, force: true });
  };
}

async function writeFixtures(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, spec] of Object.entries(FIXTURE_FILES)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if ('text' in spec) writeFileSync(path, spec.text);
    else await writeParquet(path, spec.sql, spec.options);
  }
}
