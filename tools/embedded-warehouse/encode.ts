// DuckDB result types -> PostgreSQL type OIDs and text-format values, the way a Postgres client expects them.
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  type DuckDBType,
  DuckDBTypeId,
  DuckDBUnionValue,
  type DuckDBValue,
  DuckDBVariantValue,
} from '@duckdb/node-api';

/** PostgreSQL type OIDs (from pg_type.dat) for the types we emit. */
export const Oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  bit: 1560,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Fixed sizes as in pg_type.typlen; -1 for variable length. */
const TYPE_SIZE: Record<number, number> = {
  [Oid.bool]: 1,
  [Oid.int2]: 2,
  [Oid.int4]: 4,
  [Oid.int8]: 8,
  [Oid.float4]: 4,
  [Oid.float8]: 8,
  [Oid.date]: 4,
  [Oid.time]: 8,
  [Oid.timestamp]: 8,
  [Oid.timestamptz]: 8,
  [Oid.interval]: 16,
  [Oid.timetz]: 12,
  [Oid.uuid]: 16,
};

export function typeSize(oid: number): number {
  return TYPE_SIZE[oid] ?? -1;
}

/** The PostgreSQL type a DuckDB column is presented as. Nested types travel as JSON text. */
export function oidForType(type: DuckDBType): number {
  if (type.alias === 'JSON') return Oid.json;
  return oidForTypeId(type.typeId);
}

export function oidForTypeId(id: DuckDBTypeId): number {
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      return Oid.bool;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return Oid.int2;
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return Oid.int4;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return Oid.int8;
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
    case DuckDBTypeId.DECIMAL:
      return Oid.numeric;
    case DuckDBTypeId.FLOAT:
      return Oid.float4;
    case DuckDBTypeId.DOUBLE:
      return Oid.float8;
    case DuckDBTypeId.DATE:
      return Oid.date;
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return Oid.time;
    case DuckDBTypeId.TIME_TZ:
      return Oid.timetz;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return Oid.timestamp;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return Oid.timestamptz;
    case DuckDBTypeId.INTERVAL:
      return Oid.interval;
    case DuckDBTypeId.UUID:
      return Oid.uuid;
    case DuckDBTypeId.BLOB:
      return Oid.bytea;
    case DuckDBTypeId.BIT:
      return Oid.bit;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
    case DuckDBTypeId.VARIANT:
      return Oid.json;
    default:
      // VARCHAR, ENUM, GEOMETRY, SQLNULL and anything newer read best as text.
      return Oid.text;
  }
}

export type TextEncoder = (value: DuckDBValue) => string | null;

/** One encoder per column, chosen once per result instead of once per value. */
export function encoderFor(type: DuckDBType): TextEncoder {
  if (type.alias === 'JSON') return encodeString;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return (v) => (v === null ? null : v ? 't' : 'f');
    case DuckDBTypeId.FLOAT:
      return (v) => (v === null ? null : formatFloat4(v as number));
    case DuckDBTypeId.DOUBLE:
      return (v) => (v === null ? null : formatFloat8(v as number));
    case DuckDBTypeId.BLOB:
      return (v) => (v === null ? null : byteaHex((v as DuckDBBlobValue).bytes));
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
    case DuckDBTypeId.VARIANT:
      return (v) => (v === null ? null : toJsonText(v));
    default:
      return encodeString;
  }
}

function encodeString(v: DuckDBValue): string | null {
  return v === null ? null : String(v);
}

/** PostgreSQL's bytea hex output format. */
export function byteaHex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

function formatFloat8(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(n);
}

/** Shortest decimal that rounds back to the same float32, as PostgreSQL prints real. */
function formatFloat4(n: number): string {
  if (!Number.isFinite(n)) return formatFloat8(n);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === n) return String(candidate);
  }
  return String(n);
}

/**
 * JSON text for nested values. Numbers keep their exact digits (a BIGINT beyond 2^53 or a DECIMAL is
 * written as a JSON number literal, never rounded through a double); maps become objects keyed by the
 * key's text, as DuckDB's to_json does.
 */
export function toJsonText(v: DuckDBValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? String(v) : JSON.stringify(formatFloat8(v));
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) {
    return `[${v.items.map(toJsonText).join(',')}]`;
  }
  if (v instanceof DuckDBStructValue) {
    return `{${Object.entries(v.entries)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`)
      .join(',')}}`;
  }
  if (v instanceof DuckDBMapValue) {
    return `{${v.entries.map((e) => `${JSON.stringify(e.key === null ? 'null' : String(e.key))}:${toJsonText(e.value)}`).join(',')}}`;
  }
  if (v instanceof DuckDBUnionValue || v instanceof DuckDBVariantValue) return toJsonText(v.value);
  if (v instanceof DuckDBBlobValue) return JSON.stringify(byteaHex(v.bytes));
  if (isDecimal(v)) return v.toString();
  return JSON.stringify(String(v));
}

function isDecimal(v: object): boolean {
  return 'scale' in v && 'width' in v && 'value' in v;
}

/** Value text for the command tag of a statement that changed rows. */
export function commandTag(keyword: string, rows: number): string {
  return keyword === 'INSERT' ? `INSERT 0 ${rows}` : `${keyword} ${rows}`;
}
