// What a load contained, field by field: the paths of its JSON column (metadata / data), their types in
// discovery's vocabulary and their null counts. Written in the load's transaction (load_fields), so
// discovery reads a few profile rows per file instead of parsing millions of JSON values.
import { DataType, type Field, Type } from 'apache-arrow';
import type { ColumnHint } from '../parquet/footer.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { DuckType } from './duck-types.ts';
import type { Target } from './routes.ts';

/**
 * Field types discovery reports. Numbers widen int -> bigint -> decimal -> double -> varchar (see
 * lib/discovery/catalog.ts); `object` is a struct or map, `array` a list (its elements are `name[]`).
 */
export type FieldType =
  | 'int'
  | 'bigint'
  | 'decimal'
  | 'double'
  | 'varchar'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'time'
  | 'interval'
  | 'blob'
  | 'uuid'
  | 'json'
  | 'object'
  | 'array';

export interface FieldShape {
  readonly path: string;
  readonly type: FieldType;
}

export interface FieldProfile {
  readonly path: string;
  readonly type: FieldType;
  /** Rows of the load with this field as this type. */
  readonly rows: number;
  /** Of those, rows where it was NULL; null when not tracked (inside structs and lists). */
  readonly nulls: number | null;
}

const SCALAR_TYPES: Record<string, FieldType> = {
  TINYINT: 'int',
  SMALLINT: 'int',
  INTEGER: 'int',
  UTINYINT: 'int',
  USMALLINT: 'int',
  BIGINT: 'bigint',
  UINTEGER: 'bigint',
  UBIGINT: 'decimal',
  HUGEINT: 'decimal',
  UHUGEINT: 'decimal',
  FLOAT: 'double',
  DOUBLE: 'double',
  VARCHAR: 'varchar',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIME: 'time',
  TIME_NS: 'time',
  TIMETZ: 'time',
  'TIME WITH TIME ZONE': 'time',
  INTERVAL: 'interval',
  BLOB: 'blob',
  UUID: 'uuid',
  JSON: 'json',
};

/** Discovery's type for a DuckDB scalar type name (DESCRIBE output). */
export function fieldTypeOfDuckName(name: string): FieldType {
  const upper = name.toUpperCase();
  if (upper.startsWith('TIMESTAMP') || upper === 'DATETIME') return 'timestamp';
  if (upper.startsWith('ENUM')) return 'varchar';
  return SCALAR_TYPES[upper] ?? 'varchar';
}

/** A column and the fields inside it, from its DuckDB type (remote strategy, CSV). */
export function duckShapes(name: string, type: DuckType): FieldShape[] {
  switch (type.kind) {
    case 'scalar':
      return [{ path: name, type: fieldTypeOfDuckName(type.name) }];
    case 'decimal':
      return [{ path: name, type: 'decimal' }];
    case 'list':
      return [{ path: name, type: 'array' }, ...duckShapes(`${name}[]`, type.element)];
    case 'struct':
      return [{ path: name, type: 'object' }, ...type.fields.flatMap((f) => duckShapes(`${name}.${f.name}`, f.type))];
    case 'map':
      return [{ path: name, type: 'object' }];
    case 'other':
      return [{ path: name, type: 'varchar' }];
  }
}

function arrowType(type: DataType): FieldType {
  switch (type.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth < 32 || (bitWidth === 32 && isSigned)) return 'int';
      if (bitWidth === 32 || isSigned) return 'bigint';
      return 'decimal';
    }
    case Type.Float:
      return 'double';
    case Type.Null:
      // Parquet's UNKNOWN (always null) logical type, which DuckDB reads as INTEGER.
      return 'int';
    case Type.Decimal:
      return 'decimal';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'varchar';
    case Type.Bool:
      return 'boolean';
    case Type.Date:
      return 'date';
    case Type.Timestamp:
      return 'timestamp';
    case Type.Time:
      return 'time';
    case Type.Interval:
    case Type.Duration:
      return 'interval';
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return 'blob';
    case Type.Struct:
    case Type.Map:
      return 'object';
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
      return 'array';
    default:
      return 'varchar';
  }
}

