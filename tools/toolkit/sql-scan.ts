// `check`'s scan of the SQL in the code: string and template literals in .ts files (found with the TypeScript
// compiler API) that start like a SELECT are parsed by DuckDB's own parser (json_serialize_sql, which takes
// SELECT statements only) and their table and column names compared with a schema model. Conservative: a
// column is reported only when every relation its statement can read is a known table or view and none has it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { SchemaModel } from '../../lib/toolkit/model.ts';
import type { WarehouseSession } from '../../lib/warehouse/port.ts';

/** A SQL literal found in the code. */
export interface SqlLiteral {
  readonly file: string;
  /** 1-based line of the literal's start. */
  readonly line: number;
  readonly sql: string;
  /** Substitutions (`${...}`) replaced by placeholders. */
  readonly substitutions: number;
}

export interface SqlProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface SqlScanReport {
  readonly files: number;
  readonly statements: number;
  readonly checked: number;
  /** Literals DuckDB's parser did not take (fragments, or placeholders where no name may stand). */
  readonly skipped: number;
  readonly problems: readonly SqlProblem[];
}

/** Relations the code creates at run time, so no migration defines them, and why they are known. */
export const RUNTIME_RELATIONS: Readonly<Record<string, string>> = {
  annotations_current: 'typed view the discovery Worker creates on publish (lib/query/views.ts ANNOTATIONS_VIEW)',
};

const PLACEHOLDER = '__ls_sub';
const LOOKS_LIKE_SQL = /^\s*\(?\s*(SELECT|WITH)\s/;

/** .ts files under `paths` (files or folders), .d.ts and node_modules left out, in path order. */
export function tsFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string): void => {
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (name !== 'node_modules') visit(join(p, name));
    } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  };
  for (const p of paths) visit(p);
  return out;
}

/** The literals of `source` that start like a SELECT; `${...}` becomes a placeholder identifier. */
export function sqlLiterals(file: string, source: string): SqlLiteral[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: SqlLiteral[] = [];
  const visit = (node: ts.Node): void => {
    let sql: string | null = null;
    let substitutions = 0;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) sql = node.text;
    else if (ts.isTemplateExpression(node)) {
      sql = node.head.text;
      node.templateSpans.forEach((span, i) => {
        sql += `${PLACEHOLDER}${i}${span.literal.text}`;
      });
      substitutions = node.templateSpans.length;
    }
    if (sql !== null && LOOKS_LIKE_SQL.test(sql)) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      out.push({ file, line, sql, substitutions });
    }
    if (!ts.isTemplateExpression(node)) ts.forEachChild(node, visit);
    else for (const span of node.templateSpans) visit(span.expression);
  };
  visit(sf);
  return out;
}

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface FromItem {
  readonly name: string;
  /** Lower-cased; null when unknown (a CTE, subquery, table function, VALUES, unknown table). */
  readonly columns: ReadonlySet<string> | null;
}

interface Scope {
  readonly items: readonly FromItem[];
  readonly parent: Scope | null;
}

/** Names anywhere in the statement that a bare column reference may mean: select-list aliases, lambda parameters. */
function statementNames(tree: unknown): Set<string> {
  const names = new Set<string>(['excluded']);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      if (typeof v.alias === 'string' && v.alias !== '') names.add(v.alias.toLowerCase());
      if (v.class === 'LAMBDA') {
        const lhs = v.lhs;
        const params = isObject(lhs) && lhs.class === 'FUNCTION' ? (lhs.children as unknown[]) : [lhs];
        for (const p of params)
          if (isObject(p) && Array.isArray(p.column_names))
            for (const n of p.column_names) names.add(String(n).toLowerCase());
      }
      if (Array.isArray(v.column_name_alias)) for (const n of v.column_name_alias) names.add(String(n).toLowerCase());
      if (isObject(v.cte_map) && Array.isArray(v.cte_map.map))
        for (const e of v.cte_map.map) if (isObject(e) && typeof e.key === 'string') names.add(e.key.toLowerCase());
      Object.values(v).forEach(visit);
    }
  };
  visit(tree);
  return names;
}

