// Nested Arrow values (lists, structs, maps) for the `push` strategy. Each value travels as JSON text
// whose leaves DuckDB casts exactly (decimals and timestamps as strings, floats as numbers or "NaN"), and
// the warehouse reads it back with json_transform_strict into the DuckDB type DuckDB's own Parquet reader
// gives the column. From there both strategies render the same typed value with the same SQL
// (duck-types.ts): a nested decimal keeps its scale, a whole double stays 1.0, a UUID stays a UUID.
import { type Data, DataType, type Field, TimeUnit, Type, type Vector } from 'apache-arrow';
import type { LeafHint } from '../parquet/footer.ts';
import { quoteIdent } from '../warehouse/sql.ts';
import {
  base64,
  DATE_INFINITY,
  dateText,
  decimalText,
  INFINITY_COUNT,
  infinityName,
  timestampText,
  timeText,
  type TimeUnit as Unit,
} from './json-text.ts';

export class UnsupportedColumnError extends Error {
  override readonly name = 'UnsupportedColumnError';
}

const UNITS: Record<number, Unit> = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
};

const utf8 = new TextDecoder();

/** Converts one value at index `i` of `data` to JSON text; null for SQL NULL. */
type Cell = (data: Data, i: number) => string | null;

/** A nested column's JSON cell, and the DuckDB type json_transform_strict reads it into. */
export interface NestedTransform {
  readonly duck: string;
  readonly cell: Cell;
}

function bigValue(data: Data, i: number): bigint {
  const v = (data.values as BigInt64Array | BigUint64Array)[i];
  return typeof v === 'bigint' ? v : BigInt(v as unknown as number);
}

/** A finite number as JSON, -0 kept; NaN and infinities as the strings DuckDB casts. */
function floatJson(n: number): string {
  if (Number.isNaN(n)) return '"NaN"';
  if (!Number.isFinite(n)) return n > 0 ? '"Infinity"' : '"-Infinity"';
  return Object.is(n, -0) ? '-0.0' : String(n);
}

/** A timestamp as DuckDB casts it from text: "2024-02-29 13:45:00.5", "0045-03-15 (BC) 12:00:00". */
function timestampCast(value: bigint, unit: Unit): string {
  const iso = timestampText(value, unit, false);
  return iso.includes('T(BC)T') ? iso.replace('T(BC)T', ' (BC) ') : iso.replace('T', ' ');
}

/**
 * The transform for one Arrow type; `hints` are the leaves' logical types in depth-first order (consumed
 * as the type is walked). Throws UnsupportedColumnError for types without a faithful JSON form here.
 */
