// A person's decision on a conflict, and what it does to the catalog. The next discovery run publishes the
// change as a snapshot.
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Warehouse, WarehouseSession } from '../warehouse/port.ts';
import { type ConflictRow, DecisionKind, getConflict } from './catalog-tables/entity-conflicts.ts';
import { EntryStatus } from './snapshot.ts';

export const Decision = z.strictObject({
  decision: DecisionKind,
  /** Who decided (recorded with the decision). */
  by: z.string().trim().min(1).max(200),
  note: z.string().max(2000).optional(),
});
export type Decision = z.infer<typeof Decision>;

const STATUS_AFTER = { approve: 'approved', reject: 'rejected', merge: 'merged' } as const;

export interface DecisionResult {
  readonly conflict: ConflictRow;
  /** What changed in the catalog, in words. */
  readonly effect: string;
}

/** The lifecycle columns entity_types and field_definitions share. */
const CatalogNameRow = z.object({ status: EntryStatus, merged_into: z.string().nullable() });

/** The name `name` stands for after following merges (a merge into an alias lands on its canonical name). */
async function canonicalName(
  tx: WarehouseSession,
  table: string,
  scope: string,
  params: readonly string[],
  name: string,
): Promise<string> {
  let current = name;
  for (let hops = 0; hops < 20; hops++) {
    const [found] = await tx.query(
      `SELECT merged_into FROM ${table} WHERE ${scope} name = $${params.length + 1}::VARCHAR AND status = 'merged'`,
      [...params, current],
    );
    const row = found ? CatalogNameRow.pick({ merged_into: true }).parse(found) : undefined;
    if (!row?.merged_into || row.merged_into === name) return current;
    current = row.merged_into;
  }
  return current;
}

/**
 * Records the decision and changes the catalog: approve keeps both names, reject marks the new name
 * rejected, merge makes the new name an alias (status merged) of the existing one. A conflict is decided
 * once; deciding it again is a conflict (409).
 */
export async function decideConflict(
  warehouse: Warehouse,
  id: string,
  d: Decision,
  now: Date,
): Promise<DecisionResult> {
  // Two decisions at once on one conflict (or one name) collide as a write-write conflict (40001): the
  // one that lost decides again, and now sees what the other decided.
  for (let attempt = 1; ; attempt++) {
    try {
      return await decideOnce(warehouse, id, d, now);
    } catch (error) {
      if (attempt >= 5 || !(error instanceof AppError) || error.sqlstate !== '40001') throw error;
    }
  }
}

async function decideOnce(warehouse: Warehouse, id: string, d: Decision, now: Date): Promise<DecisionResult> {
  return warehouse.transaction(async (tx) => {
    const conflict = await getConflict(tx, id);
    if (!conflict) throw new AppError('not_found', `no conflict ${id}`);
    if (conflict.status !== 'open') {
      throw new AppError(
        'conflict',
        `conflict ${id} was already decided (${conflict.decision} by ${conflict.decidedBy} at ${conflict.decidedAt?.toISOString()})`,
      );
    }
    const updated = await tx.execute(
      `UPDATE entity_conflicts SET status = $2::VARCHAR, decision = $3::VARCHAR, decided_by = $4::VARCHAR,
         decided_at = $5::TIMESTAMPTZ, note = $6::VARCHAR
       WHERE id = $1::VARCHAR AND status = 'open'`,
      [id, STATUS_AFTER[d.decision], d.decision, d.by, now, d.note ?? null],
    );
    if (updated !== 1) throw new AppError('conflict', `conflict ${id} was decided concurrently`);
    const table = conflict.kind === 'entity_type' ? 'entity_types' : 'field_definitions';
    const scope = conflict.kind === 'entity_type' ? '' : 'source = $1::VARCHAR AND';
    const scopeParams = conflict.kind === 'entity_type' ? [] : [conflict.source];
    const label = conflict.kind === 'entity_type' ? 'entity type' : `field of ${conflict.source}`;
    const labels = conflict.kind === 'entity_type' ? 'entity types' : `fields of ${conflict.source}`;
    // A name another decision already merged or rejected keeps that decision: deciding it again here
    // would silently undo it (approve, which changes nothing, still closes this conflict).
    const [row] = await tx.query(
      `SELECT status, merged_into FROM ${table} WHERE ${scope} name = $${scopeParams.length + 1}::VARCHAR`,
      [...scopeParams, conflict.newName],
    );
    const current = row ? CatalogNameRow.parse(row) : undefined;
    const decided = current?.status === 'merged' || current?.status === 'rejected';
    const how = current?.status === 'merged' ? `merged into '${current.merged_into}'` : 'rejected';
    let effect = decided
      ? `closed; ${label} '${conflict.newName}' stays ${how} by an earlier decision`
      : `kept both ${labels} '${conflict.newName}' and '${conflict.existingName}'`;
    if (d.decision === 'reject' || d.decision === 'merge') {
      if (decided) {
        throw new AppError(
          'conflict',
          `${label} '${conflict.newName}' was already ${how} by an earlier decision; approve this conflict to close it`,
        );
      }
      const into =
        d.decision === 'merge' ? await canonicalName(tx, table, scope, scopeParams, conflict.existingName) : null;
      if (into === conflict.newName) {
        throw new AppError('conflict', `'${conflict.existingName}' is itself an alias of '${conflict.newName}'`);
      }
      const n = scopeParams.length;
      const changed = await tx.execute(
        `UPDATE ${table} SET status = $${n + 1}::VARCHAR, merged_into = $${n + 2}::VARCHAR, updated_at = $${n + 3}::TIMESTAMPTZ
         WHERE ${scope} name = $${n + 4}::VARCHAR`,
        [...scopeParams, d.decision === 'merge' ? 'merged' : 'rejected', into, now, conflict.newName],
      );
      if (changed !== 1) throw new AppError('not_found', `${label} '${conflict.newName}' is not in the catalog`);
      if (d.decision === 'merge') {
        // The name merged into is written too: a concurrent merge of it into this name (or one of its
        // aliases) then collides here (40001) and, decided again, finds the alias instead of making a cycle.
        await tx.execute(`UPDATE ${table} SET updated_at = updated_at WHERE ${scope} name = $${n + 1}::VARCHAR`, [
          ...scopeParams,
          into,
        ]);
        // Aliases of the merged name follow it, so no alias points at another alias.
        await tx.execute(
          `UPDATE ${table} SET merged_into = $${n + 1}::VARCHAR, updated_at = $${n + 2}::TIMESTAMPTZ
           WHERE ${scope} status = 'merged' AND merged_into = $${n + 3}::VARCHAR`,
          [...scopeParams, into, now, conflict.newName],
        );
      }
      effect =
        d.decision === 'merge'
          ? `${label} '${conflict.newName}' is now an alias of '${into}'`
          : `${label} '${conflict.newName}' is rejected`;
    }
    const after = await getConflict(tx, id);
    if (!after) throw new Error(`conflict ${id} vanished inside the transaction that decided it`);
    return { conflict: after, effect };
  });
}
