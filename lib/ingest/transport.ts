// `push`: Arrow columns -> one text parameter per column, which the warehouse splits back into values.
// Values travel as text in their own type (numbers as numbers, timestamps as epoch counts), joined by the
// ASCII record separator (0x1E), with NULL as the unit separator (0x1F) alone; the warehouse runs
// `string_split($n::VARCHAR, chr(30))` and casts each value. A string column whose values contain either
// byte travels as a JSON array instead. Both are plain DuckDB SQL over VARCHAR parameters, which
// MotherDuck's Postgres endpoint accepts. Splitting costs the warehouse about what parsing JSON did, and
// the Worker builds the text with typed-array joins and one byte copy per string column: no per-value
// strings, no escaping.
import { type Data, type DataType, type Field, TimeUnit, Type, type Vector } from 'apache-arrow';
import type { ColumnHint, LeafHint } from '../parquet/footer.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import { halfToFloat, nestedTransform, readDecimal, uuidText } from './arrow-json.ts';
import { type CsvType, fitsSql } from './csv.ts';
import { type DuckType, normaliseSql, parseDuckType } from './duck-types.ts';
import { base64, DATE_INFINITY, decimalText, INFINITY_COUNT, infinityName, timeText } from './json-text.ts';

export interface TransportColumn {
  /** The rows' values as one VARCHAR parameter. */
  readonly param: string;
  /** SQL for the parameter (`$n`) as a list with one element per row. */
  readonly list: (param: string) => string;
  /** Whether some elements are the NULL mark, to be read back as NULL before `expr`. */
  readonly nullMark: boolean;
  /** SQL turning one list element `v` (NULL already read back) into the DuckDB value. */
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

const SEPARATOR = '\x1e';
const NULL_MARK = '\x1f';
const SEPARATOR_BYTE = 0x1e;
const NULL_BYTE = 0x1f;

const splitList = (p: string) => `string_split(${p}::VARCHAR, chr(30))`;
const jsonList = (p: string) => `json_transform(${p}::VARCHAR, '["VARCHAR"]')`;
const same = (v: string) => v;
const scalar = (name: string): DuckType => ({ kind: 'scalar', name });

/** A delimited column of text items; `hasNulls` says whether any item is the NULL mark. */
function delimited(
  param: string,
  hasNulls: boolean,
  type: DuckType,
  expr: (v: string) => string,
  extra: Pick<TransportColumn, 'finite' | 'instant'> = {},
): TransportColumn {
  return { param, list: splitList, nullMark: hasNulls, expr, type, ...extra };
}

function hasNullsIn(data: Data, from: number, to: number): boolean {
  if (data.nullCount === 0) return false;
  for (let i = from; i < to; i++) if (!data.getValid(i)) return true;
  return false;
}

/** Items [from, to) joined by the separator, the NULL mark for invalid rows. */
function items(data: Data, from: number, to: number, item: (i: number) => string): string {
  const out: string[] = new Array(to - from);
  const nulls = data.nullCount > 0;
  for (let i = from; i < to; i++) out[i - from] = nulls && !data.getValid(i) ? NULL_MARK : item(i);
  return out.join(SEPARATOR);
}

type Joinable = ArrayLike<number | bigint> & { subarray(a: number, b: number): { join(s: string): string } };

/** Numbers [from, to) of a typed array: one native join when there are no nulls. */
function numbers(data: Data, from: number, to: number, values: Joinable): string {
  if (data.nullCount === 0) return values.subarray(from, to).join(SEPARATOR);
  return items(data, from, to, (i) => String(values[i]));
}

const utf8 = new TextDecoder();

const stringCache = new WeakMap<Data, string[]>();

/**
 * All strings of a UTF-8 column chunk (cached: a row group is sent in several slices). An ASCII buffer is
 * decoded once and sliced; Arrow's UTF-8 is validated, so equal lengths mean ASCII.
 */
function utf8Strings(data: Data): string[] {
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

/**
 * Rows [from, to) of a UTF-8 column as delimited text, copied byte by byte and decoded once; null when a
 * value contains a separator byte (the column then travels as JSON).
 */
function utf8Delimited(data: Data, from: number, to: number): { text: string; hasNulls: boolean } | null {
  // LargeUtf8's 64-bit offsets: only this slice's, as numbers (index i is then at i - shift).
  const wide = data.valueOffsets instanceof BigInt64Array;
  const shift = wide ? from : 0;
  const offsets = wide
    ? Array.from((data.valueOffsets as BigInt64Array).subarray(from, to + 1), Number)
    : (data.valueOffsets as Int32Array);
  const values = data.values as Uint8Array;
  const start = offsets[from - shift] as number;
  const end = offsets[to - shift] as number;
  const range = values.subarray(start, end);
  if (range.indexOf(SEPARATOR_BYTE) !== -1 || range.indexOf(NULL_BYTE) !== -1) return null;
  const nulls = hasNullsIn(data, from, to);
  const out = new Uint8Array(end - start + 2 * (to - from));
  let p = 0;
  let k = start;
  for (let i = from; i < to; i++) {
    const e = offsets[i + 1 - shift] as number;
    if (nulls && !data.getValid(i)) {
      out[p++] = NULL_BYTE;
      k = e;
    } else {
      while (k < e) out[p++] = values[k++] as number;
    }
    out[p++] = SEPARATOR_BYTE;
  }
  return { text: utf8.decode(out.subarray(0, p - 1)), hasNulls: nulls };
}

/** Strings that may hold separator bytes: delimited when none does, a JSON array otherwise. */
function textColumn(values: readonly (string | null)[], type: DuckType, expr: (v: string) => string): TransportColumn {
  let hasNulls = false;
  let marked = false;
  for (const v of values) {
    if (v === null) hasNulls = true;
    else if (v.includes(SEPARATOR) || v.includes(NULL_MARK)) {
      marked = true;
      break;
    }
  }
  if (marked) return { param: JSON.stringify(values), list: jsonList, nullMark: false, expr, type };
  return delimited(values.map((v) => v ?? NULL_MARK).join(SEPARATOR), hasNulls, type, expr);
}

function hasInfinity<T extends number | bigint>(values: ArrayLike<T>, from: number, to: number, infinity: T): boolean {
  for (let i = from; i < to; i++) if (infinityName(values[i] as T, infinity) !== undefined) return true;
  return false;
}

/** SQL for a value that may be named infinity: cast by name, else `finite`. */
function orInfinity(infinite: boolean): (v: string, as: string, finite: string) => string {
  if (!infinite) return (_v, _as, finite) => finite;
  return (v, as, finite) => `CASE WHEN ${v} IN ('infinity', '-infinity') THEN CAST(${v} AS ${as}) ELSE ${finite} END`;
}

/** Rows [from, to) of one Arrow column chunk, for transport. */
export function transportChunk(
  data: Data,
  from: number,
  to: number,
  name: string,
  hint?: ColumnHint,
  leaves: readonly LeafHint[] = [],
): TransportColumn {
  const type = data.type as DataType;
  const nulls = () => hasNullsIn(data, from, to);
  if (hint === 'int96') return int96(data, from, to);
  if (hint === 'uuid' && type.typeId === Type.FixedSizeBinary) {
    const values = data.values as Uint8Array;
    const text = items(data, from, to, (i) => uuidText(values.subarray(i * 16, i * 16 + 16)));
    return delimited(text, nulls(), scalar('UUID'), (v) => `CAST(${v} AS UUID)`);
  }
  switch (type.typeId) {
    case Type.Null:
      return delimited(new Array(to - from).fill(NULL_MARK).join(SEPARATOR), true, scalar('VARCHAR'), same);
    case Type.Bool: {
      const values = data.values as Uint8Array;
      const bit = (i: number) => (((values[(data.offset + i) >> 3] as number) >> ((data.offset + i) & 7)) & 1) === 1;
      const text = items(data, from, to, (i) => (bit(i) ? 't' : 'f'));
      return delimited(text, nulls(), scalar('BOOLEAN'), (v) => `CAST(${v} AS BOOLEAN)`);
    }
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      const duck =
        bitWidth === 64 ? (isSigned ? 'BIGINT' : 'UBIGINT') : bitWidth === 32 && !isSigned ? 'BIGINT' : 'INTEGER';
      const text = numbers(data, from, to, data.values as Int32Array);
      return delimited(text, nulls(), scalar(duck), (v) => `CAST(${v} AS ${duck})`);
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      const duck = precision === 2 ? 'DOUBLE' : 'FLOAT';
      const raw = data.values as Float32Array | Float64Array | Uint16Array;
      const value = precision === 0 ? (i: number) => halfToFloat(raw[i] as number) : (i: number) => raw[i] as number;
      let finite = true;
      let negativeZero = false;
      for (let i = from; i < to; i++) {
        const x = value(i);
        if (!Number.isFinite(x) && data.getValid(i)) finite = false;
        else if (x === 0 && Object.is(x, -0)) negativeZero = true;
      }
      // JavaScript's shortest round-trip text (NaN and Infinity cast as DuckDB spells them), except that
      // String(-0) is "0": a negative zero is written out so that it stays one.
      const text =
        precision === 0 || negativeZero
          ? items(data, from, to, (i) => (Object.is(value(i), -0) ? '-0' : String(value(i))))
          : numbers(data, from, to, raw);
      return delimited(text, nulls(), scalar(duck), (v) => `CAST(${v} AS ${duck})`, { finite });
    }
    case Type.Decimal: {
      const { scale, precision, bitWidth } = type as unknown as { scale: number; precision: number; bitWidth: number };
      const words = bitWidth / 32;
      const values = data.values as unknown as Uint32Array;
      const text = items(data, from, to, (i) => decimalText(readDecimal(values, i, words), scale));
      if (precision > 38) return delimited(text, nulls(), scalar('DOUBLE'), (v) => `CAST(${v} AS DOUBLE)`);
      return delimited(text, nulls(), { kind: 'decimal', precision, scale }, (v) => {
        return `CAST(${v} AS DECIMAL(${precision}, ${scale}))`;
      });
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const duck = hint === 'json' ? scalar('JSON') : scalar('VARCHAR');
      const expr = hint === 'json' ? (v: string) => `CAST(${v} AS JSON)` : same;
      const joined = utf8Delimited(data, from, to);
      if (joined) return delimited(joined.text, joined.hasNulls, duck, expr);
      const strings = utf8Strings(data);
      const values: (string | null)[] = [];
      for (let i = from; i < to; i++) values.push(data.getValid(i) ? (strings[i] as string) : null);
      return { param: JSON.stringify(values), list: jsonList, nullMark: false, expr, type: duck };
    }
    case Type.Binary:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const values = data.values as Uint8Array;
      const text = items(data, from, to, (i) => base64(values.subarray(Number(offsets[i]), Number(offsets[i + 1]))));
      return delimited(text, nulls(), scalar('BLOB'), (v) => `from_base64(${v})`);
    }
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      const values = data.values as Uint8Array;
      const text = items(data, from, to, (i) => base64(values.subarray(i * width, (i + 1) * width)));
      return delimited(text, nulls(), scalar('BLOB'), (v) => `from_base64(${v})`);
    }
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit;
      const days = data.values as Int32Array;
      // DuckDB writes DATE 'infinity' and '-infinity' as the largest day counts, which have no date.
      const infinite = unit === 0 && hasInfinity(days, from, to, DATE_INFINITY);
      const text =
        unit !== 0
          ? items(data, from, to, (i) => String(Math.floor(Number((data.values as BigInt64Array)[i]) / 86_400_000)))
          : infinite
            ? items(data, from, to, (i) => infinityName(days[i] as number, DATE_INFINITY) ?? String(days[i]))
            : numbers(data, from, to, days);
      const finite = orInfinity(infinite);
      return delimited(
        text,
        nulls(),
        scalar('DATE'),
        (v) => finite(v, 'DATE', `(DATE '1970-01-01' + CAST(${v} AS INTEGER))`),
        {
          instant: (v) => finite(v, 'TIMESTAMPTZ', `make_timestamptz(CAST(${v} AS BIGINT) * 86400000000)`),
        },
      );
    }
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: number; timezone: string | null };
      const values = data.values as BigInt64Array;
      const utc = timezone !== null && timezone !== '';
      // As DuckDB reads Parquet: nanoseconds stay only without a time zone (TIMESTAMP_NS); the rest become
      // microseconds (TIMESTAMPTZ has microseconds; nanoseconds truncate toward zero, as DuckDB's do).
      const nanos = unit === TimeUnit.NANOSECOND && !utc;
      const scale =
        { [TimeUnit.SECOND]: 1_000_000n, [TimeUnit.MILLISECOND]: 1000n, [TimeUnit.MICROSECOND]: 1n }[unit] ?? 1n;
      const count = (x: bigint) => (nanos ? x : unit === TimeUnit.NANOSECOND ? x / 1000n : x * scale);
      // DuckDB writes infinity and -infinity as the largest counts in any unit; they have no epoch value.
      const infinite = hasInfinity(values, from, to, INFINITY_COUNT);
      const text =
        !infinite && (unit === TimeUnit.MICROSECOND || nanos)
          ? numbers(data, from, to, values)
          : items(
              data,
              from,
              to,
              (i) => infinityName(values[i] as bigint, INFINITY_COUNT) ?? count(values[i] as bigint).toString(),
            );
      const make = nanos ? 'make_timestamp_ns' : utc ? 'make_timestamptz' : 'make_timestamp';
      const finite = orInfinity(infinite);
      return delimited(
        text,
        nulls(),
        scalar(nanos ? 'TIMESTAMP_NS' : utc ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP'),
        (v) => finite(v, nanos ? 'TIMESTAMP_NS' : utc ? 'TIMESTAMPTZ' : 'TIMESTAMP', `${make}(CAST(${v} AS BIGINT))`),
        {
          instant: (v) => finite(v, 'TIMESTAMPTZ', `make_timestamptz(CAST(${v} AS BIGINT)${nanos ? ' // 1000' : ''})`),
        },
      );
    }
    case Type.Time: {
      // As text DuckDB casts: TIME '24:00:00' stays itself, nanoseconds stay (TIME_NS), and a time adjusted
      // to UTC is a TIME WITH TIME ZONE (microseconds), as DuckDB's Parquet reader gives them.
      const { unit, bitWidth } = type as unknown as { unit: number; bitWidth: number };
      const raw = (i: number) =>
        bitWidth === 32
          ? BigInt((data.values as Int32Array)[i] as number)
          : ((data.values as BigInt64Array)[i] as bigint);
      const units: Record<number, 's' | 'ms' | 'us'> = {
        [TimeUnit.SECOND]: 's',
        [TimeUnit.MILLISECOND]: 'ms',
        [TimeUnit.MICROSECOND]: 'us',
      };
      const nanos = unit === TimeUnit.NANOSECOND;
      if (hint === 'timetz') {
        const text = items(data, from, to, (i) =>
          nanos ? `${timeText(raw(i) / 1000n, 'us')}+00` : `${timeText(raw(i), units[unit] ?? 'us')}+00`,
        );
        return delimited(text, nulls(), scalar('TIME WITH TIME ZONE'), (v) => `CAST(${v} AS TIMETZ)`);
      }
      const text = items(data, from, to, (i) => timeText(raw(i), nanos ? 'ns' : (units[unit] ?? 'us')));
      const duck = nanos ? 'TIME_NS' : 'TIME';
      return delimited(text, nulls(), scalar(duck), (v) => `CAST(${v} AS ${duck})`);
    }
    case Type.Dictionary: {
      const dictionary = (data.dictionary as Vector).data[0] as Data;
      if (dictionary.typeId === Type.Utf8 || dictionary.typeId === Type.LargeUtf8) {
        const strings = utf8Strings(dictionary);
        const keys = data.values as Int32Array;
        const values: (string | null)[] = [];
        for (let i = from; i < to; i++) values.push(data.getValid(i) ? (strings[Number(keys[i])] as string) : null);
        return textColumn(values, scalar('VARCHAR'), same);
      }
      return nested(data, from, to, name, leaves);
    }
    default:
      return nested(data, from, to, name, leaves);
  }
}