/** Problems of one parsed statement (`tree` is json_serialize_sql's output) against `relations`. */
export function statementProblems(
  tree: unknown,
  relations: ReadonlyMap<string, ReadonlySet<string>>,
  report: (offset: number, message: string) => void,
): void {
  const names = statementNames(tree);
  const ctes = new Set<string>();
  const location = (v: Json): number =>
    typeof v.query_location === 'number' && v.query_location < 1e15 ? v.query_location : 0;

  const fromItems = (t: unknown, scope: Scope | null, items: FromItem[], conditions: unknown[]): void => {
    if (!isObject(t)) return;
    const alias = typeof t.alias === 'string' ? t.alias : '';
    switch (t.type) {
      case 'EMPTY':
        return;
      case 'BASE_TABLE': {
        const table = String(t.table_name);
        const lower = table.toLowerCase();
        const schema = String(t.schema_name ?? '');
        const name = alias || table;
        if ((schema !== '' && schema !== 'main') || table.includes(PLACEHOLDER)) {
          items.push({ name, columns: null });
          return;
        }
        if (schema === '' && t.catalog_name === '' && ctes.has(lower)) {
          items.push({ name, columns: null });
          return;
        }
        const columns = relations.get(lower);
        if (!columns) {
          if (!(lower in RUNTIME_RELATIONS)) report(location(t), `unknown table ${table}`);
          items.push({ name, columns: null });
          return;
        }
        items.push({ name, columns });
        return;
      }
      case 'JOIN':
        fromItems(t.left, scope, items, conditions);
        fromItems(t.right, scope, items, conditions);
        if (t.condition) conditions.push(t.condition);
        return;
      case 'SUBQUERY':
        if (isObject(t.subquery)) walkNode(t.subquery.node, scope);
        items.push({ name: alias, columns: null });
        return;
      default:
        // Table functions, VALUES, PIVOT, ...: their arguments may hold subqueries; their columns are unknown.
        for (const [k, v] of Object.entries(t)) if (k !== 'alias') walkExpr(v, scope);
        items.push({ name: alias, columns: null });
    }
  };

  const resolveBare = (column: string, scope: Scope | null): boolean => {
    let any = false;
    for (let s = scope; s; s = s.parent) {
      for (const item of s.items) {
        any = true;
        if (item.columns === null || item.columns.has(column)) return true;
        if (item.name.toLowerCase() === column) return true;
      }
    }
    return !any;
  };

  const findItem = (name: string, scope: Scope | null): FromItem | null => {
    for (let s = scope; s; s = s.parent) for (const item of s.items) if (item.name.toLowerCase() === name) return item;
    return null;
  };

  const checkRef = (ref: Json, scope: Scope | null): void => {
    const parts = (ref.column_names as unknown[]).map((n) => String(n).toLowerCase());
    if (parts.some((p) => p.includes(PLACEHOLDER))) return;
    const first = parts[0];
    if (first === undefined) return;
    // `t.c`, `t.c.field`, or `main.t.c` / `db.main.t.c`: the relation is the first part that names one.
    for (let i = 0; i + 1 < parts.length; i++) {
      const item = findItem(parts[i] as string, scope);
      if (!item) continue;
      const column = parts[i + 1] as string;
      if (item.columns !== null && !item.columns.has(column) && !names.has(column))
        report(location(ref), `unknown column ${parts[i]}.${column}`);
      return;
    }
    // A bare name, or the struct column of `s.field`.
    if (names.has(first) || resolveBare(first, scope)) return;
    report(location(ref), `unknown column ${first}`);
  };

  const walkExpr = (v: unknown, scope: Scope | null): void => {
    if (Array.isArray(v)) {
      for (const x of v) walkExpr(x, scope);
      return;
    }
    if (!isObject(v)) return;
    if (v.type === 'SELECT_NODE' || v.type === 'SET_OPERATION_NODE' || v.type === 'RECURSIVE_CTE_NODE')
      walkNode(v, scope);
    else if (v.class === 'COLUMN_REF' && Array.isArray(v.column_names)) checkRef(v, scope);
    else if (v.class === 'LAMBDA') walkExpr(v.expr, scope);
    else for (const x of Object.values(v)) walkExpr(x, scope);
  };

  const walkCtes = (node: Json, scope: Scope | null): void => {
    const map = isObject(node.cte_map) ? node.cte_map.map : null;
    if (!Array.isArray(map)) return;
    for (const e of map) if (isObject(e) && typeof e.key === 'string') ctes.add(e.key.toLowerCase());
    for (const e of map)
      if (isObject(e) && isObject(e.value) && isObject(e.value.query)) walkNode(e.value.query.node, scope);
  };

  function walkNode(node: unknown, parent: Scope | null): void {
    if (!isObject(node)) return;
    walkCtes(node, parent);
    if (node.type !== 'SELECT_NODE') {
      for (const [k, v] of Object.entries(node)) if (k !== 'cte_map') walkExpr(v, parent);
      return;
    }
    const items: FromItem[] = [];
    const conditions: unknown[] = [];
    fromItems(node.from_table, parent, items, conditions);
    const scope: Scope = { items, parent };
    for (const [k, v] of Object.entries(node)) if (k !== 'cte_map' && k !== 'from_table') walkExpr(v, scope);
    for (const c of conditions) walkExpr(c, scope);
  }

  if (isObject(tree) && Array.isArray(tree.statements))
    for (const s of tree.statements) if (isObject(s)) walkNode(s.node, null);
}

/** Lower-cased relation name -> lower-cased column names, for tables and views of `model`. */
export function relationColumns(model: SchemaModel): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of [...model.tables, ...model.views])
    out.set(r.name.toLowerCase(), new Set(r.columns.map((c) => c.name.toLowerCase())));
  return out;
}

/** Scans `paths` (relative to `root`) against `model`, parsing with `db` (any DuckDB session). */
export async function scanSql(
  db: WarehouseSession,
  model: SchemaModel,
  paths: readonly string[],
  root: string,
): Promise<SqlScanReport> {
  const relations = relationColumns(model);
  const problems: SqlProblem[] = [];
  let statements = 0;
  let checked = 0;
  let skipped = 0;
  const files = tsFiles(paths.map((p) => join(root, p)));
  for (const file of files) {
    const shown = relative(root, file);
    for (const lit of sqlLiterals(shown, readFileSync(file, 'utf8'))) {
      statements++;
      const [row] = await db.query<{ tree: unknown }>('SELECT json_serialize_sql($1::VARCHAR) AS tree', [lit.sql]);
      const tree = row?.tree;
      if (!isObject(tree) || tree.error !== false) {
        skipped++;
        continue;
      }
      checked++;
      const seen = new Set<string>();
      statementProblems(tree, relations, (offset, message) => {
        const line = lit.line + (lit.sql.slice(0, offset).match(/\n/g)?.length ?? 0);
        const key = `${line}\u0000${message}`;
        if (seen.has(key)) return;
        seen.add(key);
        problems.push({ file: shown, line, message });
      });
    }
  }
  return { files: files.length, statements, checked, skipped, problems };
}
