// The entity_types table, read and written.
import { z } from 'zod';
import type { WarehouseSession } from '../../warehouse/port.ts';
import { stringList } from '../../warehouse/rows.ts';
import type { EntityRow } from '../catalog.ts';
import { EntryStatus } from '../snapshot.ts';
import { asBigint, asJson, asTimestamp, iso, upsert } from './upsert.ts';

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
  annotators: stringList,
  datasets: stringList,
  examples: stringList,
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
