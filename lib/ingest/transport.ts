// `push`: Arrow columns -> typed JSON arrays the warehouse unpacks with json_transform. Values travel in
// their own type (numbers as numbers, timestamps as epoch counts), built with native join/stringify, and
// the warehouse renders canonical JSON from them exactly as it does for `remote`.
import { type Data, type DataType, type Field, TimeUnit, Type, type Vector } from 'apache-arrow';
import { cellFor, halfToFloat, readDecimal } from './arrow-json.ts';
import type { DuckType } from './duck-types.ts';
import { base64, decimalText } from './json-text.ts';

/** Per-column facts from the Parquet footer that Arrow does not carry (see parquet/footer.ts). */
export type ColumnHint = 'int96' | 'uuid' | 'json';

export interface TransportColumn {
  /** json_transform type of the column's JSON array, e.g. 'VARCHAR[]'. */
  readonly spec: string;
  /** JSON array text of the values of the rows. */
  readonly json: string;
  /** SQL turning a transported value `v` into the DuckDB value. */
  readonly expr: (v: string) => string;
  /** DuckDB type of expr(v). */
  readonly type: DuckType;
  /** Float columns: true when the rows hold no NaN or infinity. */
  readonly finite?: boolean;
  /**
   * Timestamps: SQL for the value as TIMESTAMPTZ (the UTC instant), without a time zone cast, which costs
   * microseconds per value through ICU.
   */
  readonly instant?: (v: string) => string;
}

const utf8 = new TextDecoder();

const stringCache = new WeakMap<Data, string[]>();

/**
 * All strings of a UTF-8 column chunk (cached: a row group is sent in several slices). An ASCII buffer is
 * decoded once and sliced; Arrow's UTF-8 is validated, so equal lengths mean ASCII.
 */
export function utf8Strings(data: Data): string[] {
  const cached = stringCache.get(data);
  if (cached) return cached;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const values = data.values as Uint8Array;
  const n = data.length;
  const out: string[] = new Array(n);
  const first = Number(offsets[0]);
  const last = Number(offsets[n]);
  const whole = utf8.decode(values.subarray(first, last));
  if (whole.length === last - first) {
    for (let i = 0; i < n; i++) out[i] = whole.slice(Number(offsets[i]) - first, Number(offsets[i + 1]) - first);
  } else {
    for (let i = 0; i < n; i++) out[i] = utf8.decode(values.subarray(Number(offsets[i]), Number(offsets[i + 1])));
  }
  stringCache.set(data, out);
  return out;
}

/** JSON array text of `values` with nulls where the chunk has them. */
function withNulls<T>(data: Data, from: number, to: number, value: (i: number) => T): (T | null)[] {
  const out: (T | null)[] = new Array(to - from);
  const nulls = data.nullCount > 0;
  for (let i = from; i < to; i++) out[i - from] = nulls && !data.getValid(i) ? null : value(i);
  return out;
}

/** `[a,b,...]` from number texts, `null` for SQL NULL (a plain join would write nothing for a null). */
function jsonArray(values: readonly (string | null)[]): string {
  return `[${values.map((v) => v ?? 'null').join(',')}]`;
}

/** `[a,b,...]` from a typed array range, fast when there are no nulls. */
function numbers(
  data: Data,
  from: number,
  to: number,
  values: ArrayLike<number | bigint> & { subarray(a: number, b: number): { join(s: string): string } },
): string {
  if (data.nullCount === 0) return `[${values.subarray(from, to).join(',')}]`;
  const parts: string[] = new Array(to - from);
  for (let i = from; i < to; i++) parts[i - from] = data.getValid(i) ? String(values[i]) : 'null';
  return `[${parts.join(',')}]`;
}

const scalar = (name: string): DuckType => ({ kind: 'scalar', name });
const same = (v: string) => v;