export function nestedTransform(type: DataType, name: string, hints: LeafHint[] = []): NestedTransform {
  const valid =
    (f: Cell): Cell =>
    (data, i) =>
      data.getValid(i) ? f(data, i) : null;
  const leaf = (duck: string, cell: Cell): NestedTransform => {
    hints.shift();
    return { duck, cell: valid(cell) };
  };
  switch (type.typeId) {
    case Type.Null:
      hints.shift();
      return { duck: 'VARCHAR', cell: () => null };
    case Type.Bool:
      return leaf('BOOLEAN', (d, i) =>
        (((d.values as Uint8Array)[(d.offset + i) >> 3] as number) >> ((d.offset + i) & 7)) & 1 ? 'true' : 'false',
      );
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      const base = { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[bitWidth] ?? 'BIGINT';
      const duck = isSigned ? base : `U${base}`;
      if (bitWidth === 64) return leaf(duck, (d, i) => bigValue(d, i).toString());
      return leaf(duck, (d, i) => String((d.values as Int32Array)[i]));
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      if (precision === 0)
        return leaf('FLOAT', (d, i) => floatJson(halfToFloat((d.values as Uint16Array)[i] as number)));
      return leaf(precision === 1 ? 'FLOAT' : 'DOUBLE', (d, i) => floatJson((d.values as Float64Array)[i] as number));
    }
    case Type.Decimal: {
      const { scale, precision, bitWidth } = type as unknown as { scale: number; precision: number; bitWidth: number };
      const words = bitWidth / 32;
      const duck = precision > 38 ? 'DOUBLE' : `DECIMAL(${precision}, ${scale})`;
      return leaf(duck, (d, i) => `"${decimalText(readDecimal(d.values as unknown as Uint32Array, i, words), scale)}"`);
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const text = (d: Data, i: number) => {
        const o = d.valueOffsets as Int32Array | BigInt64Array;
        return utf8.decode((d.values as Uint8Array).subarray(Number(o[i]), Number(o[i + 1])));
      };
      // A JSON column's text is a JSON document: it travels as it is.
      if (hints[0] === 'json') return leaf('JSON', text);
      return leaf('VARCHAR', (d, i) => JSON.stringify(text(d, i)));
    }
    // Binary renders as base64 either way: it travels already rendered.
    case Type.Binary:
    case Type.LargeBinary:
      return leaf('VARCHAR', (d, i) => {
        const o = d.valueOffsets as Int32Array | BigInt64Array;
        return `"${base64((d.values as Uint8Array).subarray(Number(o[i]), Number(o[i + 1])))}"`;
      });
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      if (hints[0] === 'uuid' && width === 16) {
        return leaf('UUID', (d, i) => `"${uuidText((d.values as Uint8Array).subarray(i * 16, i * 16 + 16))}"`);
      }
      return leaf('VARCHAR', (d, i) => `"${base64((d.values as Uint8Array).subarray(i * width, (i + 1) * width))}"`);
    }
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit;
      // DateUnit.DAY = 0 (int32 days), MILLISECOND = 1 (int64 ms).
      if (unit === 0) {
        return leaf('DATE', (d, i) => {
          const days = (d.values as Int32Array)[i] as number;
          const infinite = infinityName(days, DATE_INFINITY);
          if (infinite) return `"${infinite}"`;
          return `"${dateText(days)}"`;
        });
      }
      return leaf('DATE', (d, i) => `"${dateText(Math.floor(Number(bigValue(d, i)) / 86_400_000))}"`);
    }
    case Type.Timestamp: {
      const t = type as unknown as { unit: number; timezone: string | null };
      const unit = UNITS[t.unit] as Unit;
      const utc = t.timezone !== null && t.timezone !== '';
      // As DuckDB reads Parquet: nanoseconds stay only without a time zone (TIMESTAMPTZ has microseconds,
      // truncated toward zero); seconds and milliseconds become microseconds.
      const nanos = unit === 'ns' && !utc;
      const micros = (v: bigint) =>
        unit === 'ns' ? v / 1000n : unit === 'ms' ? v * 1000n : unit === 's' ? v * 1_000_000n : v;
      return leaf(nanos ? 'TIMESTAMP_NS' : utc ? 'TIMESTAMPTZ' : 'TIMESTAMP', (d, i) => {
        const raw = bigValue(d, i);
        const infinite = infinityName(raw, INFINITY_COUNT);
        if (infinite) return `"${infinite}"`;
        if (nanos) return `"${timestampCast(raw, 'ns')}"`;
        return `"${timestampCast(micros(raw), 'us')}${utc ? '+00' : ''}"`;
      });
    }
    case Type.Time: {
      const t = type as unknown as { unit: number; bitWidth: number };
      const unit = UNITS[t.unit] as Unit;
      const raw = (d: Data, i: number) =>
        t.bitWidth === 32 ? BigInt((d.values as Int32Array)[i] as number) : bigValue(d, i);
      if (hints[0] === 'timetz') {
        const micros = (v: bigint) => (unit === 'ns' ? v / 1000n : v);
        return leaf('TIMETZ', (d, i) => `"${timeText(micros(raw(d, i)), unit === 'ns' ? 'us' : unit)}+00"`);
      }
      return leaf(unit === 'ns' ? 'TIME_NS' : 'TIME', (d, i) => `"${timeText(raw(d, i), unit)}"`);
    }
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const inner = nestedTransform((type.children[0] as Field).type, name, hints);
      const size = type.typeId === Type.FixedSizeList ? (type as unknown as { listSize: number }).listSize : 0;
      return {
        duck: `${inner.duck}[]`,
        cell: valid((d, i) => {
          const o = d.valueOffsets as Int32Array | BigInt64Array;
          const [from, to] = size > 0 ? [i * size, (i + 1) * size] : [Number(o[i]), Number(o[i + 1])];
          const c = d.children[0] as Data;
          const parts: string[] = [];
          for (let k = from; k < to; k++) parts.push(inner.cell(c, k) ?? 'null');
          return `[${parts.join(',')}]`;
        }),
      };
    }
    case Type.Struct: {
      const fields = type.children as Field[];
      const keys = fields.map((f) => `${JSON.stringify(f.name)}:`);
      const inner = fields.map((f) => nestedTransform(f.type, `${name}.${f.name}`, hints));
      return {
        duck: `STRUCT(${fields.map((f, k) => `${quoteIdent(f.name)} ${(inner[k] as NestedTransform).duck}`).join(', ')})`,
        cell: valid((d, i) => {
          const parts: string[] = [];
          for (let k = 0; k < inner.length; k++)
            parts.push(keys[k] + ((inner[k] as NestedTransform).cell(d.children[k] as Data, i) ?? 'null'));
          return `{${parts.join(',')}}`;
        }),
      };
    }
    case Type.Map: {
      const entries = (type.children[0] as Field).type;
      if (entries.children.length !== 2) {
        throw new UnsupportedColumnError(
          `MAP column '${name}' has ${entries.children.length === 1 ? 'keys but no values' : 'a malformed entry type'}`,
        );
      }
      const keyType = (entries.children[0] as Field).type;
      const key = nestedTransform(keyType, name, hints);
      const value = nestedTransform((entries.children[1] as Field).type, name, hints);
      // A JSON object's keys are strings, which json_transform casts to a scalar key type; a nested key
      // stays its JSON text.
      const nestedKey = DataType.isList(keyType) || DataType.isStruct(keyType) || DataType.isMap(keyType);
      return {
        duck: `MAP(${nestedKey ? 'VARCHAR' : key.duck}, ${value.duck})`,
        cell: valid((d, i) => {
          const o = d.valueOffsets as Int32Array;
          const e = d.children[0] as Data;
          const parts: string[] = [];
          for (let k = o[i] as number; k < (o[i + 1] as number); k++) {
            const text = key.cell(e.children[0] as Data, k);
            const keyText = text === null ? 'null' : text.startsWith('"') ? text : JSON.stringify(text);
            parts.push(`${keyText}:${value.cell(e.children[1] as Data, k) ?? 'null'}`);
          }
          return `{${parts.join(',')}}`;
        }),
      };
    }
    case Type.Dictionary: {
      const inner = nestedTransform((type as unknown as { dictionary: DataType }).dictionary, name, hints);
      return {
        duck: inner.duck,
        cell: valid((d, i) => {
          const dictionary = d.dictionary as Vector;
          return inner.cell(dictionary.data[0] as Data, Number((d.values as Int32Array)[i]));
        }),
      };
    }
    default:
      throw new UnsupportedColumnError(`column '${name}' has Arrow type ${String(type)}, which has no JSON form here`);
  }
}

/** 16 bytes as UUID text. */
export function uuidText(b: Uint8Array): string {
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** IEEE 754 half precision -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** A little-endian two's-complement integer of `words` 32-bit words (Arrow decimal storage). */
export function readDecimal(values: Uint32Array, index: number, words: number): bigint {
  let v = 0n;
  for (let w = words - 1; w >= 0; w--) v = (v << 32n) | BigInt(values[index * words + w] as number);
  const bits = BigInt(words * 32);
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}