/**
 * Lists, structs, maps and the rest travel as JSON text per value (arrow-json.ts), which the warehouse reads
 * back into their DuckDB type; JSON text never holds a raw control character, so the separators cannot
 * occur in it.
 */
function nested(data: Data, from: number, to: number, name: string, leaves: readonly LeafHint[]): TransportColumn {
  const { duck, cell } = nestedTransform(data.type as DataType, name, [...leaves]);
  const text = items(data, from, to, (i) => cell(data, i) ?? 'null');
  const structure = quoteLiteral(JSON.stringify(duck));
  return delimited(
    text,
    hasNullsIn(data, from, to),
    parseDuckType(duck),
    (v) => `json_transform_strict(${v}, ${structure})`,
  );
}

function int96(data: Data, from: number, to: number): TransportColumn {
  const values = data.values as Uint8Array;
  const text = items(data, from, to, (i) => int96Micros(values.subarray(i * 12, i * 12 + 12)).toString());
  return delimited(
    text,
    hasNullsIn(data, from, to),
    scalar('TIMESTAMP'),
    (v) => `make_timestamp(CAST(${v} AS BIGINT))`,
    {
      instant: (v) => `make_timestamptz(CAST(${v} AS BIGINT))`,
    },
  );
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

/**
 * CSV values of one column (null for an empty field). The warehouse reads each value as the inferred
 * type, and keeps a value that does not fit (seen after the sample) as a string rather than losing it.
 */
export function csvTransport(values: readonly (string | null)[], type: CsvType, typed: DuckType): TransportColumn {
  if (type === 'VARCHAR') return textColumn(values, scalar('VARCHAR'), same);
  return textColumn(values, scalar('JSON'), (v) => {
    const cast = `CAST(${v} AS ${type})`;
    return `CASE WHEN ${v} IS NULL THEN NULL WHEN ${fitsSql(v, type)} THEN to_json(${normaliseSql(cast, typed)}) ELSE to_json(${v}) END`;
  });
}

/** Rows [from, to) of a whole column (possibly several chunks) for transport. */
export function transportColumn(
  vector: Vector,
  field: Field,
  from: number,
  to: number,
  hint?: ColumnHint,
  leaves: readonly LeafHint[] = [],
): TransportColumn {
  const parts: TransportColumn[] = [];
  let offset = 0;
  for (const data of vector.data) {
    const start = Math.max(from, offset);
    const end = Math.min(to, offset + data.length);
    if (start < end) parts.push(transportChunk(data, start - offset, end - offset, field.name, hint, leaves));
    offset += data.length;
  }
  const first = parts[0];
  if (!first) return transportChunk(vector.data[0] as Data, 0, 0, field.name, hint, leaves);
  return joinTransport(parts);
}

/** Whether columns read back alike: the same type, and the same SQL for a value and for its instant. */
export function sameReading(a: TransportColumn, b: TransportColumn): boolean {
  return (
    a.expr('v') === b.expr('v') &&
    a.instant?.('v') === b.instant?.('v') &&
    JSON.stringify(a.type) === JSON.stringify(b.type)
  );
}

/**
 * Parts of one column, one after the other, as one (the rows of several chunks, row groups or files).
 * Parts must read back alike (sameReading); the first part's reading is the whole's.
 */
export function joinTransport(parts: readonly TransportColumn[]): TransportColumn {
  const first = parts[0];
  if (!first) throw new Error('joinTransport needs at least one part');
  if (parts.length === 1) return first;
  const finite = parts.every((p) => p.finite !== false);
  if (parts.every((p) => p.list === splitList)) {
    const param = parts.map((p) => p.param).join(SEPARATOR);
    return { ...first, param, nullMark: parts.some((p) => p.nullMark), finite };
  }
  // Some part's strings hold a separator: the whole column travels as one JSON array.
  const values = parts.flatMap((p): (string | null)[] =>
    p.list === splitList
      ? p.param.split(SEPARATOR).map((v) => (p.nullMark && v === NULL_MARK ? null : v))
      : JSON.parse(p.param),
  );
  return { ...first, list: jsonList, param: JSON.stringify(values), nullMark: false, finite };
}
