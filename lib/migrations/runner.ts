// Applies sql/migrations/NNNN_*.sql in order, each in a transaction, recording name + SHA-256 checksum.
// Applied migrations are append-only history: an edited, removed or reordered file stops the runner.
import { sha256Hex } from '../core/hash.ts';
import { errorMessage } from '../errors.ts';
import type { Warehouse, WarehouseSession } from '../warehouse/port.ts';

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
}

export interface AppliedMigration {
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: string;
}

export type MigrationProblem =
  | { readonly kind: 'edited'; readonly name: string; readonly recorded: string; readonly actual: string }
  | { readonly kind: 'removed'; readonly name: string }
  | { readonly kind: 'reordered'; readonly name: string; readonly before: string }
  | { readonly kind: 'misnamed'; readonly name: string };

export interface MigrationStatus {
  readonly applied: readonly AppliedMigration[];
  readonly pending: readonly string[];
  readonly problems: readonly MigrationProblem[];
}

export type MigrationReport =
  | {
      readonly status: 'ok';
      readonly applied: readonly string[];
      readonly alreadyApplied: number;
      readonly dryRun: boolean;
    }
  | { readonly status: 'refused'; readonly problems: readonly MigrationProblem[]; readonly messages: readonly string[] }
  | {
      readonly status: 'failed';
      readonly applied: readonly string[];
      /** The migration that failed; null when reading the migration record failed. */
      readonly failed: string | null;
      readonly error: string;
    };

export const MIGRATION_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;

const BOOTSTRAP = `CREATE TABLE IF NOT EXISTS schema_migrations (
    name        VARCHAR PRIMARY KEY,
    checksum    VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
)`;

/** SHA-256 of a migration's text, with line endings normalised so a CRLF checkout is not an "edit". */
export async function checksumOf(sql: string): Promise<string> {
  return sha256Hex(sql.replaceAll('\r\n', '\n'));
}

/**
 * Compares what the warehouse has applied with the files. It creates an empty `schema_migrations` when there is
 * none, unless `readOnly` (then a database without it has applied nothing).
 */
export async function migrationStatus(
  warehouse: WarehouseSession,
  files: readonly MigrationFile[],
  options: { readonly readOnly?: boolean } = {},
): Promise<MigrationStatus> {
  if (!options.readOnly) await warehouse.exec(BOOTSTRAP);
  const exists =
    !options.readOnly ||
    (
      await warehouse.query<{ n: number }>(
        `SELECT count(*)::INTEGER AS n FROM duckdb_tables()
          WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'schema_migrations'`,
      )
    )[0]?.n === 1;
  const rows = exists
    ? await warehouse.query<{ name: string; checksum: string; applied_at: Date | string }>(
        'SELECT name, checksum, applied_at FROM schema_migrations ORDER BY name',
      )
    : [];
  const applied = rows.map((r) => ({
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at instanceof Date ? r.applied_at.toISOString() : String(r.applied_at),
  }));
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  const checksums = new Map<string, string>();
  for (const f of sorted) checksums.set(f.name, await checksumOf(f.sql));
  return { applied, ...compare(applied, sorted, checksums) };
}

function compare(
  applied: readonly AppliedMigration[],
  files: readonly MigrationFile[],
  checksums: ReadonlyMap<string, string>,
): { pending: string[]; problems: MigrationProblem[] } {
  const problems: MigrationProblem[] = [];
  for (const f of files) if (!MIGRATION_NAME.test(f.name)) problems.push({ kind: 'misnamed', name: f.name });
  const appliedNames = new Set(applied.map((a) => a.name));
  for (const a of applied) {
    const actual = checksums.get(a.name);
    if (actual === undefined) problems.push({ kind: 'removed', name: a.name });
    else if (actual !== a.checksum) problems.push({ kind: 'edited', name: a.name, recorded: a.checksum, actual });
  }
  const lastApplied = applied.at(-1)?.name;
  const pending = files.map((f) => f.name).filter((n) => !appliedNames.has(n));
  if (lastApplied !== undefined) {
    for (const name of pending) {
      if (name < lastApplied) problems.push({ kind: 'reordered', name, before: lastApplied });
    }
  }
  return { pending, problems };
}

/** A sentence per problem, saying what happened and what to do. */
export function describeProblem(p: MigrationProblem): string {
  switch (p.kind) {
    case 'edited':
      return `${p.name} was edited after it was applied (recorded checksum ${p.recorded.slice(0, 12)}…, file now ${p.actual.slice(0, 12)}…): revert the edit and put the change in a new migration`;
    case 'removed':
      return `${p.name} was applied but its file is gone: restore it (applied migrations are history and stay)`;
    case 'reordered':
      return `${p.name} is new but sorts before the already applied ${p.before}: give it a number after the last applied migration`;
    case 'misnamed':
      return `${p.name} does not match NNNN_name.sql (four digits, lower-case name): rename it`;
  }
}

export interface MigrateOptions {
  readonly dryRun?: boolean;
  readonly clock?: () => Date;
  /** Called before each migration is applied (progress output). */
  readonly onApply?: (name: string) => void;
}

/** Applies pending migrations in order; returns a report and never throws for expected outcomes. */
export async function migrate(
  warehouse: Warehouse,
  files: readonly MigrationFile[],
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const clock = options.clock ?? (() => new Date());
  let status: MigrationStatus;
  try {
    status = await migrationStatus(warehouse, files);
  } catch (error) {
    return { status: 'failed', applied: [], failed: null, error: errorMessage(error) };
  }
  if (status.problems.length > 0) {
    return { status: 'refused', problems: status.problems, messages: status.problems.map(describeProblem) };
  }
  if (options.dryRun) {
    return { status: 'ok', applied: status.pending, alreadyApplied: status.applied.length, dryRun: true };
  }
  const byName = new Map(files.map((f) => [f.name, f]));
  const applied: string[] = [];
  for (const name of status.pending) {
    const file = byName.get(name) as MigrationFile;
    const checksum = await checksumOf(file.sql);
    options.onApply?.(name);
    try {
      const ran = await warehouse.transaction(async (tx) => {
        // Another runner may have applied it since the status was read: its commit is visible here.
        const done = await tx.query('SELECT 1 AS done FROM schema_migrations WHERE name = $1::VARCHAR', [name]);
        if (done.length > 0) return false;
        await tx.exec(file.sql);
        await tx.query(
          'INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ($1::VARCHAR, $2::VARCHAR, $3::TIMESTAMPTZ)',
          [name, checksum, clock()],
        );
        return true;
      });
      if (!ran) continue;
    } catch (error) {
      return { status: 'failed', applied, failed: name, error: errorMessage(error) };
    }
    applied.push(name);
  }
  return { status: 'ok', applied, alreadyApplied: status.applied.length, dryRun: false };
}
