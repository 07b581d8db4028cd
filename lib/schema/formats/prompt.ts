// The schema as compact text an LLM takes as its schema context, cut to a token budget: the most-used
// names first, each with its type, example values and the SQL that reaches it. Every name and example is
// written as a JSON string literal, so none can break a line or pose as an instruction heading.
import { compareCodePoints } from '../../core/order.ts';
import { quoteLiteral } from '../../warehouse/sql.ts';
import type { SchemaDocument } from '../document.ts';
import { isLive } from './shared.ts';

export const PROMPT_BUDGET_DEFAULT = 2000;
export const PROMPT_BUDGET_MIN = 100;
export const PROMPT_BUDGET_MAX = 100_000;

/** Tokens are estimated as ceil(characters / 4) (UTF-16 units): close for English and SQL, and cheap. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/** A budget within [min, max]; undefined or not a number means the default. */
export function clampBudget(budget: number | undefined): number {
  if (budget === undefined || !Number.isFinite(budget)) return PROMPT_BUDGET_DEFAULT;
  return Math.min(PROMPT_BUDGET_MAX, Math.max(PROMPT_BUDGET_MIN, Math.floor(budget)));
}

// JSON string literal with U+2028/9 escaped too: every line break a name could hold becomes visible text.
const lit = (value: string): string =>
  JSON.stringify(value).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');

// SQL stays copy-pasteable: only line breaks and control characters are escaped (as \n, \u2028, ...).
const oneLine = (sql: string): string => sql.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => lit(c).slice(1, -1));

const examplesOf = (values: readonly string[] | undefined): string => {
  const shown = (values ?? []).slice(0, 3).map((v) => lit(v.length > 40 ? `${v.slice(0, 37)}...` : v));
  return shown.length > 0 ? `; e.g. ${shown.join(', ')}` : '';
};

interface Line {
  readonly occurrences: number | null;
  readonly order: string;
  readonly text: string;
}

/** The prompt text; never longer than `budget` tokens by estimateTokens (budget clamped to [min, max]). */
export function renderPrompt(doc: SchemaDocument, budget?: number): string {
  const limit = clampBudget(budget) * 4;
  const header = [
    `Schema version ${doc.version} (${lit(doc.semver)}), published ${lit(doc.publishedAt)}.`,
    'Tables: raw_documents (OCR pages; JSON column metadata), annotations (entity spans: entity_type, text, document_id),',
    'structured_data (rows: source, data JSON). Current rows have valid_to IS NULL. Names below are JSON strings.',
  ].join('\n');

  const lines: Line[] = [];
  // Views first: they are where a query reads typed values (docs/query.md#views).
  for (const [i, v] of doc.views.entries()) {
    const columns = v.columns.map((c) => `${lit(c.name)} ${oneLine(c.type)}`).join(', ');
    const of = v.source === null ? 'current annotations, canonical entity types' : `source ${lit(v.source)}`;
    lines.push({
      occurrences: Number.POSITIVE_INFINITY,
      order: `v\u0000${String(i).padStart(6, '0')}`,
      text: `view ${v.name} (${of}): ${columns}; SQL: SELECT * FROM ${v.name}`,
    });
  }
  for (const e of doc.entityTypes.filter((e) => isLive(e.status))) {
    lines.push({
      occurrences: e.stats?.occurrences ?? null,
      order: `e\u0000${e.name}`,
      text: `entity type ${lit(e.name)} (${e.status})${e.aliases.length ? `, aliases ${e.aliases.map(lit).join(', ')}` : ''}${examplesOf(e.stats?.examples)}; SQL: SELECT text FROM annotations WHERE entity_type = ${oneLine(quoteLiteral(e.name))}`,
    });
  }
  for (const f of doc.fields.filter((f) => isLive(f.status))) {
    const where = f.location.table === 'structured_data' ? ` WHERE source = ${quoteLiteral(f.source)}` : '';
    const sql = `SELECT ${f.location.sql} FROM ${f.location.table}${where}`;
    lines.push({
      occurrences: f.stats?.occurrences ?? null,
      order: `f\u0000${f.source}\u0000${f.name}`,
      text: `field ${lit(f.name)} of ${f.kind === 'structured' ? 'source' : 'document metadata'} ${lit(f.source)}: ${oneLine(f.type)} (${f.status})${examplesOf(f.stats?.examples)}; SQL: ${oneLine(sql)}`,
    });
  }
  // Views, then the most used names first; names without statistics last; ties in a fixed order.
  const rank = (l: Line) => l.occurrences ?? -1;
  lines.sort((a, b) => (rank(a) === rank(b) ? compareCodePoints(a.order, b.order) : rank(b) > rank(a) ? 1 : -1));

  const fits = (text: string) => text.length <= limit;
  let body = header;
  let shown = 0;
  for (const line of lines) {
    const next = `${body}\n- ${line.text}`;
    const left = lines.length - shown - 1;
    const tail = left > 0 ? `\n(${left} more names left out by the token budget)` : '';
    if (!fits(next + tail)) break;
    body = next;
    shown++;
  }
  const omitted = lines.length - shown;
  if (omitted === 0) return fits(body) ? body : body.slice(0, limit);
  const note = `\n(${omitted} more names left out by the token budget)`;
  const text = body + note;
  return fits(text) ? text : `${header}${note}`.slice(0, limit);
}
