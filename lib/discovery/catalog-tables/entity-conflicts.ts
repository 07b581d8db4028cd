// The entity_conflicts table: conflicts raised by discovery runs, listed for review, and the pairs never to
// raise again.
import { z } from 'zod';
import type { SqlParam, WarehouseSession } from '../../warehouse/port.ts';
import { CountRow, jsonText } from '../../warehouse/rows.ts';
import { type Conflict, ConflictReason, pairKey } from '../conflicts.ts';

export const ConflictKind = z.enum(['entity_type', 'field']);
export type ConflictKind = z.infer<typeof ConflictKind>;
export const ConflictStatus = z.enum(['open', 'approved', 'rejected', 'merged']);
/** What a reviewer decided about a conflict. */
export const DecisionKind = z.enum(['approve', 'reject', 'merge']);
export type DecisionKind = z.infer<typeof DecisionKind>;
export type ConflictStatus = z.infer<typeof ConflictStatus>;

export interface ConflictRow {
  readonly id: string;
  readonly kind: ConflictKind;
  readonly source: string;
  readonly newName: string;
  readonly existingName: string;
  readonly score: number;
  readonly reasons: Conflict['reasons'];
  readonly status: ConflictStatus;
  readonly decision: 'approve' | 'reject' | 'merge' | null;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly note: string | null;
  readonly detectedAt: Date;
  readonly runId: string | null;
}

const RaisedPairRow = z.object({ kind: ConflictKind, source: z.string(), pair: z.string() });

/** Every pair ever raised, decided or not, per kind and source: such a pair is never raised again. */
export async function raisedPairs(db: WarehouseSession): Promise<Map<string, Set<string>>> {
  const rows = await db.query('SELECT kind, source, pair FROM entity_conflicts');
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    const r = RaisedPairRow.parse(row);
    const scope = scopeKey(r.kind, r.source);
    const set = out.get(scope) ?? new Set<string>();
    set.add(r.pair);
    out.set(scope, set);
  }
  return out;
}

export const scopeKey = (kind: ConflictKind, source: string): string => `${kind}\u0000${source}`;

export async function insertConflicts(
  db: WarehouseSession,
  conflicts: readonly (Conflict & { readonly id: string; readonly kind: ConflictKind; readonly source: string })[],
  runId: string,
  now: Date,
): Promise<void> {
  if (conflicts.length === 0) return;
  await db.execute(
    `INSERT INTO entity_conflicts (id, kind, source, pair, new_name, existing_name, score, reasons, status, detected_at, run_id)
     SELECT r.id, r.kind, r.source, r.pair, r.new_name, r.existing_name, r.score, CAST(r.reasons AS JSON), 'open',
            CAST($2::VARCHAR AS TIMESTAMPTZ), $3::VARCHAR
     FROM (SELECT unnest(json_transform($1::VARCHAR, '[{"id":"VARCHAR","kind":"VARCHAR","source":"VARCHAR","pair":"VARCHAR","new_name":"VARCHAR","existing_name":"VARCHAR","score":"DOUBLE","reasons":"VARCHAR"}]')) AS r)
     ON CONFLICT (kind, source, pair) DO NOTHING`,
    [
      JSON.stringify(
        conflicts.map((c) => ({
          id: c.id,
          kind: c.kind,
          source: c.source,
          pair: pairKey(c.newName, c.existingName),
          new_name: c.newName,
          existing_name: c.existingName,
          score: c.score,
          reasons: JSON.stringify(c.reasons),
        })),
      ),
      now.toISOString(),
      runId,
    ],
  );
}

const CONFLICT_COLUMNS = `id, kind, source, new_name, existing_name, score, reasons::VARCHAR AS reasons, status, decision,
  decided_by, decided_at, note, detected_at, run_id`;

/** An entity_conflicts row as CONFLICT_COLUMNS selects it. */
export const EntityConflictRow = z.object({
  id: z.string(),
  kind: ConflictKind,
  source: z.string(),
  new_name: z.string(),
  existing_name: z.string(),
  score: z.coerce.number(),
  reasons: jsonText(z.array(ConflictReason)),
  status: ConflictStatus,
  decision: DecisionKind.nullable(),
  decided_by: z.string().nullable(),
  decided_at: z.coerce.date().nullable(),
  note: z.string().nullable(),
  detected_at: z.coerce.date(),
  run_id: z.string().nullable(),
});
export type EntityConflictRow = z.infer<typeof EntityConflictRow>;

function conflictRow(row: unknown): ConflictRow {
  const r = EntityConflictRow.parse(row);
  return {
    id: r.id,
    kind: r.kind,
    source: r.source,
    newName: r.new_name,
    existingName: r.existing_name,
    score: r.score,
    reasons: r.reasons,
    status: r.status,
    decision: r.decision,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    note: r.note,
    detectedAt: r.detected_at,
    runId: r.run_id,
  };
}

export type ConflictFilter = {
  readonly status?: ConflictStatus | undefined;
  readonly runId?: string | undefined;
  readonly kind?: ConflictKind | undefined;
  /** A field conflict's source ('' for entity types). */
  readonly source?: string | undefined;
};

function conflictWhere(filter: ConflictFilter): { where: string; params: SqlParam[] } {
  const conditions: string[] = [];
  const params: SqlParam[] = [];
  if (filter.status) {
    params.push(filter.status);
    conditions.push(`status = $${params.length}::VARCHAR`);
  }
  if (filter.runId) {
    params.push(filter.runId);
    conditions.push(`run_id = $${params.length}::VARCHAR`);
  }
  if (filter.kind) {
    params.push(filter.kind);
    conditions.push(`kind = $${params.length}::VARCHAR`);
  }
  if (filter.source !== undefined) {
    params.push(filter.source);
    conditions.push(`source = $${params.length}::VARCHAR`);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

export async function listConflicts(
  db: WarehouseSession,
  filter: ConflictFilter & { readonly limit: number; readonly offset?: number },
): Promise<ConflictRow[]> {
  const { where, params } = conflictWhere(filter);
  params.push(filter.limit, filter.offset ?? 0);
  const rows = await db.query(
    `SELECT ${CONFLICT_COLUMNS} FROM entity_conflicts ${where}
     ORDER BY detected_at DESC, score DESC, id LIMIT $${params.length - 1}::INTEGER OFFSET $${params.length}::INTEGER`,
    params,
  );
  return rows.map(conflictRow);
}

/** How many conflicts match, whatever the limit: a page says whether there are more. */
export async function countConflicts(db: WarehouseSession, filter: ConflictFilter): Promise<number> {
  const { where, params } = conflictWhere(filter);
  const [row] = await db.query(`SELECT count(*)::INTEGER AS n FROM entity_conflicts ${where}`, params);
  return row ? CountRow.parse(row).n : 0;
}

export async function getConflict(db: WarehouseSession, id: string): Promise<ConflictRow | null> {
  const [row] = await db.query(`SELECT ${CONFLICT_COLUMNS} FROM entity_conflicts WHERE id = $1::VARCHAR`, [id]);
  return row ? conflictRow(row) : null;
}
