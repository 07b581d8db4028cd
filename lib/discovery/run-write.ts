// A run's third step, write: the planned rows and conflicts into the catalog tables, the datasets' and
// sources' newest activity, and the loads it took in marked as taken, so the next incremental run starts
// after them.
import type { WarehouseSession } from '../warehouse/port.ts';
import { type ActivityRow, writeActivity } from './activity.ts';
import { insertConflicts } from './catalog-tables/entity-conflicts.ts';
import { writeEntityRows } from './catalog-tables/entity-types.ts';
import { writeFieldRows } from './catalog-tables/field-definitions.ts';
import type { PendingLoad } from './observe.ts';
import type { RunPlan } from './run-plan.ts';

export async function writeCatalog(
  tx: WarehouseSession,
  plan: RunPlan,
  activity: readonly ActivityRow[],
  runId: string,
  now: Date,
): Promise<void> {
  await writeEntityRows(tx, plan.entityRows);
  await writeFieldRows(tx, plan.fieldRows);
  await insertConflicts(tx, plan.conflicts, runId, now);
  await writeActivity(tx, activity);
}

/** Records `loads` as taken in by the run (discovery_consumed), whatever their number, in one statement. */
export async function consumeLoads(
  tx: WarehouseSession,
  loads: readonly PendingLoad[],
  runId: string,
  now: Date,
): Promise<void> {
  if (loads.length === 0) return;
  await tx.execute(
    `INSERT INTO discovery_consumed (load_id, run_id, consumed_at)
     SELECT unnest(json_transform($1::VARCHAR, '["VARCHAR"]')), $2::VARCHAR, $3::TIMESTAMPTZ
     ON CONFLICT (load_id) DO NOTHING`,
    [JSON.stringify(loads.map((l) => l.id)), runId, now],
  );
}
