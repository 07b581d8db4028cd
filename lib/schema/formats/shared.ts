// What several formats share: which names they show, fields grouped per source, the tree of nested
// paths (`a.b`, `a[]`) and the JSON shape a DuckDB type takes in structured_data.data.
import { compareCodePoints } from '../../core/order.ts';
import type { SchemaDocument, SchemaField } from '../document.ts';

/** Rejected and merged names no longer describe the data (merged ones live on as aliases). */
export const isLive = (status: SchemaField['status']): boolean => status !== 'rejected' && status !== 'merged';

export interface FieldGroup {
  readonly kind: SchemaField['kind'];
  readonly source: string;
  readonly fields: readonly SchemaField[];
}

/** Fields per (kind, source): structured sources first, then document metadata; each by source, name. */
export function groupFields(fields: readonly SchemaField[]): FieldGroup[] {
  const groups = new Map<string, { kind: SchemaField['kind']; source: string; fields: SchemaField[] }>();
  for (const f of fields) {
    const key = `${f.kind}\u0000${f.source}`;
    const g = groups.get(key) ?? { kind: f.kind, source: f.source, fields: [] };
    g.fields.push(f);
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        Number(a.kind !== 'structured') - Number(b.kind !== 'structured') || compareCodePoints(a.source, b.source),
    )
    .map((g) => ({ ...g, fields: [...g.fields].sort((a, b) => compareCodePoints(a.name, b.name)) }));
}

/** Active entity type names, code point order. */
export function activeEntityTypes(doc: SchemaDocument): string[] {
  return doc.entityTypes
    .filter((e) => e.status === 'active')
    .map((e) => e.name)
    .sort(compareCodePoints);
}

/** The JSON value shape of a field: what to_json wrote for its DuckDB type (lib/ingest/json-text.ts). */
export type JsonShape = 'integer' | 'number' | 'double' | 'string' | 'boolean' | 'object' | 'array' | 'unknown';

const SHAPES: Record<string, JsonShape> = {
  int: 'integer',
  tinyint: 'integer',
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  hugeint: 'integer',
  utinyint: 'integer',
  usmallint: 'integer',
  uinteger: 'integer',
  ubigint: 'integer',
  uhugeint: 'integer',
  decimal: 'number',
  numeric: 'number',
  float: 'double',
  real: 'double',
  double: 'double',
  varchar: 'string',
  text: 'string',
  string: 'string',
  uuid: 'string',
  blob: 'string',
  date: 'string',
  time: 'string',
  timetz: 'string',
  interval: 'string',
  timestamp: 'string',
  timestamptz: 'string',
  datetime: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  json: 'unknown',
  object: 'object',
  struct: 'object',
  map: 'object',
  array: 'array',
  list: 'array',
};

const NUMERIC: ReadonlySet<JsonShape> = new Set(['integer', 'number', 'double']);

/** The shape of a DuckDB or discovery type name (`BIGINT`, `decimal`, `DECIMAL(10,2)`, `TIMESTAMP WITH TIME ZONE`). */
export function shapeOfType(type: string): JsonShape {
  const t = type.trim().toLowerCase();
  if (t.endsWith('[]')) return 'array';
  const head = /^[a-z]+/.exec(t)?.[0] ?? '';
  return SHAPES[head] ?? 'unknown';
}

/** A field's shape, taking mixed observed types into account (numbers of several widths widen; others are unknown). */
export function shapeOfField(f: SchemaField): JsonShape {
  const own = shapeOfType(f.type);
  const observed = Object.entries(f.stats?.observedTypes ?? {})
    .filter(([, n]) => n > 0)
    .map(([t]) => shapeOfType(t));
  const distinct = new Set(observed);
  if (distinct.size <= 1) return own;
  if ([...distinct].every((s) => NUMERIC.has(s))) return distinct.has('double') ? 'double' : 'number';
  return 'unknown';
}

/** A node of the path tree: its own field (if the catalog has one) and what is nested inside it. */
export interface PathNode {
  field: SchemaField | undefined;
  readonly children: Map<string, PathNode>;
  /** The element node of `x[]`. */
  element: PathNode | undefined;
}

const node = (): PathNode => ({ field: undefined, children: new Map(), element: undefined });

/** Nests `a`, `a.b`, `a[]`, `a[].c` into a tree, as discovery's paths (observe.ts jsonPath) read them. */
export function pathTree(fields: readonly SchemaField[]): PathNode {
  const root = node();
  for (const f of fields) {
    let at = root;
    for (const segment of f.name.split('.')) {
      const m = /^(.*?)((?:\[\])*)$/s.exec(segment) as RegExpExecArray;
      const key = m[1] as string;
      let next = at.children.get(key);
      if (!next) {
        next = node();
        at.children.set(key, next);
      }
      at = next;
      for (let d = 0; d < (m[2] as string).length / 2; d++) {
        at.element ??= node();
        at = at.element;
      }
    }
    at.field = f;
  }
  return root;
}

/** The shape of a tree node: nested children make an object, an element an array, else the field's type. */
export function shapeOfNode(n: PathNode): JsonShape {
  const own = n.field ? shapeOfField(n.field) : undefined;
  // A path that is both a scalar and has nested paths (a CSV column `a` beside `a.b`) has no one shape.
  if (n.children.size > 0) return own === undefined || own === 'object' ? 'object' : 'unknown';
  if (n.element) return own === undefined || own === 'array' ? 'array' : 'unknown';
  return own ?? 'unknown';
}

/** Children in code point order of their keys. */
export const sortedChildren = (n: PathNode): [string, PathNode][] =>
  [...n.children.entries()].sort(([a], [b]) => compareCodePoints(a, b));