/** Rows [from, to) of one Arrow column chunk, for transport. */
export function transportChunk(data: Data, from: number, to: number, name: string, hint?: ColumnHint): TransportColumn {
  const type = data.type as DataType;
  if (hint === 'int96') return int96(data, from, to);
  if (hint === 'uuid' && type.typeId === Type.FixedSizeBinary) {
    const values = data.values as Uint8Array;
    const json = JSON.stringify(withNulls(data, from, to, (i) => uuidText(values.subarray(i * 16, i * 16 + 16))));
    return { spec: 'VARCHAR[]', json, expr: (v) => `CAST(${v} AS UUID)`, type: scalar('UUID') };
  }
  switch (type.typeId) {
    case Type.Null:
      return {
        spec: 'VARCHAR[]',
        json: JSON.stringify(new Array(to - from).fill(null)),
        expr: same,
        type: scalar('VARCHAR'),
      };
    case Type.Bool: {
      const values = data.values as Uint8Array;
      const bit = (i: number) => (((values[(data.offset + i) >> 3] as number) >> ((data.offset + i) & 7)) & 1) === 1;
      return {
        spec: 'BOOLEAN[]',
        json: JSON.stringify(withNulls(data, from, to, bit)),
        expr: same,
        type: scalar('BOOLEAN'),
      };
    }
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      const duck =
        bitWidth === 64 ? (isSigned ? 'BIGINT' : 'UBIGINT') : bitWidth === 32 && !isSigned ? 'BIGINT' : 'INTEGER';
      return {
        spec: `${duck}[]`,
        json: numbers(data, from, to, data.values as Int32Array),
        expr: same,
        type: scalar(duck),
      };
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      const duck = precision === 2 ? 'DOUBLE' : 'FLOAT';
      const raw = data.values as Float32Array | Float64Array | Uint16Array;
      const value = precision === 0 ? (i: number) => halfToFloat(raw[i] as number) : (i: number) => raw[i] as number;
      let finite = true;
      for (let i = from; i < to && finite; i++) if (!Number.isFinite(value(i)) && data.getValid(i)) finite = false;
      const json =
        finite && precision !== 0 && data.nullCount === 0
          ? numbers(data, from, to, raw as Float64Array)
          : JSON.stringify(withNulls(data, from, to, (i) => nonFinite(value(i))));
      return { spec: `${duck}[]`, json, expr: same, type: scalar(duck), finite };
    }
    case Type.Decimal: {
      const { scale, precision, bitWidth } = type as unknown as { scale: number; precision: number; bitWidth: number };
      const words = bitWidth / 32;
      const values = data.values as unknown as Uint32Array;
      const json = JSON.stringify(withNulls(data, from, to, (i) => decimalText(readDecimal(values, i, words), scale)));
      if (precision > 38)
        return { spec: 'DOUBLE[]', json, expr: (v) => `CAST(${v} AS DOUBLE)`, type: scalar('DOUBLE') };
      return {
        spec: 'VARCHAR[]',
        json,
        expr: (v) => `CAST(${v} AS DECIMAL(${precision}, ${scale}))`,
        type: { kind: 'decimal', precision, scale },
      };
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const strings = utf8Strings(data);
      const json = JSON.stringify(
        data.nullCount === 0 && from === 0 && to === data.length
          ? strings
          : withNulls(data, from, to, (i) => strings[i]),
      );
      return hint === 'json'
        ? { spec: 'VARCHAR[]', json, expr: (v) => `CAST(${v} AS JSON)`, type: scalar('JSON') }
        : { spec: 'VARCHAR[]', json, expr: same, type: scalar('VARCHAR') };
    }
    case Type.Binary:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const values = data.values as Uint8Array;
      const json = JSON.stringify(
        withNulls(data, from, to, (i) => base64(values.subarray(Number(offsets[i]), Number(offsets[i + 1])))),
      );
      return { spec: 'VARCHAR[]', json, expr: (v) => `from_base64(${v})`, type: scalar('BLOB') };
    }
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      const values = data.values as Uint8Array;
      const json = JSON.stringify(
        withNulls(data, from, to, (i) => base64(values.subarray(i * width, (i + 1) * width))),
      );
      return { spec: 'VARCHAR[]', json, expr: (v) => `from_base64(${v})`, type: scalar('BLOB') };
    }
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit;
      const json =
        unit === 0
          ? numbers(data, from, to, data.values as Int32Array)
          : JSON.stringify(
              withNulls(data, from, to, (i) => Math.floor(Number((data.values as BigInt64Array)[i]) / 86_400_000)),
            );
      return {
        spec: 'INTEGER[]',
        json,
        expr: (v) => `(DATE '1970-01-01' + ${v})`,
        type: scalar('DATE'),
        instant: (v) => `make_timestamptz(${v}::BIGINT * 86400000000)`,
      };
    }
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: number; timezone: string | null };
      const values = data.values as BigInt64Array;
      const utc = timezone !== null && timezone !== '';
      let json: string;
      let expr: (v: string) => string;
      let duck: string;
      if (unit === TimeUnit.NANOSECOND && !utc) {
        json = numbers(data, from, to, values);
        return {
          spec: 'BIGINT[]',
          json,
          expr: (v) => `make_timestamp_ns(${v})`,
          type: scalar('TIMESTAMP_NS'),
          instant: (v) => `make_timestamptz(${v} // 1000)`,
        };
      } else {
        // Microseconds; nanoseconds with a time zone truncate as DuckDB does (TIMESTAMPTZ has microseconds).
        const scale =
          {
            [TimeUnit.SECOND]: 1_000_000n,
            [TimeUnit.MILLISECOND]: 1000n,
            [TimeUnit.MICROSECOND]: 1n,
            [TimeUnit.NANOSECOND]: 1n,
          }[unit] ?? 1n;
        json =
          unit === TimeUnit.MICROSECOND
            ? numbers(data, from, to, values)
            : unit === TimeUnit.NANOSECOND
              ? jsonArray(withNulls(data, from, to, (i) => ((values[i] as bigint) / 1000n).toString()))
              : jsonArray(withNulls(data, from, to, (i) => ((values[i] as bigint) * scale).toString()));
        expr = utc ? (v) => `make_timestamptz(${v})` : (v) => `make_timestamp(${v})`;
        duck = utc ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP';
      }
      return { spec: 'BIGINT[]', json, expr, type: scalar(duck), instant: (v) => `make_timestamptz(${v})` };
    }
    case Type.Time: {
      const { unit, bitWidth } = type as unknown as { unit: number; bitWidth: number };
      const toMicros = (x: bigint) =>
        unit === TimeUnit.SECOND
          ? x * 1_000_000n
          : unit === TimeUnit.MILLISECOND
            ? x * 1000n
            : unit === TimeUnit.NANOSECOND
              ? x / 1000n
              : x;
      const raw = (i: number) =>
        bitWidth === 32
          ? BigInt((data.values as Int32Array)[i] as number)
          : ((data.values as BigInt64Array)[i] as bigint);
      const json = jsonArray(withNulls(data, from, to, (i) => toMicros(raw(i)).toString()));
      return { spec: 'BIGINT[]', json, expr: (v) => `(TIME '00:00:00' + to_microseconds(${v}))`, type: scalar('TIME') };
    }
    case Type.Dictionary: {
      const dictionary = (data.dictionary as Vector).data[0] as Data;
      if (dictionary.typeId === Type.Utf8 || dictionary.typeId === Type.LargeUtf8) {
        const strings = utf8Strings(dictionary);
        const keys = data.values as Int32Array;
        return {
          spec: 'VARCHAR[]',
          json: JSON.stringify(withNulls(data, from, to, (i) => strings[Number(keys[i])])),
          expr: same,
          type: scalar('VARCHAR'),
        };
      }
      return nested(data, from, to, name);
    }
    default:
      return nested(data, from, to, name);
  }
}

