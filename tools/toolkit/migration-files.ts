// The migration files a toolkit command works on: `--dir DIR`, else sql/migrations.
import { errorMessage } from '../../lib/errors.ts';
import type { MigrationFile, MigrationProblem } from '../../lib/migrations/runner.ts';
import { describeProblem } from '../../lib/migrations/runner.ts';
import { MIGRATIONS_DIR, readMigrationFiles } from '../migrations/files.ts';
import type { CommandContext } from './cli.ts';
import { UsageError } from './cli.ts';

/** The files of `--dir` (default sql/migrations); a folder that cannot be read is a usage error. */
export async function commandMigrationFiles(ctx: CommandContext): Promise<{ dir: string; files: MigrationFile[] }> {
  const dir = ctx.args.values.get('dir') ?? MIGRATIONS_DIR;
  try {
    return { dir, files: await readMigrationFiles(dir) };
  } catch (error) {
    throw new UsageError(`cannot read migrations from ${dir}: ${errorMessage(error)}`);
  }
}

/** A problem as the `--json` documents give it: the runner's record and its sentence. */
export const problemDocument = (p: MigrationProblem) => ({ ...p, message: describeProblem(p) });
