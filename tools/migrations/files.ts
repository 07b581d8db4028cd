// Reads migration files from disk (Node only: the CLI, `npm start` and tests).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationFile } from '../../lib/migrations/runner.ts';

/** The project's own migrations folder. */
export const MIGRATIONS_DIR = new URL('../../sql/migrations/', import.meta.url).pathname;

/** Every `.sql` file in the folder, sorted by name (misnamed ones too, so the runner can refuse them). */
export async function readMigrationFiles(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
}
