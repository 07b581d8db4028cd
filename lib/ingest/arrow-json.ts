// Arrow columns (decoded by parquet-wasm) -> canonical JSON text per value (see json-text.ts), column by
// column, so the Worker side of the `push` strategy writes exactly what the warehouse side of `remote` does.
import { type Data, DataType, type Field, type Table, TimeUnit, Type, type Vector } from 'apache-arrow';
import {
  base64,
  dateText,
  decimalText,
  float32Text,
  float64Text,
  int96Text,
  timestampText,
  timeText,
  type TimeUnit as Unit,
} from './json-text.ts';

/** A column's values as JSON text, null for SQL NULL. */
export type JsonColumn = (string | null)[];

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

/**
 * JSON text for every value of a table column. `int96` marks a legacy INT96 timestamp column, which the
 * reader hands over as 12-byte binaries (see parquet/footer.ts).
 */
export function columnJson(table: Table, index: number, int96 = false): JsonColumn {
  const field = table.schema.fields[index] as Field;
  const vector = table.getChildAt(index) as Vector;
  const out: JsonColumn = new Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const chunk = int96 ? int96Column(data, field.name) : convertData(data, field.name);
    for (let i = 0; i < chunk.length; i++) out[at++] = chunk[i] as string | null;
  }
  return out;
}

/** Fast paths for flat columns; nested and rare types go value by value through `cellFor`. */
function convertData(data: Data, name: string): JsonColumn {
  const n = data.length;
  const out: JsonColumn = new Array(n);
  const nulls = data.nullCount > 0;
  const type = data.type;
  if (DataType.isInt(type) && type.bitWidth <= 32) {
    const values = data.values as Int32Array;
    for (let i = 0; i < n; i++) out[i] = nulls && !data.getValid(i) ? null : String(values[i]);
    return out;
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    const strings = utf8Strings(data);
    for (let i = 0; i < n; i++) out[i] = nulls && !data.getValid(i) ? null : JSON.stringify(strings[i]);
    return out;
  }
  const cell = cellFor(type, name);
  for (let i = 0; i < n; i++) out[i] = cell(data, i);
  return out;
}

function int96Column(data: Data, name: string): JsonColumn {
  if (data.type.typeId !== Type.FixedSizeBinary || (data.type as unknown as { byteWidth: number }).byteWidth !== 12) {
    throw new UnsupportedColumnError(`INT96 column '${name}' did not decode as 12-byte values`);
  }
  const values = data.values as Uint8Array;
  const out: JsonColumn = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    out[i] = data.getValid(i) ? JSON.stringify(int96Text(values.subarray(i * 12, i * 12 + 12))) : null;
  }
  return out;
}

/** All strings of a UTF-8 column, decoding the value buffer once. */
function utf8Strings(data: Data): string[] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const values = data.values as Uint8Array;
  const n = data.length;
  const out: string[] = new Array(n);
  const first = Number(offsets[0]);
  const last = Number(offsets[n]);
  let ascii = true;
  for (let i = first; i < last; i++) {
    if ((values[i] as number) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    const whole = utf8.decode(values.subarray(first, last));
    for (let i = 0; i < n; i++) out[i] = whole.slice(Number(offsets[i]) - first, Number(offsets[i + 1]) - first);
  } else {
    for (let i = 0; i < n; i++) out[i] = utf8.decode(values.subarray(Number(offsets[i]), Number(offsets[i + 1])));
  }
  return out;
}

function bigValue(data: Data, i: number): bigint {
  const v = (data.values as BigInt64Array | BigUint64Array)[i];
  return typeof v === 'bigint' ? v : BigInt(v as unknown as number);
}

