// The canonical encoding of a query result, and its hash: what saved reports compare to notice a change.
// JSON of `{"columns": [{"name", "type"}...], "rows": [[...]...]}` with object keys in code point order, the
// values as the result carries them (lib/query/encode.ts), rows in the order the query returned them.
import { sha256Hex } from '../core/hash.ts';
import { compareCodePoints } from '../core/order.ts';
import type { ResultColumn, ResultValue } from './contract.ts';

/** JSON text of `value` with every object's keys sorted by code point: equal values, equal text; throws for a non-finite number. */
export function canonicalJson(value: ResultValue): string {
  // JSON.stringify would write NaN and infinities as null, one text for two values.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`a result value cannot be the number ${value}: send it as a string`);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as ResultValue)}`).join(',')}}`;
}

/** The canonical text of a result: its columns (name and DuckDB type) and rows. */
export function canonicalResult(columns: readonly ResultColumn[], rows: readonly (readonly ResultValue[])[]): string {
  const cols = columns.map((c) => ({ name: c.name, type: c.type }));
  return canonicalJson({ columns: cols, rows: rows as ResultValue[][] });
}

/** SHA-256 (hex) of canonicalResult. */
export function resultHash(
  columns: readonly ResultColumn[],
  rows: readonly (readonly ResultValue[])[],
): Promise<string> {
  return sha256Hex(canonicalResult(columns, rows));
}
