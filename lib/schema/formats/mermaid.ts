// The schema as a Mermaid erDiagram: the core and catalog tables, and per source one entity holding its
// discovered fields. Mermaid identifiers are restricted, so names are turned into identifiers by a fixed
// rule and the original name is kept, escaped, in the quoted attribute comment.
import { compareCodePoints } from '../../core/order.ts';
import type { SchemaDocument } from '../document.ts';
import { TABLE_RELATIONS, TABLES } from '../tables.ts';
import { groupFields, isLive } from './shared.ts';

// Words the erDiagram lexer reads as keywords, not names.
const RESERVED = new Set([
  'pk',
  'fk',
  'uk',
  'erdiagram',
  'direction',
  'style',
  'classdef',
  'class',
  'acctitle',
  'accdescr',
]);

/**
 * Identifier rule: every run of characters outside `[A-Za-z0-9_]` becomes one `_`; a result that is
 * empty, starts with a digit or `_`, or is a keyword gets the prefix (`f_` for fields); at most 64
 * characters. Names are taken in code point order and a repeated identifier gets `_2`, `_3`, ... .
 */
export function safeIdentifiers(names: readonly string[], prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const name of [...new Set(names)].sort(compareCodePoints)) {
    let base = name.replace(/[^A-Za-z0-9_]+/g, '_').slice(0, 64);
    if (base === '' || /^[0-9_]/.test(base) || RESERVED.has(base.toLowerCase())) base = `${prefix}${base}`.slice(0, 64);
    let id = base;
    for (let n = 2; used.has(id.toLowerCase()); n++) id = `${base}_${n}`;
    used.add(id.toLowerCase());
    out.set(name, id);
  }
  return out;
}

/**
 * Text for a quoted Mermaid string: every character outside `[A-Za-z0-9 _.,:/()[\]+=@-]` is written as
 * Mermaid's entity code `#<decimal code point>;`, so quotes, `#`, `<`, line breaks and the like stay text.
 */
export function escapeComment(value: string): string {
  let out = '';
  for (const ch of value) out += /^[A-Za-z0-9 _.,:/()[\]+=@-]$/.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/** An attribute type word: the DuckDB type with anything but letters, digits and `_` turned into `_`. */
const typeWord = (type: string): string => {
  const w = type.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return w === '' || /^[0-9]/.test(w) ? `t_${w}` : w;
};

/** The erDiagram text of a schema document. */
export function renderMermaid(doc: SchemaDocument): string {
  const out: string[] = ['erDiagram'];
  out.push(
    `  %% living-schema version ${doc.version} (${escapeComment(doc.semver)}), hash ${escapeComment(doc.contentHash)}`,
  );
  for (const t of TABLES) {
    out.push(`  ${t.name} {`);
    for (const c of t.columns) {
      out.push(`    ${typeWord(c.type)} ${c.name}${c.key ? ` ${c.key}` : ''}${c.nullable ? '' : ' "not null"'}`);
    }
    out.push('  }');
  }
  for (const r of TABLE_RELATIONS) out.push(`  ${r.from} }o--o| ${r.to} : "${escapeComment(r.via)}"`);

  const groups = groupFields(doc.fields.filter((f) => isLive(f.status)));
  const entityIds = new Map<string, string>();
  for (const kind of ['structured', 'document_metadata'] as const) {
    const sources = groups.filter((g) => g.kind === kind).map((g) => g.source);
    for (const [source, id] of safeIdentifiers(sources, '')) {
      entityIds.set(`${kind}\u0000${source}`, `${kind === 'structured' ? 'source' : 'metadata'}_${id}`);
    }
  }
  for (const g of groups) {
    const entity = entityIds.get(`${g.kind}\u0000${g.source}`) as string;
    const ids = safeIdentifiers(
      g.fields.map((f) => f.name),
      'f_',
    );
    out.push(
      `  ${entity}["${escapeComment(g.kind === 'structured' ? `source ${g.source}` : `metadata ${g.source}`)}"] {`,
    );
    for (const f of g.fields) {
      out.push(`    ${typeWord(f.type)} ${ids.get(f.name)} "${escapeComment(`${f.name} (${f.status})`)}"`);
    }
    out.push('  }');
    const [table, column] = g.kind === 'structured' ? ['structured_data', 'data'] : ['raw_documents', 'metadata'];
    const label = g.kind === 'structured' ? `${column} where source = ${g.source}` : column;
    out.push(`  ${table} ||--o| ${entity} : "${escapeComment(label)}"`);
    out.push(`  field_definitions ||--o{ ${entity} : "${escapeComment(`describes (source ${g.source})`)}"`);
  }
  return `${out.join('\n')}\n`;
}
