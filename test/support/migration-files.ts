/// <reference types="vite/client" />
// The migration files, bundled by Vite so workerd tests (which cannot read the disk) can migrate too.
import type { MigrationFile } from '../../lib/migrations/runner.ts';

const modules = import.meta.glob<string>('../../sql/migrations/*.sql', {
  query: '?raw',
  import: 'default',
  eager: true,
});

export const MIGRATION_FILES: readonly MigrationFile[] = Object.entries(modules)
  .map(([path, sql]) => ({ name: path.slice(path.lastIndexOf('/') + 1), sql }))
  .sort((a, b) => a.name.localeCompare(b.name));

/** What /health reports once every migration is applied. */
export const ALL_APPLIED = {
  applied: MIGRATION_FILES.length,
  latest: MIGRATION_FILES.at(-1)?.name ?? null,
} as const;
