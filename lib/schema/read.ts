// The schema API's reads of schema_snapshots: documents (now, at an instant, at a version), the version
// list, the difference between any two versions and one name's history. Pure builders first, then SQL.
import { z } from 'zod';
import {
  SNAPSHOT_COLUMNS,
  type SnapshotRow,
  snapshotRow,
  viewsOf,
} from '../discovery/catalog-tables/schema-snapshots.ts';
import { jsonPath } from '../discovery/observe.ts';
import {
  assertNever,
  Bump,
  bumpFor,
  type CatalogEntityType,
  type CatalogField,
  Change,
  diffCatalogs,
  type EntryKey,
} from '../discovery/snapshot.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { CountRow, jsonText } from '../warehouse/rows.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { SchemaDocument, SchemaField } from './document.ts';

// ---- pure ------------------------------------------------------------------------------------------

/** Where a field's values live, and a DuckDB expression that reads one (the path quoted as a literal). */
export function fieldLocation(field: Pick<CatalogField, 'kind' | 'name'>): SchemaField['location'] {
  const [table, column] =
    field.kind === 'structured' ? (['structured_data', 'data'] as const) : (['raw_documents', 'metadata'] as const);
  const path = jsonPath(field.name);
  return { table, column, jsonPath: path, sql: `json_extract_string(${column}, ${quoteLiteral(path)})` };
}

function aliasesOf<T extends { name: string; mergedInto: string | null }>(
  entries: readonly T[],
  name: string,
): string[] {
  return entries.filter((e) => e.mergedInto === name && e.name !== name).map((e) => e.name);
}

/** One snapshot as the schema document every format renders. */
export function documentOf(row: SnapshotRow): SchemaDocument {
  const { catalog, stats } = row;
  const entityStats = new Map(stats?.entityTypes.map(({ name, ...s }) => [name, s]));
  const fieldStats = new Map(stats?.fields.map(({ source, name, ...s }) => [`${source}\u0000${name}`, s]));
  const views = viewsOf(row);
  return {
    version: row.version,
    semver: row.semver,
    bump: row.bump,
    publishedAt: row.publishedAt.toISOString(),
    contentHash: row.contentHash,
    previousHash: row.previousHash,
    entityTypes: catalog.entityTypes.map((e) => ({
      ...e,
      aliases: aliasesOf(catalog.entityTypes, e.name),
      stats: entityStats.get(e.name) ?? null,
    })),
    fields: catalog.fields.map((f) => ({
      ...f,
      aliases: aliasesOf(
        catalog.fields.filter((g) => g.source === f.source),
        f.name,
      ),
      stats: fieldStats.get(`${f.source}\u0000${f.name}`) ?? null,
      location: fieldLocation(f),
    })),
    views: views.views,
    omittedViews: views.omitted,
  };
}

/** What happened to one name in one version, from that version's stored diff. */
export type HistoryEvent =
  | { readonly event: 'appeared'; readonly entry: CatalogEntityType | CatalogField; readonly reason: string }
  | { readonly event: 'removed'; readonly reason: string }
  | { readonly event: 'merged_into'; readonly into: string; readonly reason: string }
  | { readonly event: 'unmerged'; readonly from: string | null; readonly reason: string }
  | {
      readonly event: 'status_changed' | 'description_changed' | 'type_changed' | 'kind_changed';
      readonly from: string | null;
      readonly to: string | null;
      readonly reason: string;
    }
  /** Another name became an alias of this one. */
  | { readonly event: 'merge_target'; readonly alias: string; readonly reason: string }
  /** An alias of this one was merged elsewhere or unmerged. */
  | { readonly event: 'alias_left'; readonly alias: string; readonly reason: string };

export interface HistoryEntry {
  readonly version: number;
  readonly semver: string;
  readonly publishedAt: string;
  readonly events: HistoryEvent[];
}

export interface DiffRow {
  readonly version: number;
  readonly semver: string;
  readonly publishedAt: Date;
  readonly diff: readonly Change[];
}

const sameKey = (a: EntryKey, b: EntryKey): boolean =>
  a.kind === 'entity_type'
    ? b.kind === 'entity_type' && a.name === b.name
    : b.kind === 'field' && a.source === b.source && a.name === b.name;

