// The field_definitions table, read and written.
import { z } from 'zod';
import type { WarehouseSession } from '../../warehouse/port.ts';
import { nullableJsonText, stringList } from '../../warehouse/rows.ts';
import type { FieldRow } from '../catalog.ts';
import { CatalogField, EntryStatus } from '../snapshot.ts';
import { asBigint, asJson, asTimestamp, iso, upsert } from './upsert.ts';

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
  examples: stringList,
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
