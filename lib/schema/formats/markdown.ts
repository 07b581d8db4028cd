// The schema as Markdown: a header, the entity types and one table per source of fields. Readable by
// people and by LLMs; every name, description and example is escaped so it is text, never markup.
import type { SchemaDocument, SchemaField } from '../document.ts';
import { groupFields } from './shared.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '|': '&#124;', '`': '&#96;' };

/**
 * Text for one Markdown table cell: `& < > | \`` become entities; `\ * _ [ ] ~` are backslash-escaped
 * (except `_` inside a word, which is never emphasis); line breaks (LF, CR, U+2028/9) become `<br>`;
 * other control characters become numeric entities; a leading `#`, `-`, `+`, `=` or `>`-like marker is
 * backslash-escaped, and leading/trailing spaces become `&#32;` so an all-space name stays visible.
 */
export function escapeCell(value: string): string {
  let out = value.replace(/\r\n|[\r\n\u2028\u2029]|[&<>|`\\*[\]~_]|\p{Cc}/gu, (c, at: number) => {
    if (c === '_') {
      const word = /[\p{L}\p{N}]/u;
      return word.test(value[at - 1] ?? '') && word.test(value[at + 1] ?? '') ? '_' : '\\_';
    }
    if (c.length === 2 || /[\r\n\u2028\u2029]/.test(c)) return '<br>';
    const entity = ENTITIES[c];
    if (entity) return entity;
    if (/[\\*[\]~]/.test(c)) return `\\${c}`;
    return `&#x${c.charCodeAt(0).toString(16)};`;
  });
  out = out.replace(/^[#+=-]/, (c) => `\\${c}`);
  out = out.replace(/^ +| +$/g, (s) => '&#32;'.repeat(s.length));
  return out;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

const count = (n: number | undefined): string => (n === undefined ? '' : String(n));

const examples = (values: readonly string[] | undefined): string =>
  (values ?? [])
    .slice(0, 3)
    .map((v) => escapeCell(JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)))
    .join(', ');

function fieldRow(f: SchemaField): string {
  const name =
    f.mergedInto === null ? escapeCell(f.name) : `${escapeCell(f.name)} (merged into ${escapeCell(f.mergedInto)})`;
  return row([
    name,
    escapeCell(f.type),
    f.status,
    escapeCell(f.description ?? ''),
    count(f.stats?.occurrences),
    examples(f.stats?.examples),
    escapeCell(f.location.sql),
  ]);
}

/** The Markdown text of a schema document. */
export function renderMarkdown(doc: SchemaDocument): string {
  const out: string[] = [];
  out.push(`# Schema version ${doc.version} (${escapeCell(doc.semver)})`, '');
  out.push(`- Published: ${escapeCell(doc.publishedAt)}`);
  out.push(`- Bump: ${doc.bump}`);
  out.push(`- Content hash: ${escapeCell(doc.contentHash)}`, '');

  out.push('## Entity types', '');
  if (doc.entityTypes.length === 0) out.push('No entity types.', '');
  else {
    out.push(row(['Name', 'Status', 'Description', 'Occurrences', 'Documents', 'Aliases', 'Examples']));
    out.push(row(['---', '---', '---', '---:', '---:', '---', '---']));
    for (const e of doc.entityTypes) {
      const name =
        e.mergedInto === null ? escapeCell(e.name) : `${escapeCell(e.name)} (merged into ${escapeCell(e.mergedInto)})`;
      out.push(
        row([
          name,
          e.status,
          escapeCell(e.description ?? ''),
          count(e.stats?.occurrences),
          count(e.stats?.documents),
          e.aliases.map(escapeCell).join(', '),
          examples(e.stats?.examples),
        ]),
      );
    }
    out.push('');
  }

  if (doc.views.length > 0) {
    out.push('## Views', '');
    out.push(row(['View', 'Reads', 'Columns']));
    out.push(row(['---', '---', '---']));
    for (const v of doc.views) {
      const reads =
        v.source === null ? 'annotations (current, canonical entity types)' : `source ${escapeCell(v.source)}`;
      const columns = v.columns.map((c) => `${escapeCell(c.name)} ${escapeCell(c.type)}`).join(', ');
      out.push(row([v.name, reads, columns]));
    }
    out.push('');
  }

  const groups = groupFields(doc.fields);
  if (groups.length === 0) out.push('## Fields', '', 'No fields.', '');
  for (const g of groups) {
    const where = g.kind === 'structured' ? 'structured_data.data' : 'raw_documents.metadata';
    out.push(`## Source ${escapeCell(g.source)} (${where})`, '');
    out.push(row(['Field', 'Type', 'Status', 'Description', 'Occurrences', 'Examples', 'SQL']));
    out.push(row(['---', '---', '---', '---', '---:', '---', '---']));
    for (const f of g.fields) out.push(fieldRow(f));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
