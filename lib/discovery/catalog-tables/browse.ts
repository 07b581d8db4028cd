// The catalog as people browse it: one list over entity_types and field_definitions, searched and paged in
// the warehouse (the console's catalog holds 50,000 names; only one page ever leaves it), and the entries
// a review card shows for both names of a conflict.
import { z } from 'zod';
import type { SqlParam, WarehouseSession } from '../../warehouse/port.ts';
import { CountRow, stringList } from '../../warehouse/rows.ts';
import { EntryStatus } from '../snapshot.ts';

export const CatalogKind = z.enum(['entity_type', 'field']);
export type CatalogKind = z.infer<typeof CatalogKind>;

/** One catalog name as the console lists it. */
export interface CatalogEntry {
  readonly kind: CatalogKind;
  /** The field's source; '' for an entity type. */
  readonly source: string;
  readonly name: string;
  readonly status: EntryStatus;
  readonly mergedInto: string | null;
  /** Annotations (entity types) or non-null values (fields). */
  readonly occurrences: number;
  /** Documents (entity types) or loads (fields). */
  readonly spread: number;
  readonly firstSeen: Date | null;
  readonly lastSeen: Date | null;
  readonly examples: readonly string[];
  readonly description: string | null;
  /** The field's inferred type; null for an entity type. */
  readonly type: string | null;
}

export interface CatalogFilter {
  readonly kind?: CatalogKind;
  readonly status?: EntryStatus;
  readonly source?: string;
  /** A case-insensitive substring of the name (or of the description). */
  readonly q?: string;
}

const Row = z.object({
  kind: CatalogKind,
  source: z.string(),
  name: z.string(),
  status: EntryStatus,
  merged_into: z.string().nullable(),
  occurrences: z.coerce.number(),
  spread: z.coerce.number(),
  first_seen: z.coerce.date().nullable(),
  last_seen: z.coerce.date().nullable(),
  examples: stringList,
  description: z.string().nullable(),
  type: z.string().nullable(),
});

// One relation over both tables, so search, filters and paging are one statement each.
const CATALOG = `(
  SELECT 'entity_type' AS kind, '' AS source, name, status, merged_into, occurrence_count AS occurrences,
         document_count AS spread, first_seen, last_seen, examples, description, NULL::VARCHAR AS type
  FROM entity_types
  UNION ALL
  SELECT 'field', source, name, status, merged_into, occurrence_count, coalesce(load_count, 0), first_seen, last_seen,
         examples, description, inferred_type
  FROM field_definitions
) AS catalog`;

const COLUMNS = `kind, source, name, status, merged_into, occurrences::DOUBLE AS occurrences, spread::DOUBLE AS spread,
  first_seen, last_seen, examples::VARCHAR AS examples, description, type`;

function where(filter: CatalogFilter): { sql: string; params: SqlParam[] } {
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  const add = (clause: (n: string) => string, value: SqlParam) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  if (filter.kind) add((p) => `kind = ${p}::VARCHAR`, filter.kind);
  if (filter.status) add((p) => `status = ${p}::VARCHAR`, filter.status);
  if (filter.source !== undefined && filter.source !== '') add((p) => `source = ${p}::VARCHAR`, filter.source);
  if (filter.q && filter.q.trim() !== '') {
    // contains() takes the text as data: no LIKE wildcards to escape in what a person typed.
    add(
      (p) =>
        `(contains(lower(name), lower(${p}::VARCHAR)) OR contains(lower(coalesce(description, '')), lower(${p}::VARCHAR)))`,
      filter.q.trim(),
    );
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

const entry = (row: unknown): CatalogEntry => {
  const r = Row.parse(row);
  return {
    kind: r.kind,
    source: r.source,
    name: r.name,
    status: r.status,
    mergedInto: r.merged_into,
    occurrences: r.occurrences,
    spread: r.spread,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    examples: r.examples,
    description: r.description,
    type: r.type,
  };
};

/** One page of the catalog, names that start with the search first, then by name; and how many match. */
export async function browseCatalog(
  db: WarehouseSession,
  filter: CatalogFilter,
  page: { readonly limit: number; readonly offset: number },
): Promise<{ entries: CatalogEntry[]; total: number }> {
  const w = where(filter);
  const n = w.params.length;
  const prefixFirst =
    filter.q && filter.q.trim() !== '' ? `starts_with(lower(name), lower($${n + 1}::VARCHAR)) DESC, ` : '';
  const extra: SqlParam[] = prefixFirst ? [filter.q?.trim() ?? ''] : [];
  const [rows, [count]] = [
    await db.query(
      `SELECT ${COLUMNS} FROM ${CATALOG} ${w.sql}
       ORDER BY ${prefixFirst}lower(name), name, source LIMIT ${page.limit} OFFSET ${page.offset}`,
      [...w.params, ...extra],
    ),
    await db.query(`SELECT count(*)::DOUBLE AS n FROM ${CATALOG} ${w.sql}`, w.params),
  ];
  return { entries: rows.map(entry), total: CountRow.parse(count).n };
}

/** The sources fields come from, for the console's filters. */
export async function catalogSources(db: WarehouseSession): Promise<string[]> {
  const rows = await db.query('SELECT DISTINCT source FROM field_definitions ORDER BY source');
  return rows.map((r) => z.object({ source: z.string() }).parse(r).source);
}

/** The catalog entries of these names (entity types when source is '', else fields of that source). */
export async function catalogEntries(
  db: WarehouseSession,
  keys: readonly { readonly kind: CatalogKind; readonly source: string; readonly name: string }[],
): Promise<Map<string, CatalogEntry>> {
  const out = new Map<string, CatalogEntry>();
  if (keys.length === 0) return out;
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM ${CATALOG}
     SEMI JOIN (SELECT unnest(json_transform($1::VARCHAR, '[{"kind":"VARCHAR","source":"VARCHAR","name":"VARCHAR"}]'), recursive := true)) AS k
       USING (kind, source, name)`,
    [JSON.stringify(keys.map((k) => ({ kind: k.kind, source: k.kind === 'field' ? k.source : '', name: k.name })))],
  );
  for (const row of rows) {
    const e = entry(row);
    out.set(catalogKey(e), e);
  }
  return out;
}

export const catalogKey = (k: { readonly kind: CatalogKind; readonly source: string; readonly name: string }): string =>
  `${k.kind}\u0000${k.kind === 'field' ? k.source : ''}\u0000${k.name}`;
