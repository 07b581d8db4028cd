// The typed views a schema snapshot defines (docs/query.md#views): one per structured_data source, with a
// typed column per active (or stale) field, and annotations_current with canonical entity types. Pure: the
// definitions are data, stored with the snapshot; the SQL is built here and only here.
import { z } from 'zod';
import { compareCodePoints } from '../core/order.ts';
import type { Catalog, CatalogField } from '../discovery/snapshot.ts';
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import { sourceViewNames, unique } from './view-names.ts';

/** The version of the rule that turns a catalog into views; stored with each snapshot's views. */
export const VIEW_RULE = 1;

export const ANNOTATIONS_VIEW = 'annotations_current';

export const ViewColumn = z.object({
  name: z.string(),
  /** DuckDB's type name, as DESCRIBE shows it. */
  type: z.string(),
  /** The catalog field it reads; null for the columns every row has (`_source_file`, ...). */
  field: z.string().nullable(),
  /** Fields merged into `field`, read where the field itself has no value. */
  aliases: z.array(z.string()),
  /** The expression, over the unqualified core table. */
  sql: z.string(),
});
export type ViewColumn = z.infer<typeof ViewColumn>;

export const ViewDefinition = z.object({
  name: z.string(),
  kind: z.enum(['source', 'annotations']),
  /** The structured_data source of a `source` view. */
  source: z.string().nullable(),
  columns: z.array(ViewColumn),
  /** Fields of the source that have no column, and why. */
  omitted: z.array(z.object({ field: z.string(), reason: z.string() })),
  /** The SELECT behind the view. It names core tables unqualified, so a shadowing temporary view stands in. */
  sql: z.string(),
});
export type ViewDefinition = z.infer<typeof ViewDefinition>;

/** What schema_snapshots.views holds. */
export const SnapshotViews = z.object({
  rule: z.number().int(),
  views: z.array(ViewDefinition),
  /** Sources with no view, and why. */
  omitted: z.array(z.object({ source: z.string(), reason: z.string() })),
});
export type SnapshotViews = z.infer<typeof SnapshotViews>;

/** Field statuses that make a column: a stale field is still in the data, and a patch must not drop a column. */
const COLUMN_STATUSES = new Set(['active', 'stale']);

/** The DuckDB type of each catalog type (lib/ingest/profile.ts FieldType); anything else reads as text. */
const DUCK_TYPES: Readonly<Record<string, string>> = {
  int: 'INTEGER',
  bigint: 'BIGINT',
  decimal: 'DECIMAL(38,10)',
  double: 'DOUBLE',
  varchar: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  time: 'TIME',
  interval: 'INTERVAL',
  blob: 'BLOB',
  uuid: 'UUID',
  json: 'JSON',
  object: 'JSON',
  array: 'JSON',
};

/** Every column a source view has besides its fields, in this order after them. */
const LINEAGE: readonly { name: string; type: string; sql: string }[] = [
  { name: '_source_file', type: 'VARCHAR', sql: 'source_file' },
  { name: '_row_number', type: 'BIGINT', sql: 'row_number' },
  { name: '_batch_id', type: 'VARCHAR', sql: 'batch_id' },
  { name: '_ingested_at', type: 'TIMESTAMP WITH TIME ZONE', sql: 'ingested_at' },
];

/** The views of a catalog, deterministic: the same catalog always gives the same definitions. */
export function buildViews(catalog: Catalog): SnapshotViews {
  const structured = catalog.fields.filter((f) => f.kind === 'structured');
  const names = sourceViewNames(structured.map((f) => f.source));
  const views: ViewDefinition[] = [];
  const omitted: SnapshotViews['omitted'] = [];
  for (const [source, name] of names) {
    if (source.includes('\0')) {
      omitted.push({ source, reason: 'the source name holds a NUL character' });
      continue;
    }
    views.push(
      sourceView(
        name,
        source,
        structured.filter((f) => f.source === source),
      ),
    );
  }
  views.push(annotationsView(catalog));
  return { rule: VIEW_RULE, views, omitted };
}

