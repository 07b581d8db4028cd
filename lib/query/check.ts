// The safety check of a user's query (docs/query.md#safety): DuckDB's own parse tree of it
// (`json_serialize_sql`, run on the warehouse) walked node by node. Exactly one SELECT; every table it reads is
// one it may read or a CTE in scope; every function is allowed (functions.ts). Pure: the tree comes in as text.
import { refusedFunction, refusedTableFunction } from './functions.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** FROM items a query may use; any other (SHOW / DESCRIBE / SUMMARIZE, and kinds DuckDB may add) is refused. */
const FROM_ITEMS = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'TABLE_FUNCTION', 'EXPRESSION_LIST', 'EMPTY', 'PIVOT']);

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

/** What json_serialize_sql answered: the statements' trees, or DuckDB's reason for not giving them. */
export type ParsedSql = { readonly statements: readonly Json[] } | { readonly error: string };

/** json_serialize_sql's answer (as text) read. */
export function readParseTree(serialized: string): ParsedSql {
  const tree = JSON.parse(serialized) as Json;
  if (!isObject(tree)) return { error: 'the parser gave no tree' };
  if (tree.error === true) {
    const message = text(tree.error_message);
    // DuckDB serializes SELECT statements only; anything else is refused with this message.
    if (/only select statements/i.test(message))
      return { error: 'only a SELECT statement may run (CTEs allowed; PIVOT and UNPIVOT are not supported)' };
    return { error: `${text(tree.error_type) || 'parser'} error: ${message}` };
  }
  return { statements: Array.isArray(tree.statements) ? tree.statements : [] };
}

/**
 * Why the query may not run, one reason per refused thing (empty: it may). `relations` are the tables and
 * views it may read, lower case; the check refuses anything it does not recognise rather than guess.
 */
export function refusalsOf(parsed: ParsedSql, relations: ReadonlySet<string>): string[] {
  return checkParsed(parsed, relations).refusals;
}

/** The refusals (see refusalsOf) and the tables and views the query reads, lower case (CTEs not included). */
export function checkParsed(
  parsed: ParsedSql,
  relations: ReadonlySet<string>,
): { refusals: string[]; reads: Set<string> } {
  const reads = new Set<string>();
  if ('error' in parsed) return { refusals: [parsed.error], reads };
  if (parsed.statements.length === 0) return { refusals: ['the query is empty'], reads };
  if (parsed.statements.length > 1) {
    return { refusals: [`exactly one statement may run, not ${parsed.statements.length}`], reads };
  }
  const out = new Set<string>();
  walk(parsed.statements[0] as Json, new Set(), { relations, out, reads });
  return { refusals: [...out], reads };
}

interface Walk {
  readonly relations: ReadonlySet<string>;
  readonly out: Set<string>;
  readonly reads: Set<string>;
}

function walk(node: Json, ctes: ReadonlySet<string>, w: Walk): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, ctes, w);
    return;
  }
  if (!isObject(node)) return;
  const type = text(node.type);
  if (type.endsWith('_NODE')) queryNode(node, ctes, w);
  else if (typeof node.class === 'string') expression(node, ctes, w);
  // A FROM item (every one has a `sample`), or anything else that names a table.
  else if ('sample' in node || 'table_name' in node) fromItem(node, type, ctes, w);
  else for (const value of Object.values(node)) walk(value, ctes, w);
}

/**
 * A SELECT (or set operation) node: its CTEs see the ones before them, its body sees all of them. A CTE
 * does not see itself (DuckDB reads `WITH t AS (SELECT * FROM t)` from the table t), except in the
 * recursive part of a recursive CTE.
 */
function queryNode(node: JsonObject, ctes: ReadonlySet<string>, w: Walk): void {
  const entries = isObject(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
  const inScope = new Set(ctes);
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    walk(entry.value ?? null, new Set(inScope), w);
    inScope.add(text(entry.key).toLowerCase());
  }
  const recursive = text(node.type) === 'RECURSIVE_CTE_NODE' ? text(node.cte_name).toLowerCase() : '';
  for (const [key, value] of Object.entries(node)) {
    if (key === 'cte_map') continue;
    walk(value, key === 'right' && recursive !== '' ? new Set([...inScope, recursive]) : inScope, w);
  }
}

function expression(node: JsonObject, ctes: ReadonlySet<string>, w: Walk): void {
  if (typeof node.function_name === 'string') {
    const qualified = qualification(text(node.catalog), text(node.schema));
    if (qualified) w.out.add(`function ${qualified}.${node.function_name}: functions may not be qualified`);
    const reason = refusedFunction(node.function_name);
    if (reason) w.out.add(reason);
  }
  for (const value of Object.values(node)) walk(value, ctes, w);
}

/** Catalog or schema of a name, when it is anything but the default (empty or `main`). */
function qualification(catalog: string, schema: string): string {
  if (catalog !== '') return schema === '' ? catalog : `${catalog}.${schema}`;
  return schema === '' || schema.toLowerCase() === 'main' ? '' : schema;
}

function fromItem(node: JsonObject, type: string, ctes: ReadonlySet<string>, w: Walk): void {
  if (!FROM_ITEMS.has(type)) {
    w.out.add(
      `${type.toLowerCase().replaceAll('_', ' ') || 'this FROM item'} is not allowed in a query (SHOW, DESCRIBE and SUMMARIZE included)`,
    );
    return;
  }
  if (type === 'BASE_TABLE') {
    table(node, ctes, w);
    return;
  }
  if (type === 'TABLE_FUNCTION') {
    const fn = isObject(node.function) ? node.function : {};
    const name = text(fn.function_name);
    const qualified = qualification(text(fn.catalog), text(fn.schema));
    if (qualified) w.out.add(`table function ${qualified}.${name}: functions may not be qualified`);
    const reason = refusedTableFunction(name);
    if (reason) w.out.add(reason);
    // Its arguments are expressions like any other; the function itself is judged above, as a table function.
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'function') walk(value, ctes, w);
    }
    for (const [key, value] of Object.entries(fn)) {
      if (key !== 'function_name') walk(value, ctes, w);
    }
    return;
  }
  for (const value of Object.values(node)) walk(value, ctes, w);
}

function table(node: JsonObject, ctes: ReadonlySet<string>, w: Walk): void {
  const name = text(node.table_name);
  const qualified = qualification(text(node.catalog_name), text(node.schema_name));
  if (qualified) {
    w.out.add(`table ${qualified}.${name}: only the tables and views of this database may be read, unqualified`);
  } else if (!ctes.has(name.toLowerCase())) {
    if (w.relations.has(name.toLowerCase())) w.reads.add(name.toLowerCase());
    else w.out.add(`table ${JSON.stringify(name)} is not a table or view a query may read`);
  }
  if (node.at_clause !== null && node.at_clause !== undefined) w.out.add(`table ${name}: AT (...) is not allowed`);
  walk(node.sample ?? null, ctes, w);
}