/** A column and the fields inside it, from its Arrow field (push strategy, Parquet). */
export function arrowShapes(field: Field, hint?: ColumnHint, path = field.name): FieldShape[] {
  if (hint === 'int96') return [{ path, type: 'timestamp' }];
  if (hint === 'uuid') return [{ path, type: 'uuid' }];
  if (hint === 'json') return [{ path, type: 'json' }];
  let type = field.type as DataType;
  if (DataType.isDictionary(type)) type = (type as unknown as { dictionary: DataType }).dictionary;
  const own = arrowType(type);
  const children = (type.children ?? []) as Field[];
  if (own === 'array' && children[0]) return [{ path, type: own }, ...arrowShapes(children[0], undefined, `${path}[]`)];
  if (type.typeId === Type.Struct) {
    return [{ path, type: own }, ...children.flatMap((c) => arrowShapes(c, undefined, `${path}.${c.name}`))];
  }
  return [{ path, type: own }];
}

/**
 * Profiles of a load's columns: `rows` for each, NULL counts for top-level columns from `nulls`, and
 * for nested fields (not tracked) none. `mismatched` counts values kept as strings because they did not
 * fit the column's type (CSV): they get their own 'varchar' row.
 */
export function profileOf(
  columns: readonly { readonly name: string; readonly shapes: readonly FieldShape[] }[],
  rows: number,
  nulls: ReadonlyMap<string, number | null>,
  mismatched: ReadonlyMap<string, number> = new Map(),
): FieldProfile[] {
  const out = new Map<string, FieldProfile>();
  const add = (p: FieldProfile) => {
    // A column named like a nested path ('a.b' next to struct a with field b) shares its row.
    const key = `${p.path}\u0000${p.type}`;
    const seen = out.get(key);
    out.set(
      key,
      seen
        ? {
            ...p,
            rows: seen.rows + p.rows,
            nulls: seen.nulls === null || p.nulls === null ? null : seen.nulls + p.nulls,
          }
        : p,
    );
  };
  for (const { name, shapes } of columns) {
    for (const shape of shapes) {
      if (shape.path !== name) {
        add({ path: shape.path, type: shape.type, rows, nulls: null });
        continue;
      }
      const strings = mismatched.get(name) ?? 0;
      if (strings > 0 && shape.type !== 'varchar') {
        add({ path: name, type: shape.type, rows: rows - strings, nulls: nulls.get(name) ?? null });
        add({ path: name, type: 'varchar', rows: strings, nulls: 0 });
      } else {
        add({ path: name, type: shape.type, rows, nulls: nulls.get(name) ?? null });
      }
    }
  }
  return [...out.values()];
}

/**
 * The JSON column's profile of one load: only raw_documents.metadata and structured_data.data are tracked.
 * A field with no rows in the load (a header-only CSV, a zero-row Parquet file, a type no row had) is left
 * out: a column of an empty file is no evidence that the field is in use, so a load of no rows writes nothing.
 */
export async function recordLoadFields(
  tx: WarehouseSession,
  load: { readonly loadId: string; readonly target: Target; readonly source: string; readonly now: Date },
  loaded: readonly FieldProfile[],
): Promise<void> {
  const profile = loaded.filter((p) => p.rows > 0);
  if (load.target === 'annotations' || profile.length === 0) return;
  const source = load.target === 'raw_documents' ? 'raw_documents' : load.source;
  const at = `'${load.now.toISOString()}'::TIMESTAMPTZ`;
  const values = profile.map(
    (p) =>
      `(${quoteLiteral(load.loadId)}, ${quoteLiteral(load.target)}, ${quoteLiteral(source)}, ${quoteLiteral(p.path)}, ${quoteLiteral(p.type)}, ${p.rows}, ${p.nulls ?? 'NULL'}, ${at})`,
  );
  await tx.execute(
    `INSERT INTO load_fields (load_id, target, source, path, field_type, rows, null_count, ingested_at) VALUES ${values.join(', ')}`,
    [],
  );
}
