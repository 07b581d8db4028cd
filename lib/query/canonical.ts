// The canonical encoding of a query result: one text for the same columns and rows, whoever produced them,
// so a result hash means the same thing in query_executions, saved report runs and stored results.

import { sha256Hex } from '../core/hash.ts';
import { compareCodePoints } from '../core/order.ts';
import type { ResultColumn, ResultValue } from './contract.ts';

/**
 * One value as canonical JSON: no whitespace, object keys sorted by code point, numbers as JavaScript's
 * shortest round-trip form (so `1.0` and `1` are one value, `-0` is `0`), strings as JSON.stringify writes
 * them. Throws for a non-finite number: a ResultValue carries NaN and infinities as strings.
 */
export function canonicalValue(value: ResultValue): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError(`a result value cannot be the number ${value}: send it as a string`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalValue(value[k] as ResultValue)}`).join(',')}}`;
}

/**
 * The canonical text of a result: the columns as one JSON line of `[name, type]` pairs, then one line per row
 * (canonicalValue of the row's array), in the rows' order. Order counts: the same rows in another order are
 * another text (saved reports compare rows as a multiset where order does not matter, lib/reports/diff.ts).
 */
export function canonicalRows(columns: readonly ResultColumn[], rows: readonly (readonly ResultValue[])[]): string {
  const head = JSON.stringify(columns.map((c) => [c.name, c.type]));
  return [head, ...rows.map((row) => canonicalValue(row as ResultValue[]))].join('\n');
}

/** SHA-256 (hex) of canonicalRows: QueryResult.resultHash. */
export function resultHashOf(
  columns: readonly ResultColumn[],
  rows: readonly (readonly ResultValue[])[],
): Promise<string> {
  return sha256Hex(canonicalRows(columns, rows));
}
