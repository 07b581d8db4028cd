// The whole schema as one declarative DDL file (sql/schema.sql): ENUM types, tables (referenced ones first)
// with their indexes and comments, then views (the ones others read first). Applied to an empty database it
// makes the schema the model describes; `npm run schema -- diff migration sql/schema.sql` finds nothing.
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import { createTableSql } from './drift.ts';
import type { SchemaModel, TableModel, ViewModel } from './model.ts';

/** `items` so each comes after the ones `needs` names, by name otherwise. */
function dependencyOrder<T extends { readonly name: string }>(items: readonly T[], needs: (item: T) => string[]): T[] {
  const byName = new Map(items.map((i) => [i.name, i]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (item: T, path: Set<string>) => {
    if (done.has(item.name) || path.has(item.name)) return;
    path.add(item.name);
    for (const n of needs(item).sort()) {
      const dep = byName.get(n);
      if (dep && dep !== item) visit(dep, path);
    }
    done.add(item.name);
    out.push(item);
  };
  for (const item of [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    visit(item, new Set());
  return out;
}

const referenced = (t: TableModel): string[] =>
  t.constraints.flatMap((c) => (c.kind === 'FOREIGN KEY' && c.references ? [c.references.table] : []));

/** The views a view's SQL names (as a whole word), among `names`. */
const readsViews = (v: ViewModel, names: readonly string[]): string[] =>
  names.filter((n) => n !== v.name && new RegExp(`\\b${n.replace(/[^A-Za-z0-9_]/g, '\\$&')}\\b`).test(v.sql));

const lit = (s: string) => quoteLiteral(s);

/** The DDL text of `model`, with a header naming `source`. */
export function schemaDdl(model: SchemaModel, source: string): string {
  const parts: string[] = [
    [
      `-- The warehouse schema as one declarative DDL file, generated from ${source}.`,
      '-- Do not edit: change sql/migrations and run `npm run schema -- generate --all`; `npm run schema -- check`',
      '-- fails while this file is stale. Apply it to an empty database, or compare: `npm run schema -- diff migration sql/schema.sql`.',
    ].join('\n'),
  ];
  for (const e of model.enums)
    parts.push(`CREATE TYPE ${quoteIdent(e.name)} AS ENUM (${e.labels.map(lit).join(', ')});`);
  for (const t of dependencyOrder(model.tables, referenced)) {
    const statements = createTableSql(t).map((s) => `${s};`);
    if (t.comment !== null) statements.push(`COMMENT ON TABLE ${quoteIdent(t.name)} IS ${lit(t.comment)};`);
    for (const c of t.columns)
      if (c.comment !== null)
        statements.push(`COMMENT ON COLUMN ${quoteIdent(t.name)}.${quoteIdent(c.name)} IS ${lit(c.comment)};`);
    parts.push(statements.join('\n'));
  }
  const viewNames = model.views.map((v) => v.name);
  for (const v of dependencyOrder(model.views, (x) => readsViews(x, viewNames))) {
    const statements = [`${v.sql.trim().replace(/;$/, '')};`];
    if (v.comment !== null) statements.push(`COMMENT ON VIEW ${quoteIdent(v.name)} IS ${lit(v.comment)};`);
    parts.push(statements.join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}
