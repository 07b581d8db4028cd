// Published schema: the catalog as a canonical document, the typed difference between two of them, and the
// semantic version a difference earns. Pure and deterministic.
import { z } from 'zod';
import { sha256Hex } from '../core/hash.ts';
import { compareCodePoints } from '../core/order.ts';

export const EntryStatus = z.enum(['candidate', 'active', 'stale', 'rejected', 'merged']);
export type EntryStatus = z.infer<typeof EntryStatus>;

export const CatalogEntityType = z.object({
  name: z.string(),
  status: EntryStatus,
  description: z.string().nullable(),
  mergedInto: z.string().nullable(),
});
export type CatalogEntityType = z.infer<typeof CatalogEntityType>;

export const CatalogField = z.object({
  source: z.string(),
  name: z.string(),
  kind: z.enum(['structured', 'document_metadata']),
  type: z.string(),
  status: EntryStatus,
  description: z.string().nullable(),
  mergedInto: z.string().nullable(),
});
export type CatalogField = z.infer<typeof CatalogField>;

/** What a snapshot publishes: names and their meaning, not counts (those change every hour). */
export const Catalog = z.object({
  entityTypes: z.array(CatalogEntityType),
  fields: z.array(CatalogField),
});
export type Catalog = z.infer<typeof Catalog>;

export type EntryKey =
  | { readonly kind: 'entity_type'; readonly name: string }
  | { readonly kind: 'field'; readonly source: string; readonly name: string };

export type Change =
  | {
      readonly change: 'added';
      readonly key: EntryKey;
      readonly entry: CatalogEntityType | CatalogField;
      readonly reason: string;
    }
  | {
      readonly change: 'removed';
      readonly key: EntryKey;
      readonly entry: CatalogEntityType | CatalogField;
      readonly reason: string;
    }
  | { readonly change: 'renamed'; readonly key: EntryKey; readonly to: string; readonly reason: string }
  | {
      readonly change: 'changed';
      readonly key: EntryKey;
      readonly attribute: 'status' | 'description' | 'type' | 'kind' | 'mergedInto';
      readonly from: string | null;
      readonly to: string | null;
      readonly reason: string;
    };

/** Checks an entry key read back from the warehouse. */
export const EntryKey: z.ZodType<EntryKey> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('entity_type'), name: z.string() }),
  z.object({ kind: z.literal('field'), source: z.string(), name: z.string() }),
]);

// A field's entry is tried first: an entity type's would also pass as a field stripped of its source.
const CatalogEntry = z.union([CatalogField, CatalogEntityType]);

/** Checks a change read back from the warehouse (a snapshot's diff). */
export const Change: z.ZodType<Change> = z.discriminatedUnion('change', [
  z.object({ change: z.literal('added'), key: EntryKey, entry: CatalogEntry, reason: z.string() }),
  z.object({ change: z.literal('removed'), key: EntryKey, entry: CatalogEntry, reason: z.string() }),
  z.object({ change: z.literal('renamed'), key: EntryKey, to: z.string(), reason: z.string() }),
  z.object({
    change: z.literal('changed'),
    key: EntryKey,
    attribute: z.enum(['status', 'description', 'type', 'kind', 'mergedInto']),
    from: z.string().nullable(),
    to: z.string().nullable(),
    reason: z.string(),
  }),
]);

export const Bump = z.enum(['major', 'minor', 'patch']);
export type Bump = z.infer<typeof Bump>;

/** Sorted, so the same catalog is always the same document (and hash). */
export function canonicalCatalog(c: Catalog): Catalog {
  return {
    entityTypes: [...c.entityTypes].sort((a, b) => compareCodePoints(a.name, b.name)),
    fields: [...c.fields].sort((a, b) => compareCodePoints(a.source, b.source) || compareCodePoints(a.name, b.name)),
  };
}

export async function contentHash(c: Catalog): Promise<string> {
  return sha256Hex(JSON.stringify(canonicalCatalog(c)));
}

const keyOf = (k: EntryKey): string => (k.kind === 'entity_type' ? `e:${k.name}` : `f:${k.source}\u0000${k.name}`);

function entries(c: Catalog): Map<string, { key: EntryKey; entry: CatalogEntityType | CatalogField }> {
  const out = new Map<string, { key: EntryKey; entry: CatalogEntityType | CatalogField }>();
  for (const e of c.entityTypes) {
    const key: EntryKey = { kind: 'entity_type', name: e.name };
    out.set(keyOf(key), { key, entry: e });
  }
  for (const f of c.fields) {
    const key: EntryKey = { kind: 'field', source: f.source, name: f.name };
    out.set(keyOf(key), { key, entry: f });
  }
  return out;
}

