// The schema document: one published snapshot as every reader of the schema API sees it (JSON, and the
// input of every other format). Pure data; built by read.ts, rendered by formats/.
import { z } from 'zod';
import { Bump, CatalogEntityType, CatalogField } from '../discovery/snapshot.ts';
import { SnapshotViews, ViewDefinition } from '../query/views.ts';

/**
 * What the catalog knew of a name when the snapshot was published (stored with the snapshot, so any
 * version reads as it was). Null for snapshots published before statistics were stored.
 */
export const EntityTypeStats = z.object({
  occurrences: z.number(),
  documents: z.number(),
  proposals: z.number(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  examples: z.array(z.string()),
});
export type EntityTypeStats = z.infer<typeof EntityTypeStats>;

export const FieldStats = z.object({
  occurrences: z.number(),
  nulls: z.number(),
  loads: z.number(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  examples: z.array(z.string()),
  /** Non-null values seen per JSON type; more than one key means mixed types. */
  observedTypes: z.record(z.string(), z.number()),
});
export type FieldStats = z.infer<typeof FieldStats>;

export const SchemaEntityType = CatalogEntityType.extend({
  /** Names merged into this one (their status is `merged`, their `mergedInto` this name). */
  aliases: z.array(z.string()),
  stats: EntityTypeStats.nullable(),
});
export type SchemaEntityType = z.infer<typeof SchemaEntityType>;

export const SchemaField = CatalogField.extend({
  aliases: z.array(z.string()),
  stats: FieldStats.nullable(),
  /** Where the values live: the table, its JSON column and the JSON path inside it (DuckDB syntax). */
  location: z.object({
    table: z.enum(['structured_data', 'raw_documents']),
    column: z.enum(['data', 'metadata']),
    jsonPath: z.string(),
    /** A DuckDB expression that reads the value, e.g. `json_extract_string(data, '$."imo"')`. */
    sql: z.string(),
  }),
});
export type SchemaField = z.infer<typeof SchemaField>;

export const SchemaDocument = z.object({
  version: z.number().int().min(1),
  semver: z.string(),
  bump: Bump,
  /** ISO 8601, UTC. The snapshot is in force from this instant until the next one's. */
  publishedAt: z.string(),
  contentHash: z.string(),
  previousHash: z.string().nullable(),
  /** Sorted by name, code point order (as the snapshot's catalog). */
  entityTypes: z.array(SchemaEntityType),
  /** Sorted by source, then name. */
  fields: z.array(SchemaField),
  /** The typed views of this version (lib/query/views.ts): one per structured source, then annotations_current. */
  views: z.array(ViewDefinition),
  /** Sources that have no view, and why. */
  omittedViews: SnapshotViews.shape.omitted,
});
export type SchemaDocument = z.infer<typeof SchemaDocument>;

/** The formats every schema endpoint can answer in (`?format=` or `Accept`). */
export const SchemaFormat = z.enum(['json', 'markdown', 'mermaid', 'zod', 'json-schema', 'prompt']);
export type SchemaFormat = z.infer<typeof SchemaFormat>;