function sourceView(name: string, source: string, fields: readonly CatalogField[]): ViewDefinition {
  const taken = new Set(LINEAGE.map((c) => c.name));
  const columns: ViewColumn[] = [];
  const omitted: ViewDefinition['omitted'] = [];
  const ordered = [...fields].sort((a, b) => compareCodePoints(a.name, b.name));
  for (const f of ordered) {
    if (!COLUMN_STATUSES.has(f.status)) continue;
    const aliases = ordered
      .filter((a) => a.status === 'merged' && a.mergedInto === f.name && a.name !== f.name)
      .map((a) => a.name);
    const nul = [f.name, ...aliases].find((n) => n.includes('\0'));
    if (nul !== undefined) {
      omitted.push({ field: f.name, reason: `the name ${JSON.stringify(nul)} holds a NUL character` });
      continue;
    }
    const typed = fieldExpression(f.type, [f.name, ...aliases]);
    columns.push({ name: unique(f.name === '' ? '_empty' : f.name, taken), field: f.name, aliases, ...typed });
  }
  for (const c of LINEAGE) columns.push({ ...c, field: null, aliases: [] });
  const select = columns.map((c) => `${c.sql} AS ${quoteIdent(c.name)}`).join(',\n  ');
  return {
    name,
    kind: 'source',
    source,
    columns,
    omitted,
    sql: `SELECT\n  ${select}\nFROM structured_data\nWHERE source = ${quoteLiteral(source)} AND valid_to IS NULL`,
  };
}

interface Segment {
  readonly key: string;
  /** How many `[]` follow the key: the values are lists that deep. */
  readonly lists: number;
}

/** A discovery path (`a.b`, `a[]`, `a[].b`) as its keys and list levels (observe.ts jsonPath reads them so). */
export function segmentsOf(path: string): Segment[] {
  return path.split('.').map((segment) => {
    const m = /^(.*?)((?:\[\])*)$/s.exec(segment) as RegExpExecArray;
    return { key: m[1] as string, lists: (m[2] as string).length / 2 };
  });
}

