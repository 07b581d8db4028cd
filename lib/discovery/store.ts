// The catalog tables, read and written: entity_types, field_definitions, entity_conflicts, schema_snapshots.
// Rows travel as one JSON document per statement (json_transform), whatever their number.
import { z } from 'zod';
import type { SqlParam, WarehouseSession } from '../warehouse/port.ts';
import type { EntityRow, FieldRow } from './catalog.ts';
import { type Conflict, ConflictReason, pairKey } from './conflicts.ts';
import { jsonText, nullableJsonText } from './json-columns.ts';
import { Bump, Catalog, CatalogField, Change, EntryStatus } from './snapshot.ts';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const CountRow = z.object({ n: z.coerce.number() });
const names = nullableJsonText(z.array(z.string()), []);

/**
 * Upserts `rows` (objects of `spec`'s keys) into `table`: one statement, the rows as one JSON parameter.
 * `casts` turns the transported (VARCHAR/DOUBLE) value of a column into its SQL type.
 */
async function upsert(
  db: WarehouseSession,
  table: string,
  spec: Record<string, 'VARCHAR' | 'DOUBLE' | 'BOOLEAN'>,
  casts: Record<string, string>,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(spec);
  const select = columns.map((c) => casts[c] ?? `r.${c}`);
  await db.execute(
    `INSERT OR REPLACE INTO ${table} (${columns.join(', ')})
     SELECT ${select.join(', ')} FROM (SELECT unnest(json_transform($1::VARCHAR, $2::VARCHAR)) AS r)`,
    [JSON.stringify(rows), JSON.stringify([spec])],
  );
}

const asTimestamp = (c: string) => `CAST(r.${c} AS TIMESTAMPTZ)`;
const asJson = (c: string) => `CAST(r.${c} AS JSON)`;
const asBigint = (c: string) => `CAST(r.${c} AS BIGINT)`;

// ---- entity types ------------------------------------------------------------------------------

/** An entity_types row as readEntityRows selects it. */
export const EntityTypeRow = z.object({
  name: z.string(),
  status: EntryStatus,
  merged_into: z.string().nullable(),
  occurrence_count: z.coerce.number(),
  document_count: z.coerce.number(),
  proposal_count: z.coerce.number(),
  first_seen: z.coerce.date().nullable(),
  last_seen: z.coerce.date().nullable(),
  annotators: names,
  datasets: names,
  examples: names,
  description: z.string().nullable(),
  description_source: z.string().nullable(),
  created_at: z.coerce.date(),
  updated_at: z.coerce.date(),
});
export type EntityTypeRow = z.infer<typeof EntityTypeRow>;