/** The converter for one Arrow type; throws UnsupportedColumnError for shapes Parquet readers disagree on. */
export function cellFor(type: DataType, name: string): Cell {
  const valid =
    (f: Cell): Cell =>
    (data, i) =>
      data.getValid(i) ? f(data, i) : null;
  switch (type.typeId) {
    case Type.Null:
      return () => null;
    case Type.Bool:
      return valid((d, i) =>
        (((d.values as Uint8Array)[(d.offset + i) >> 3] as number) >> ((d.offset + i) & 7)) & 1 ? 'true' : 'false',
      );
    case Type.Int: {
      const t = type as DataType<Type.Int> & { bitWidth: number };
      if (t.bitWidth === 64) return valid((d, i) => bigValue(d, i).toString());
      return valid((d, i) => String((d.values as Int32Array)[i]));
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      if (precision === 0) return valid((d, i) => float32Text(halfToFloat((d.values as Uint16Array)[i] as number)));
      if (precision === 1) return valid((d, i) => float32Text((d.values as Float32Array)[i] as number));
      return valid((d, i) => float64Text((d.values as Float64Array)[i] as number));
    }
    case Type.Decimal: {
      const { scale, bitWidth } = type as unknown as { scale: number; bitWidth: number };
      const words = bitWidth / 32;
      return valid((d, i) => decimalText(readDecimal(d.values as unknown as Uint32Array, i, words), scale));
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return valid((d, i) => {
        const o = d.valueOffsets as Int32Array | BigInt64Array;
        return JSON.stringify(utf8.decode((d.values as Uint8Array).subarray(Number(o[i]), Number(o[i + 1]))));
      });
    case Type.Binary:
    case Type.LargeBinary:
      return valid((d, i) => {
        const o = d.valueOffsets as Int32Array | BigInt64Array;
        return `"${base64((d.values as Uint8Array).subarray(Number(o[i]), Number(o[i + 1])))}"`;
      });
    case Type.FixedSizeBinary: {
      const width = (type as unknown as { byteWidth: number }).byteWidth;
      return valid((d, i) => `"${base64((d.values as Uint8Array).subarray(i * width, (i + 1) * width))}"`);
    }
    case Type.Date: {
      const unit = (type as unknown as { unit: number }).unit;
      // DateUnit.DAY = 0 (int32 days), MILLISECOND = 1 (int64 ms).
      if (unit === 0) return valid((d, i) => JSON.stringify(dateText((d.values as Int32Array)[i] as number)));
      return valid((d, i) => JSON.stringify(dateText(Math.floor(Number(bigValue(d, i)) / 86_400_000))));
    }
    case Type.Timestamp: {
      const t = type as unknown as { unit: number; timezone: string | null };
      const unit = UNITS[t.unit] as Unit;
      const utc = t.timezone !== null && t.timezone !== '';
      return valid((d, i) => JSON.stringify(timestampText(bigValue(d, i), unit, utc)));
    }
    case Type.Time: {
      const t = type as unknown as { unit: number; bitWidth: number };
      const unit = UNITS[t.unit] as Unit;
      if (t.bitWidth === 32)
        return valid((d, i) => JSON.stringify(timeText(BigInt((d.values as Int32Array)[i] as number), unit)));
      return valid((d, i) => JSON.stringify(timeText(bigValue(d, i), unit)));
    }
    case Type.List:
    case Type.LargeList: {
      const child = (type.children[0] as Field).type;
      const inner = cellFor(child, name);
      return valid((d, i) => {
        const o = d.valueOffsets as Int32Array | BigInt64Array;
        const c = d.children[0] as Data;
        const parts: string[] = [];
        for (let k = Number(o[i]); k < Number(o[i + 1]); k++) parts.push(inner(c, k) ?? 'null');
        return `[${parts.join(',')}]`;
      });
    }
    case Type.FixedSizeList: {
      const size = (type as unknown as { listSize: number }).listSize;
      const inner = cellFor((type.children[0] as Field).type, name);
      return valid((d, i) => {
        const c = d.children[0] as Data;
        const parts: string[] = [];
        for (let k = i * size; k < (i + 1) * size; k++) parts.push(inner(c, k) ?? 'null');
        return `[${parts.join(',')}]`;
      });
    }
    case Type.Struct: {
      const fields = type.children as Field[];
      const keys = fields.map((f) => `${JSON.stringify(f.name)}:`);
      const inner = fields.map((f) => cellFor(f.type, `${name}.${f.name}`));
      return valid((d, i) => {
        const parts: string[] = [];
        for (let k = 0; k < inner.length; k++)
          parts.push(keys[k] + ((inner[k] as Cell)(d.children[k] as Data, i) ?? 'null'));
        return `{${parts.join(',')}}`;
      });
    }
    case Type.Map: {
      const entries = (type.children[0] as Field).type;
      if (entries.children.length !== 2) {
        throw new UnsupportedColumnError(
          `MAP column '${name}' has ${entries.children.length === 1 ? 'keys but no values' : 'a malformed entry type'}`,
        );
      }
      const keyCell = cellFor((entries.children[0] as Field).type, name);
      const valueCell = cellFor((entries.children[1] as Field).type, name);
      return valid((d, i) => {
        const o = d.valueOffsets as Int32Array;
        const e = d.children[0] as Data;
        const parts: string[] = [];
        for (let k = o[i] as number; k < (o[i + 1] as number); k++) {
          const key = keyCell(e.children[0] as Data, k);
          const keyText = key === null ? 'null' : key.startsWith('"') ? key : JSON.stringify(key);
          parts.push(`${keyText}:${valueCell(e.children[1] as Data, k) ?? 'null'}`);
        }
        return `{${parts.join(',')}}`;
      });
    }
    case Type.Dictionary: {
      const valueType = (type as unknown as { dictionary: DataType }).dictionary;
      const inner = cellFor(valueType, name);
      return valid((d, i) => {
        const dictionary = d.dictionary as Vector;
        const key = Number((d.values as Int32Array)[i]);
        const chunk = dictionary.data[0] as Data;
        return inner(chunk, key);
      });
    }
    default:
      throw new UnsupportedColumnError(`column '${name}' has Arrow type ${String(type)}, which has no JSON form here`);
  }
}

/** IEEE 754 half precision -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** A little-endian two's-complement integer of `words` 32-bit words (Arrow decimal storage). */
function readDecimal(values: Uint32Array, index: number, words: number): bigint {
  let v = 0n;
  for (let w = words - 1; w >= 0; w--) v = (v << 32n) | BigInt(values[index * words + w] as number);
  const bits = BigInt(words * 32);
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}
