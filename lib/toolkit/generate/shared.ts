// What the generated formats share: which relations they show, identifiers made of names (names are data),
// the label set of a one-column `CHECK (c IN (...))`, and the keys a column takes part in.
import { compareCodePoints } from '../../core/order.ts';
import type { ColumnModel, SchemaModel, TableModel } from '../model.ts';

/** A table or a view, with what the renderers need of either. */
export interface Relation {
  readonly kind: 'table' | 'view';
  readonly name: string;
  readonly comment: string | null;
  readonly columns: readonly ColumnModel[];
  /** Empty for views. */
  readonly constraints: TableModel['constraints'];
}

/** Where the model came from, for the generated file's header (`the migrations up to 0015_comments.sql`). */
export interface GenerateOptions {
  readonly source: string;
}

/** Tables, then views, each by name (code point order, so the output never depends on the locale). */
export function relationsOf(model: SchemaModel): Relation[] {
  const tables = [...model.tables]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((t): Relation => ({ kind: 'table', ...t }));
  const views = [...model.views]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((v): Relation => ({ kind: 'view', name: v.name, comment: v.comment, columns: v.columns, constraints: [] }));
  return [...tables, ...views];
}

/**
 * PascalCase identifiers for names: each run of letters and digits starts a capital; a result that is
 * empty or starts with a digit gets `T`; `suffix` follows (`Row`), so no identifier is a global or keyword;
 * a repeated identifier gets `2`, `3`, ... in name order.
 */
export function pascalIdentifiers(names: readonly string[], suffix: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const name of [...new Set(names)].sort(compareCodePoints)) {
    let base = (name.match(/[A-Za-z0-9]+/g) ?? []).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
    if (base === '' || /^[0-9]/.test(base)) base = `T${base}`;
    base = `${base.slice(0, 60)}${suffix}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}${n}`;
    used.add(id);
    out.set(name, id);
  }
  return out;
}

const IDENT = '(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))';
const CHECK_IN = new RegExp(String.raw`^\(\s*${IDENT}\s+IN\s+\((.*)\)\s*\)$`, 's');

/** The labels of a CHECK that is an IN-list of string literals on `column` (`(s IN ('x', 'y'))`), else null. */
export function checkLabels(expression: string, column: string): string[] | null {
  const m = CHECK_IN.exec(expression.trim());
  if (!m) return null;
  const name = m[1] !== undefined ? m[1].replaceAll('""', '"') : (m[2] as string);
  if (name.toLowerCase() !== column.toLowerCase()) return null;
  const list = (m[3] as string).trim();
  const labels: string[] = [];
  const item = /\s*'((?:[^']|'')*)'\s*(,|$)/y;
  let at = 0;
  while (at < list.length) {
    item.lastIndex = at;
    const s = item.exec(list);
    if (!s) return null;
    labels.push((s[1] as string).replaceAll("''", "'"));
    at = item.lastIndex;
    if (s[2] === '') break;
  }
  return at === list.length && labels.length > 0 ? labels : null;
}

/** The labels a column is restricted to by a one-column CHECK IN-list of its relation, if any. */
export function columnLabels(relation: Relation, column: string): string[] | null {
  for (const c of relation.constraints) {
    if (c.kind !== 'CHECK' || c.expression === null || c.columns.length !== 1 || c.columns[0] !== column) continue;
    const labels = checkLabels(c.expression, column);
    if (labels) return labels;
  }
  return null;
}

/** PK, FK, UK: the keys a column is part of, in that order. */
export function keyMarkers(relation: Relation, column: string): ('PK' | 'FK' | 'UK')[] {
  const has = (kind: string) => relation.constraints.some((c) => c.kind === kind && c.columns.includes(column));
  const out: ('PK' | 'FK' | 'UK')[] = [];
  if (has('PRIMARY KEY')) out.push('PK');
  if (has('FOREIGN KEY')) out.push('FK');
  if (has('UNIQUE')) out.push('UK');
  return out;
}

/** A constraint as one line of text: `PRIMARY KEY (a, b)`, `CHECK (x > 0)`, `FOREIGN KEY (a) REFERENCES t (b)`. */
export function constraintText(c: TableModel['constraints'][number]): string {
  if (c.kind === 'CHECK') return `CHECK ${c.expression ?? ''}`;
  const cols = `(${c.columns.join(', ')})`;
  if (c.kind === 'FOREIGN KEY' && c.references)
    return `FOREIGN KEY ${cols} REFERENCES ${c.references.table} (${c.references.columns.join(', ')})`;
  return `${c.kind} ${cols}`;
}
