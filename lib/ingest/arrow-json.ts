// Canonical JSON text (json-text.ts) of nested Arrow values (lists, structs, maps), for the `push` strategy,
// which sends them to the warehouse as JSON; flat columns travel typed (transport.ts).
import { type Data, type DataType, type Field, TimeUnit, Type, type Vector } from 'apache-arrow';
import {
  base64,
  dateText,
  decimalText,
  float64Text,
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
      // A FLOAT's JSON is its exact value as a double (0.10000000149011612), as DuckDB's to_json writes it.
      if (precision === 0) return valid((d, i) => float64Text(halfToFloat((d.values as Uint16Array)[i] as number)));
      if (precision === 1) return valid((d, i) => float64Text((d.values as Float32Array)[i] as number));
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
