// Rows added, removed and changed between two stored results: paired by the report's key columns, or, without
// a key, compared as whole rows (a multiset: order does not count). Values are compared on the columns both
// results have; columns only one has are listed apart. Pure.
import { canonicalJson } from '../query/canonical.ts';
import type { ResultColumn, ResultValue } from '../query/contract.ts';
import { type ColumnChanges, columnChanges, type RowCounts } from './explain.ts';

/** A result as stored: its columns and rows. */
export interface StoredRows {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly ResultValue[])[];
}

/** A row by column name. */
export type RowObject = Record<string, ResultValue>;

export interface ChangedRow {
  readonly key: RowObject;
  readonly before: RowObject;
  readonly after: RowObject;
  /** The columns whose value differs. */
  readonly columns: readonly string[];
}

export interface ResultDiff {
  readonly by: 'key' | 'rows';
  readonly key: readonly string[] | null;
  readonly columns: ColumnChanges;
  readonly counts: RowCounts & { readonly unchanged: number };
  readonly added: readonly RowObject[];
  readonly removed: readonly RowObject[];
  readonly changed: readonly ChangedRow[];
  /** Whether a list was cut at the limit (the counts are always whole). */
  readonly truncated: boolean;
}

export type DiffOutcome =
  | { readonly ok: true; readonly diff: ResultDiff }
  | { readonly ok: false; readonly problem: string };

/** Why a result cannot be stored as a report's: a column name that repeats (rows are keyed by name). */
export function columnsProblem(columns: readonly ResultColumn[]): string | null {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) return `the result has two columns named '${c.name}': give each column its own name (AS)`;
    seen.add(c.name);
  }
  return null;
}

const keyText = (values: readonly ResultValue[]) => values.map(canonicalJson).join(', ');

/** Why `key` cannot pair the rows of `result`: a column it lacks, or a key value that repeats. */
export function keyProblem(result: StoredRows, key: readonly string[]): string | null {
  const names = result.columns.map((c) => c.name);
  const missing = key.filter((k) => !names.includes(k));
  if (missing.length > 0) {
    const list = missing.map((k) => `'${k}'`).join(', ');
    return `key column${missing.length > 1 ? 's' : ''} ${list} not in the result (its columns: ${names.join(', ')})`;
  }
  const at = key.map((k) => names.indexOf(k));
  const counts = new Map<string, number>();
  for (const row of result.rows) {
    const text = keyText(at.map((i) => row[i] as ResultValue));
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  for (const [text, n] of counts) {
    if (n > 1) return `the key (${key.join(', ')}) is not unique: (${text}) appears ${n} times`;
  }
  return null;
}

const objectOf = (columns: readonly ResultColumn[], row: readonly ResultValue[]): RowObject =>
  Object.fromEntries(columns.map((c, i) => [c.name, row[i] as ResultValue]));

function pick(row: RowObject, names: readonly string[]): RowObject {
  return Object.fromEntries(names.map((n) => [n, row[n] as ResultValue]));
}

/**
 * The difference from `from` to `to`: by `key` when given (each key must be unique on both sides, or the
 * outcome names the problem), else by whole rows. Lists keep at most `limit` items each.
 */
export function diffResults(
  from: StoredRows,
  to: StoredRows,
  options: {
    readonly key: readonly string[] | null;
    readonly limit?: number;
    readonly labels?: readonly [string, string];
  },
): DiffOutcome {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const [fromLabel, toLabel] = options.labels ?? ['from', 'to'];
  const shared = to.columns.map((c) => c.name).filter((n) => from.columns.some((c) => c.name === n));
  const before = from.rows.map((r) => objectOf(from.columns, r));
  const after = to.rows.map((r) => objectOf(to.columns, r));
  const columns = columnChanges(from.columns, to.columns);
  let truncated = false;
  const cut = <T>(items: T[]): T[] => {
    if (items.length <= limit) return items;
    truncated = true;
    return items.slice(0, limit);
  };
  const { key } = options;
  if (key === null) {
    // A multiset of the shared columns' canonical rows: each row of `to` takes one equal row of `from`.
    const text = (row: RowObject) => canonicalJson(shared.map((n) => row[n] as ResultValue));
    const pending = new Map<string, number[]>();
    before.forEach((row, i) => {
      const t = text(row);
      pending.set(t, [...(pending.get(t) ?? []), i]);
    });
    const matched = new Set<number>();
    const added: RowObject[] = [];
    for (const row of after) {
      const i = pending.get(text(row))?.shift();
      if (i === undefined) added.push(row);
      else matched.add(i);
    }
    const removed = before.filter((_, i) => !matched.has(i));
    const counts = { added: added.length, removed: removed.length, changed: 0, unchanged: matched.size };
    const diff = {
      by: 'rows' as const,
      key: null,
      columns,
      counts,
      added: cut(added),
      removed: cut(removed),
      changed: [],
    };
    return { ok: true, diff: { ...diff, truncated } };
  }
  for (const [label, side] of [
    [fromLabel, from],
    [toLabel, to],
  ] as const) {
    const problem = keyProblem(side, key);
    if (problem) return { ok: false, problem: `${label}: ${problem}` };
  }
  const keyOf = (row: RowObject) => keyText(key.map((k) => row[k] as ResultValue));
  const beforeByKey = new Map(before.map((row) => [keyOf(row), row]));
  const afterKeys = new Set(after.map(keyOf));
  const compared = shared.filter((n) => !key.includes(n));
  const added: RowObject[] = [];
  const changed: ChangedRow[] = [];
  let unchanged = 0;
  for (const row of after) {
    const old = beforeByKey.get(keyOf(row));
    if (!old) {
      added.push(row);
      continue;
    }
    const differing = compared.filter(
      (n) => canonicalJson(old[n] as ResultValue) !== canonicalJson(row[n] as ResultValue),
    );
    if (differing.length === 0) unchanged++;
    else changed.push({ key: pick(row, key), before: old, after: row, columns: differing });
  }
  const removed = before.filter((row) => !afterKeys.has(keyOf(row)));
  const counts = { added: added.length, removed: removed.length, changed: changed.length, unchanged };
  return {
    ok: true,
    diff: {
      by: 'key',
      key,
      columns,
      counts,
      added: cut(added),
      removed: cut(removed),
      changed: cut(changed),
      truncated,
    },
  };
}