/** A key of the same kind (and source) as `key`, named `name`. */
const sibling = (key: EntryKey, name: string): EntryKey => ({ ...key, name });

/** The events one change means for `key`: its own changes, and merges into or out of it. */
export function eventsFor(key: EntryKey, c: Change): HistoryEvent[] {
  if (sameKey(c.key, key)) {
    switch (c.change) {
      case 'added':
        return [{ event: 'appeared', entry: c.entry, reason: c.reason }];
      case 'removed':
        return [{ event: 'removed', reason: c.reason }];
      case 'renamed':
        return [{ event: 'merged_into', into: c.to, reason: c.reason }];
      case 'changed':
        if (c.attribute === 'mergedInto') {
          return c.to === null
            ? [{ event: 'unmerged', from: c.from, reason: c.reason }]
            : [{ event: 'merged_into', into: c.to, reason: c.reason }];
        }
        return [{ event: `${c.attribute}_changed`, from: c.from, to: c.to, reason: c.reason }];
      default:
        return assertNever(c);
    }
  }
  const alias = c.key.name;
  switch (c.change) {
    case 'renamed':
      return sameKey(sibling(c.key, c.to), key) ? [{ event: 'merge_target', alias, reason: c.reason }] : [];
    case 'changed': {
      if (c.attribute !== 'mergedInto') return [];
      const events: HistoryEvent[] = [];
      if (c.from !== null && sameKey(sibling(c.key, c.from), key))
        events.push({ event: 'alias_left', alias, reason: c.reason });
      if (c.to !== null && sameKey(sibling(c.key, c.to), key))
        events.push({ event: 'merge_target', alias, reason: c.reason });
      return events;
    }
    case 'added':
      // A name first published already merged into this one.
      return c.entry.mergedInto !== null && sameKey(sibling(c.key, c.entry.mergedInto), key)
        ? [{ event: 'merge_target', alias, reason: c.reason }]
        : [];
    case 'removed':
      return [];
    default:
      return assertNever(c);
  }
}

/** One name's history: the versions whose diff touched it, oldest first. Empty: never published. */
export function historyOf(key: EntryKey, rows: readonly DiffRow[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const row of [...rows].sort((a, b) => a.version - b.version)) {
    const events = row.diff.flatMap((c) => eventsFor(key, c));
    if (events.length > 0)
      out.push({ version: row.version, semver: row.semver, publishedAt: row.publishedAt.toISOString(), events });
  }
  return out;
}

export interface VersionRef {
  readonly version: number;
  readonly semver: string;
  readonly publishedAt: string;
  readonly contentHash: string;
}

export interface VersionDiff {
  readonly from: VersionRef;
  readonly to: VersionRef;
  /** forward: from < to; backward: from > to (the changes that lead back to the older catalog). */
  readonly direction: 'forward' | 'backward' | 'same';
  /** The bump the span implies (bumpFor of its changes); null when the catalogs are equal. */
  readonly bump: Bump | null;
  readonly changes: Change[];
}

const refOf = (r: SnapshotRow): VersionRef => ({
  version: r.version,
  semver: r.semver,
  publishedAt: r.publishedAt.toISOString(),
  contentHash: r.contentHash,
});

/** The typed changes from one snapshot's catalog to another's, in either direction. */
export function diffSnapshots(from: SnapshotRow, to: SnapshotRow): VersionDiff {
  const changes = diffCatalogs(from.catalog, to.catalog);
  const direction = from.version < to.version ? 'forward' : from.version > to.version ? 'backward' : 'same';
  return { from: refOf(from), to: refOf(to), direction, bump: bumpFor(changes), changes };
}

// ---- warehouse -------------------------------------------------------------------------------------

export async function latestDocument(db: WarehouseSession): Promise<SchemaDocument | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots ORDER BY version DESC LIMIT 1`);
  return row ? documentOf(snapshotRow(row)) : null;
}

export async function snapshotForVersion(db: WarehouseSession, version: number): Promise<SnapshotRow | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots WHERE version = $1::INTEGER`, [
    version,
  ]);
  return row ? snapshotRow(row) : null;
}

export async function documentForVersion(db: WarehouseSession, version: number): Promise<SchemaDocument | null> {
  const row = await snapshotForVersion(db, version);
  return row ? documentOf(row) : null;
}

