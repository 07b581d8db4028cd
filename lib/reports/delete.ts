// Deleting a saved report: its runs and definition in one transaction, then its stored results in R2. An
// object left behind by a failed delete is unreachable (no run names it), never a run without its result.
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { ReportDeps } from './deps.ts';
import { getReport } from './tables.ts';

const KeyRow = z.object({ object_key: z.string() });

export interface DeletedReport {
  readonly id: string;
  readonly name: string;
  readonly runs: number;
  readonly objects: number;
}

export async function deleteReport(deps: Pick<ReportDeps, 'warehouse' | 'store'>, id: string): Promise<DeletedReport> {
  const { report, keys, runs } = await deps.warehouse.transaction(async (tx) => {
    const found = await getReport(tx, id);
    if (!found) throw new AppError('not_found', `no report ${id}`);
    const rows = await tx.query('SELECT object_key FROM report_runs WHERE saved_query_id = $1::VARCHAR', [id]);
    await tx.execute('DELETE FROM report_runs WHERE saved_query_id = $1::VARCHAR', [id]);
    await tx.execute('DELETE FROM saved_queries WHERE id = $1::VARCHAR', [id]);
    const stored = rows.flatMap((r) => {
      const parsed = KeyRow.safeParse(r);
      return parsed.success ? [parsed.data.object_key] : [];
    });
    return { report: found, keys: stored, runs: rows.length };
  });
  await deps.store.delete(keys);
  return { id, name: report.name, runs, objects: keys.length };
}