/** Lists, structs, maps and the rest travel as canonical JSON text, embedded as JSON. */
function nested(data: Data, from: number, to: number, name: string): TransportColumn {
  const cell = cellFor(data.type as DataType, name);
  const json = JSON.stringify(withNulls(data, from, to, (i) => cell(data, i)));
  return { spec: 'VARCHAR[]', json, expr: (v) => `CAST(${v} AS JSON)`, type: scalar('JSON') };
}

function int96(data: Data, from: number, to: number): TransportColumn {
  const values = data.values as Uint8Array;
  const json = jsonArray(
    withNulls(data, from, to, (i) => int96Micros(values.subarray(i * 12, i * 12 + 12)).toString()),
  );
  return {
    spec: 'BIGINT[]',
    json,
    expr: (v) => `make_timestamp(${v})`,
    type: scalar('TIMESTAMP'),
    instant: (v) => `make_timestamptz(${v})`,
  };
}

/** Julian day number of 1970-01-01. */
const JULIAN_EPOCH = 2_440_588n;

/** A legacy INT96 timestamp as DuckDB reads it: microseconds, with DuckDB's 64-bit arithmetic. */
export function int96Micros(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  const nanos = view.getBigInt64(0, true);
  const julian = BigInt(view.getUint32(8, true));
  return BigInt.asIntN(64, (julian - JULIAN_EPOCH) * 86_400_000_000n + nanos / 1000n);
}

function nonFinite(n: number): number | string {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

function uuidText(b: Uint8Array): string {
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Rows [from, to) of a whole column (possibly several chunks) for transport. */
export function transportColumn(
  vector: Vector,
  field: Field,
  from: number,
  to: number,
  hint?: ColumnHint,
): TransportColumn {
  const parts: TransportColumn[] = [];
  let offset = 0;
  for (const data of vector.data) {
    const start = Math.max(from, offset);
    const end = Math.min(to, offset + data.length);
    if (start < end) parts.push(transportChunk(data, start - offset, end - offset, field.name, hint));
    offset += data.length;
  }
  const first = parts[0];
  if (!first) return transportChunk(vector.data[0] as Data, 0, 0, field.name, hint);
  if (parts.length === 1) return first;
  if (parts.some((p) => p.spec !== first.spec)) throw new Error(`column '${field.name}' changes type between chunks`);
  const json = `[${parts
    .map((p) => p.json.slice(1, -1))
    .filter((s) => s !== '')
    .join(',')}]`;
  return { ...first, json, finite: parts.every((p) => p.finite !== false) };
}
