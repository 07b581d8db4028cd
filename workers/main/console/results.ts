// Query results in the console: values as escaped text (NULL shown apart from the text 'NULL'), a result as a
// table with its column types, and rows by column name (a diff's) as a table.
import { html } from 'hono/html';
import type { ResultColumn, ResultValue } from '../../../lib/query/contract.ts';
import type { RowObject } from '../../../lib/reports/diff.ts';
import type { Html } from './layout.ts';

/** One value as a table cell's content: text, never markup; nested values as JSON. */
export function valueText(v: ResultValue | undefined): Html | string {
  if (v === null || v === undefined) return html`<span class="null">NULL</span>`;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const cell = (v: ResultValue | undefined) =>
  html`<td${typeof v === 'number' ? html` class="num"` : ''}>${valueText(v)}</td>`;

/** A result (columns with their DuckDB types, rows by position) as a table. */
export function resultTable(
  columns: readonly ResultColumn[],
  rows: readonly (readonly ResultValue[])[],
  id = 'result-table',
): Html {
  return html`<div class="scroll"><table class="data result" id="${id}">
<thead><tr>${columns.map((c) => html`<th scope="col">${c.name} <span class="type">${c.type}</span></th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${columns.map((_, i) => cell(r[i]))}</tr>`)}</tbody>
</table></div>`;
}

/** The column names of rows by name, in first-seen order. */
export function rowColumns(rows: readonly RowObject[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) names.add(k);
  return [...names];
}

/** Rows by column name as a table. */
export function objectTable(rows: readonly RowObject[], id: string): Html {
  const names = rowColumns(rows);
  return html`<div class="scroll"><table class="data result" id="${id}">
<thead><tr>${names.map((n) => html`<th scope="col">${n}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${names.map((n) => cell(r[n]))}</tr>`)}</tbody>
</table></div>`;
}