export async function readEntityRows(db: WarehouseSession): Promise<EntityRow[]> {
  const rows = await db.query(
    `SELECT name, status, merged_into, occurrence_count::DOUBLE AS occurrence_count,
            document_count::DOUBLE AS document_count, proposal_count::DOUBLE AS proposal_count, first_seen, last_seen,
            annotators::VARCHAR AS annotators, datasets::VARCHAR AS datasets, examples::VARCHAR AS examples,
            description, description_source, created_at, updated_at
     FROM entity_types ORDER BY name`,
  );
  return rows.map((row) => {
    const r = EntityTypeRow.parse(row);
    return {
      name: r.name,
      status: r.status,
      mergedInto: r.merged_into,
      occurrences: r.occurrence_count,
      documents: r.document_count,
      proposals: r.proposal_count,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      annotators: r.annotators,
      datasets: r.datasets,
      examples: r.examples,
      description: r.description,
      descriptionSource: r.description_source,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}

export async function writeEntityRows(db: WarehouseSession, rows: readonly EntityRow[]): Promise<void> {
  await upsert(
    db,
    'entity_types',
    {
      name: 'VARCHAR',
      status: 'VARCHAR',
      merged_into: 'VARCHAR',
      occurrence_count: 'DOUBLE',
      document_count: 'DOUBLE',
      proposal_count: 'DOUBLE',
      first_seen: 'VARCHAR',
      last_seen: 'VARCHAR',
      annotators: 'VARCHAR',
      datasets: 'VARCHAR',
      examples: 'VARCHAR',
      description: 'VARCHAR',
      description_source: 'VARCHAR',
      created_at: 'VARCHAR',
      updated_at: 'VARCHAR',
    },
    {
      occurrence_count: asBigint('occurrence_count'),
      document_count: asBigint('document_count'),
      proposal_count: asBigint('proposal_count'),
      first_seen: asTimestamp('first_seen'),
      last_seen: asTimestamp('last_seen'),
      annotators: asJson('annotators'),
      datasets: asJson('datasets'),
      examples: asJson('examples'),
      created_at: asTimestamp('created_at'),
      updated_at: asTimestamp('updated_at'),
    },
    rows.map((r) => ({
      name: r.name,
      status: r.status,
      merged_into: r.mergedInto,
      occurrence_count: r.occurrences,
      document_count: r.documents,
      proposal_count: r.proposals,
      first_seen: iso(r.firstSeen),
      last_seen: iso(r.lastSeen),
      annotators: JSON.stringify(r.annotators),
      datasets: JSON.stringify(r.datasets),
      examples: JSON.stringify(r.examples),
      description: r.description,
      description_source: r.descriptionSource,
      created_at: iso(r.createdAt),
      updated_at: iso(r.updatedAt),
    })),
  );
}

// ---- fields -------------------------------------------------------------------------------------

/** A field_definitions row as readFieldRows selects it. */
export const FieldDefinitionRow = z.object({
  source: z.string(),
  name: z.string(),
  kind: CatalogField.shape.kind,
  inferred_type: z.string(),
  observed_types: nullableJsonText(z.record(z.string(), z.number()), {}),
  occurrence_count: z.coerce.number(),
  null_count: z.coerce.number(),
  load_count: z.coerce.number(),
  first_seen: z.coerce.date().nullable(),
  last_seen: z.coerce.date().nullable(),
  examples: names,
  status: EntryStatus,
  merged_into: z.string().nullable(),
  description: z.string().nullable(),
  description_source: z.string().nullable(),
  created_at: z.coerce.date(),
  updated_at: z.coerce.date(),
});
export type FieldDefinitionRow = z.infer<typeof FieldDefinitionRow>;

export async function readFieldRows(db: WarehouseSession): Promise<FieldRow[]> {
  const rows = await db.query(
    `SELECT source, name, kind, inferred_type, observed_types::VARCHAR AS observed_types,
            occurrence_count::DOUBLE AS occurrence_count, null_count::DOUBLE AS null_count,
            coalesce(load_count, 0)::DOUBLE AS load_count, first_seen, last_seen, examples::VARCHAR AS examples,
            status, merged_into, description, description_source, created_at, updated_at
     FROM field_definitions ORDER BY source, name`,
  );
  return rows.map((row) => {
    const r = FieldDefinitionRow.parse(row);
    return {
      source: r.source,
      name: r.name,
      kind: r.kind,
      inferredType: r.inferred_type,
      observedTypes: r.observed_types,
      occurrenceCount: r.occurrence_count,
      nullCount: r.null_count,
      loadCount: r.load_count,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      examples: r.examples,
      status: r.status,
      mergedInto: r.merged_into,
      description: r.description,
      descriptionSource: r.description_source,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}

export async function writeFieldRows(db: WarehouseSession, rows: readonly FieldRow[]): Promise<void> {
  await upsert(
    db,
    'field_definitions',
    {
      source: 'VARCHAR',
      name: 'VARCHAR',
      kind: 'VARCHAR',
      inferred_type: 'VARCHAR',
      observed_types: 'VARCHAR',
      occurrence_count: 'DOUBLE',
      null_count: 'DOUBLE',
      load_count: 'DOUBLE',
      first_seen: 'VARCHAR',
      last_seen: 'VARCHAR',
      examples: 'VARCHAR',
      status: 'VARCHAR',
      merged_into: 'VARCHAR',
      description: 'VARCHAR',
      description_source: 'VARCHAR',
      created_at: 'VARCHAR',
      updated_at: 'VARCHAR',
    },
    {
      observed_types: asJson('observed_types'),
      occurrence_count: asBigint('occurrence_count'),
      null_count: asBigint('null_count'),
      load_count: asBigint('load_count'),
      first_seen: asTimestamp('first_seen'),
      last_seen: asTimestamp('last_seen'),
      examples: asJson('examples'),
      created_at: asTimestamp('created_at'),
      updated_at: asTimestamp('updated_at'),
    },
    rows.map((r) => ({
      source: r.source,
      name: r.name,
      kind: r.kind,
      inferred_type: r.inferredType,
      observed_types: JSON.stringify(r.observedTypes),
      occurrence_count: r.occurrenceCount,
      null_count: r.nullCount,
      load_count: r.loadCount,
      first_seen: iso(r.firstSeen),
      last_seen: iso(r.lastSeen),
      examples: JSON.stringify(r.examples),
      status: r.status,
      merged_into: r.mergedInto,
      description: r.description,
      description_source: r.descriptionSource,
      created_at: iso(r.createdAt),
      updated_at: iso(r.updatedAt),
    })),
  );
}

// ---- conflicts ----------------------------------------------------------------------------------

export const ConflictKind = z.enum(['entity_type', 'field']);
export type ConflictKind = z.infer<typeof ConflictKind>;
export const ConflictStatus = z.enum(['open', 'approved', 'rejected', 'merged']);
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
  decision: z.enum(['approve', 'reject', 'merge']).nullable(),
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

type ConflictFilter = { readonly status?: ConflictStatus | undefined; readonly runId?: string | undefined };

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
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

export async function listConflicts(
  db: WarehouseSession,
  filter: ConflictFilter & { readonly limit: number },
): Promise<ConflictRow[]> {
  const { where, params } = conflictWhere(filter);
  params.push(filter.limit);
  const rows = await db.query(
    `SELECT ${CONFLICT_COLUMNS} FROM entity_conflicts ${where}
     ORDER BY detected_at DESC, score DESC, id LIMIT $${params.length}::INTEGER`,
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

// ---- snapshots ----------------------------------------------------------------------------------

export interface SnapshotRow {
  readonly version: number;
  readonly semver: string;
  readonly bump: Bump;
  readonly publishedAt: Date;
  readonly catalog: Catalog;
  readonly diff: readonly Change[];
  readonly contentHash: string;
  readonly previousHash: string | null;
  readonly runId: string | null;
}

const SNAPSHOT_COLUMNS =
  'version, semver, bump, published_at, catalog::VARCHAR AS catalog, diff::VARCHAR AS diff, content_hash, previous_hash, run_id';

/** A schema_snapshots row as SNAPSHOT_COLUMNS selects it. */
export const SchemaSnapshotRow = z.object({
  version: z.coerce.number(),
  semver: z.string(),
  bump: Bump,
  published_at: z.coerce.date(),
  catalog: jsonText(Catalog),
  diff: jsonText(z.array(Change)),
  content_hash: z.string(),
  previous_hash: z.string().nullable(),
  run_id: z.string().nullable(),
});
export type SchemaSnapshotRow = z.infer<typeof SchemaSnapshotRow>;

function snapshotRow(row: unknown): SnapshotRow {
  const r = SchemaSnapshotRow.parse(row);
  return {
    version: r.version,
    semver: r.semver,
    bump: r.bump,
    publishedAt: r.published_at,
    catalog: r.catalog,
    diff: r.diff,
    contentHash: r.content_hash,
    previousHash: r.previous_hash,
    runId: r.run_id,
  };
}

export async function latestSnapshot(db: WarehouseSession): Promise<SnapshotRow | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots ORDER BY version DESC LIMIT 1`);
  return row ? snapshotRow(row) : null;
}

export async function getSnapshot(db: WarehouseSession, version: number): Promise<SnapshotRow | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots WHERE version = $1::INTEGER`, [
    version,
  ]);
  return row ? snapshotRow(row) : null;
}

export async function insertSnapshot(db: WarehouseSession, s: SnapshotRow): Promise<void> {
  await db.execute(
    `INSERT INTO schema_snapshots (version, semver, bump, published_at, catalog, diff, content_hash, previous_hash, run_id)
     VALUES ($1::INTEGER, $2::VARCHAR, $3::VARCHAR, $4::TIMESTAMPTZ, $5::VARCHAR::JSON, $6::VARCHAR::JSON, $7::VARCHAR, $8::VARCHAR, $9::VARCHAR)`,
    [
      s.version,
      s.semver,
      s.bump,
      s.publishedAt,
      JSON.stringify(s.catalog),
      JSON.stringify(s.diff),
      s.contentHash,
      s.previousHash,
      s.runId,
    ],
  );
}