/** A JSON pointer (RFC 6901) to nested keys: the one path syntax in which every key, `*` or `""` too, is plain. */
export function jsonPointer(keys: readonly string[]): string {
  return keys.map((k) => `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

const JSONISH = new Set(['JSON']);

/** Text (VARCHAR) to the column's type; a value that does not fit is NULL, never an error. */
function castText(text: string, type: string): string {
  switch (type) {
    case 'VARCHAR':
      return text;
    case 'BLOB':
      return `TRY(from_base64(${text}))`;
    case 'TIMESTAMP WITH TIME ZONE':
      // A timestamp written without a zone is UTC (whatever the session's TimeZone).
      return `TRY_CAST(CASE WHEN regexp_matches(${text}, '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]*)?)?$') THEN ${text} || 'Z' ELSE ${text} END AS TIMESTAMPTZ)`;
    default:
      return `TRY_CAST(${text} AS ${type})`;
  }
}

/** The column over `data` reading `paths` (the field, then its aliases), as the field's type. */
function fieldExpression(catalogType: string, paths: readonly string[]): { type: string; sql: string } {
  const scalar = DUCK_TYPES[catalogType.toLowerCase()] ?? 'VARCHAR';
  const listed = paths.some((p) => segmentsOf(p).some((s) => s.lists > 0));
  if (!listed) {
    // A dotted name is nested keys, or one key with dots in it (a CSV column `a.b`): both are read.
    const pointers = paths.flatMap((p) => {
      const keys = segmentsOf(p).map((s) => s.key);
      return keys.length > 1 ? [jsonPointer(keys), jsonPointer([p])] : [jsonPointer(keys)];
    });
    const fn = JSONISH.has(scalar) ? 'json_extract' : 'json_extract_string';
    const reads = pointers.map((p) => `${fn}(data, ${quoteLiteral(p)})`);
    const raw = reads.length === 1 ? (reads[0] as string) : `coalesce(${reads.join(', ')})`;
    return { type: scalar, sql: JSONISH.has(scalar) ? raw : castText(raw, scalar) };
  }
  const element = JSONISH.has(scalar)
    ? (e: string) => e
    : (e: string) => castText(`json_extract_string(${e}, '$')`, scalar);
  const lists = paths.map((p) => {
    const values = listOf(segmentsOf(p));
    return JSONISH.has(scalar) ? values : `list_transform(${values}, lambda _e: ${element('_e')})`;
  });
  return { type: `${scalar}[]`, sql: lists.length === 1 ? (lists[0] as string) : `coalesce(${lists.join(', ')})` };
}

/** The JSON values a path through lists reaches in `data`, as one flat JSON[] (NULL when it is no list). */
function listOf(segments: readonly Segment[]): string {
  let expr: string | null = null;
  let keys: string[] = [];
  const read = (): string => {
    const pointer = quoteLiteral(jsonPointer(keys));
    keys = [];
    return expr === null
      ? `json_extract(data, ${pointer})`
      : `list_transform(${expr}, lambda _e: json_extract(_e, ${pointer}))`;
  };
  for (const s of segments) {
    keys.push(s.key);
    for (let level = 0; level < s.lists; level++) {
      if (keys.length > 0) {
        const at = read();
        expr =
          expr === null
            ? `TRY_CAST(${at} AS JSON[])`
            : `flatten(list_transform(${at}, lambda _e: TRY_CAST(_e AS JSON[])))`;
      } else {
        expr = `flatten(list_transform(${expr}, lambda _e: TRY_CAST(_e AS JSON[])))`;
      }
    }
  }
  return keys.length > 0 ? read() : (expr as string);
}

/** Each alias's canonical name, following merges to their end (a cycle, which decisions prevent, stops). */
export function canonicalEntityTypes(catalog: Catalog): Map<string, string> {
  const into = new Map(
    catalog.entityTypes
      .filter((e) => e.mergedInto !== null && e.mergedInto !== e.name)
      .map((e) => [e.name, e.mergedInto as string]),
  );
  const out = new Map<string, string>();
  for (const name of into.keys()) {
    let at = name;
    const seen = new Set([name]);
    for (let next = into.get(at); next !== undefined && !seen.has(next); next = into.get(at)) {
      seen.add(next);
      at = next;
    }
    out.set(name, at);
  }
  return out;
}

const ANNOTATION_COLUMNS: readonly { name: string; type: string; sql?: string }[] = [
  { name: 'record_id', type: 'VARCHAR' },
  { name: 'document_id', type: 'VARCHAR' },
  { name: 'entity_type', type: 'VARCHAR' },
  { name: 'annotated_entity_type', type: 'VARCHAR', sql: 'entity_type' },
  { name: 'start', type: 'INTEGER' },
  { name: 'end', type: 'INTEGER' },
  { name: 'text', type: 'VARCHAR' },
  { name: 'annotator', type: 'VARCHAR' },
  { name: 'annotated_at', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'dataset', type: 'VARCHAR' },
  { name: 'metadata', type: 'JSON' },
  { name: 'batch_id', type: 'VARCHAR' },
  { name: 'source_key', type: 'VARCHAR' },
  { name: 'ingested_at', type: 'TIMESTAMP WITH TIME ZONE' },
];

/** Current submitted annotations, `entity_type` canonical (aliases folded into the name they were merged into). */
function annotationsView(catalog: Catalog): ViewDefinition {
  const aliases = [...canonicalEntityTypes(catalog)].sort(([a], [b]) => compareCodePoints(a, b));
  const canonical =
    aliases.length === 0
      ? 'entity_type'
      : `CASE entity_type ${aliases.map(([a, c]) => `WHEN ${quoteLiteral(a)} THEN ${quoteLiteral(c)}`).join(' ')} ELSE entity_type END`;
  const columns: ViewColumn[] = ANNOTATION_COLUMNS.map((c) => ({
    name: c.name,
    type: c.type,
    field: null,
    aliases: c.name === 'entity_type' ? aliases.map(([a]) => a) : [],
    sql: c.name === 'entity_type' ? canonical : (c.sql ?? quoteIdent(c.name)),
  }));
  const select = columns.map((c) => `${c.sql} AS ${quoteIdent(c.name)}`).join(',\n  ');
  return {
    name: ANNOTATIONS_VIEW,
    kind: 'annotations',
    source: null,
    columns,
    omitted: [],
    sql: `SELECT\n  ${select}\nFROM annotations\nWHERE valid_to IS NULL AND status = 'submitted'`,
  };
}

/** Creates or replaces the view in the warehouse's own schema (at publish). */
export const createViewSql = (v: ViewDefinition): string => `CREATE OR REPLACE VIEW ${quoteIdent(v.name)} AS\n${v.sql}`;

/** The same as a temporary view of one connection, shadowing the stored one (query modes). */
export const tempViewSql = (v: ViewDefinition): string => `CREATE TEMP VIEW ${quoteIdent(v.name)} AS\n${v.sql}`;

export const dropViewSql = (name: string): string => `DROP VIEW IF EXISTS ${quoteIdent(name)}`;
