// The SQL a model's answer proposes: its first ```sql fenced block, else its first untagged block, else the
// whole answer; refused when there is none, or no SELECT in it. The query safety check comes after this.
import { NO_SQL_PREFIX } from './prompt.ts';

export type ExtractedSql =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly refused: string };

/** The longest SQL the query API takes. */
export const MAX_SQL_CHARS = 100_000;

// An opening fence with its info string, the body, and the closing fence (or the end: an answer cut short).
const FENCE = /```([^\n`]*)\n([\s\S]*?)(?:```|$)/g;

/** The SQL the answer proposes, trimmed, without trailing semicolons; or why there is none. */
export function extractSql(answer: string): ExtractedSql {
  const text = answer.trim();
  if (text === '') return { ok: false, refused: 'the model answered nothing' };
  if (text.toUpperCase().startsWith(NO_SQL_PREFIX)) {
    return {
      ok: false,
      refused: `the model wrote no query: ${text.slice(NO_SQL_PREFIX.length).trim() || 'no reason given'}`,
    };
  }
  const blocks = [...text.matchAll(FENCE)].map((m) => ({
    lang: (m[1] ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '',
    body: m[2] ?? '',
  }));
  const chosen = blocks.find((b) => b.lang === 'sql') ?? blocks.find((b) => b.lang === '');
  if (blocks.length > 0 && !chosen) {
    return {
      ok: false,
      refused: `the model's answer has no \`\`\`sql block (only ${blocks.map((b) => b.lang).join(', ')})`,
    };
  }
  const sql = (chosen ? chosen.body : text).trim().replace(/[\s;]+$/, '');
  if (!/\bselect\b/i.test(sql)) return { ok: false, refused: "the model's answer has no SELECT" };
  if (sql.length > MAX_SQL_CHARS) {
    return { ok: false, refused: `the proposed SQL is longer than ${MAX_SQL_CHARS} characters` };
  }
  return { ok: true, sql };
}