const label = (k: EntryKey) => (k.kind === 'entity_type' ? `entity type ${k.name}` : `field ${k.source}.${k.name}`);

/**
 * The typed difference from `from` to `to`. A name that stopped being in use and became an alias
 * (status merged) of a name that was already published is reported as a rename.
 */
export function diffCatalogs(from: Catalog, to: Catalog): Change[] {
  const a = entries(from);
  const b = entries(to);
  const changes: Change[] = [];
  for (const [k, { key, entry }] of b) {
    const before = a.get(k);
    if (!before) {
      changes.push({ change: 'added', key, entry, reason: `${label(key)} first seen` });
      continue;
    }
    const old = before.entry;
    const wasActive = old.status === 'active' || old.status === 'stale';
    const renamed = entry.status === 'merged' && old.status !== 'merged' && wasActive && entry.mergedInto !== null;
    if (renamed)
      changes.push({
        change: 'renamed',
        key,
        to: entry.mergedInto as string,
        reason: `${label(key)} merged into ${entry.mergedInto}`,
      });
    for (const attribute of ['status', 'type', 'kind', 'description', 'mergedInto'] as const) {
      if (renamed && (attribute === 'status' || attribute === 'mergedInto')) continue;
      const x = (old as Record<string, unknown>)[attribute] as string | null | undefined;
      const y = (entry as Record<string, unknown>)[attribute] as string | null | undefined;
      if (x === undefined && y === undefined) continue;
      if ((x ?? null) !== (y ?? null)) {
        changes.push({
          change: 'changed',
          key,
          attribute,
          from: x ?? null,
          to: y ?? null,
          reason: `${label(key)}: ${attribute} ${x ?? '∅'} → ${y ?? '∅'}`,
        });
      }
    }
  }
  for (const [k, { key, entry }] of a) {
    if (!b.has(k)) changes.push({ change: 'removed', key, entry, reason: `${label(key)} no longer in the catalog` });
  }
  return changes.sort((x, y) => compareCodePoints(keyOf(x.key), keyOf(y.key)) || compareCodePoints(x.change, y.change));
}

/** MAJOR for removals and renames, MINOR for additions, PATCH for descriptions, statuses and types. */
export function bumpFor(changes: readonly Change[]): Bump | null {
  if (changes.length === 0) return null;
  let bump: Bump = 'patch';
  for (const c of changes) {
    switch (c.change) {
      case 'removed':
      case 'renamed':
        return 'major';
      case 'added':
        bump = 'minor';
        break;
      case 'changed':
        break;
      default:
        return assertNever(c);
    }
  }
  return bump;
}

export function nextSemver(previous: string, bump: Bump): string {
  const [major = 0, minor = 0, patch = 0] = previous.split('.').map(Number);
  switch (bump) {
    case 'major':
      return `${major + 1}.0.0`;
    case 'minor':
      return `${major}.${minor + 1}.0`;
    case 'patch':
      return `${major}.${minor}.${patch + 1}`;
  }
}

/** `from` with `changes` applied; applyChanges(a, diffCatalogs(a, b)) equals b (up to order). */
export function applyChanges(from: Catalog, changes: readonly Change[]): Catalog {
  const map = entries(from);
  for (const c of changes) {
    const k = keyOf(c.key);
    switch (c.change) {
      case 'added':
        map.set(k, { key: c.key, entry: c.entry });
        break;
      case 'removed':
        map.delete(k);
        break;
      case 'renamed': {
        const current = map.get(k);
        if (current) map.set(k, { key: c.key, entry: { ...current.entry, status: 'merged', mergedInto: c.to } });
        break;
      }
      case 'changed': {
        const current = map.get(k);
        if (current)
          map.set(k, {
            key: c.key,
            entry: { ...current.entry, [c.attribute]: c.to } as CatalogEntityType | CatalogField,
          });
        break;
      }
      default:
        assertNever(c);
    }
  }
  const entityTypes: CatalogEntityType[] = [];
  const fields: CatalogField[] = [];
  for (const { key, entry } of map.values()) {
    if (key.kind === 'entity_type') entityTypes.push(entry as CatalogEntityType);
    else fields.push(entry as CatalogField);
  }
  return canonicalCatalog({ entityTypes, fields });
}

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}

export function describeChange(c: Change): string {
  return c.reason;
}