const AT = 'WHERE published_at <= $1::TIMESTAMPTZ ORDER BY published_at DESC, version DESC LIMIT 1';

/** The snapshot in force at `instant`: the greatest published_at at or before it. Null before the first. */
export async function documentAt(db: WarehouseSession, instant: Date): Promise<SchemaDocument | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots ${AT}`, [instant.toISOString()]);
  return row ? documentOf(snapshotRow(row)) : null;
}

const VersionAtRow = z.object({ version: z.coerce.number(), content_hash: z.string() });

/** Like documentAt, only the version and its hash (what the KV cache needs). */
export async function versionAt(
  db: WarehouseSession,
  instant: Date,
): Promise<{ version: number; contentHash: string } | null> {
  const [row] = await db.query(`SELECT version, content_hash FROM schema_snapshots ${AT}`, [instant.toISOString()]);
  if (!row) return null;
  const r = VersionAtRow.parse(row);
  return { version: r.version, contentHash: r.content_hash };
}

const VersionListRow = z.object({
  version: z.coerce.number(),
  semver: z.string(),
  bump: Bump,
  published_at: z.coerce.date(),
  content_hash: z.string(),
  entity_types: z.coerce.number(),
  fields: z.coerce.number(),
  changes: z.coerce.number(),
});

export interface VersionSummary extends VersionRef {
  readonly bump: Bump;
  readonly summary: { readonly entityTypes: number; readonly fields: number; readonly changes: number };
}

/** A page of versions, newest first, with the total. */
export async function listVersions(
  db: WarehouseSession,
  page: { limit: number; offset: number },
): Promise<{ versions: VersionSummary[]; total: number }> {
  const rows = await db.query(
    `SELECT version, semver, bump, published_at, content_hash,
            json_array_length(catalog, '$.entityTypes')::DOUBLE AS entity_types,
            json_array_length(catalog, '$.fields')::DOUBLE AS fields,
            json_array_length(diff)::DOUBLE AS changes
     FROM schema_snapshots ORDER BY version DESC LIMIT $1::INTEGER OFFSET $2::INTEGER`,
    [page.limit, page.offset],
  );
  const [count] = await db.query('SELECT count(*)::INTEGER AS n FROM schema_snapshots');
  return {
    versions: rows.map((row) => {
      const r = VersionListRow.parse(row);
      return {
        version: r.version,
        semver: r.semver,
        bump: r.bump,
        publishedAt: r.published_at.toISOString(),
        contentHash: r.content_hash,
        summary: { entityTypes: r.entity_types, fields: r.fields, changes: r.changes },
      };
    }),
    total: CountRow.parse(count).n,
  };
}

/** The difference between two versions; null names a version that does not exist. */
export async function diffVersions(
  db: WarehouseSession,
  from: number,
  to: number,
): Promise<VersionDiff | { missing: number }> {
  const a = await snapshotForVersion(db, from);
  if (!a) return { missing: from };
  const b = from === to ? a : await snapshotForVersion(db, to);
  if (!b) return { missing: to };
  return diffSnapshots(a, b);
}

const DiffListRow = z.object({
  version: z.coerce.number(),
  semver: z.string(),
  published_at: z.coerce.date(),
  diff: jsonText(z.array(Change)),
});

async function diffRows(db: WarehouseSession): Promise<DiffRow[]> {
  const rows = await db.query(
    'SELECT version, semver, published_at, diff::VARCHAR AS diff FROM schema_snapshots ORDER BY version',
  );
  return rows.map((row) => {
    const r = DiffListRow.parse(row);
    return { version: r.version, semver: r.semver, publishedAt: r.published_at, diff: r.diff };
  });
}

export interface NameHistory {
  readonly key: EntryKey;
  readonly history: HistoryEntry[];
}

export async function entityTypeHistory(db: WarehouseSession, name: string): Promise<NameHistory> {
  const key: EntryKey = { kind: 'entity_type', name };
  return { key, history: historyOf(key, await diffRows(db)) };
}

export async function fieldHistory(db: WarehouseSession, source: string, name: string): Promise<NameHistory> {
  const key: EntryKey = { kind: 'field', source, name };
  return { key, history: historyOf(key, await diffRows(db)) };
}
