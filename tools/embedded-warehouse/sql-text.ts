// A small SQL tokenizer: enough to find string literals and keywords outside strings and comments.
import { quoteLiteral } from '../../lib/warehouse/sql.ts';

export type Token =
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'word'; start: number; end: number; value: string }
  | { kind: 'param'; start: number; end: number; index: number }
  | { kind: 'other'; start: number; end: number };

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Yields significant tokens; whitespace and comments are skipped. */
export function* tokenize(sql: string): Generator<Token> {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && next === '-') {
      // As DuckDB's (Postgres') lexer: a line comment ends at either line break.
      i += 2;
      while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++;
    } else if (c === '/' && next === '*') {
      i = blockCommentEnd(sql, i);
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const start = i;
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      let value = '';
      while (i < n) {
        const ch = sql[i] as string;
        if (escapes && ch === '\\' && i + 1 < n) {
          value += sql[i + 1];
          i += 2;
        } else if (ch === "'") {
          if (sql[i + 1] === "'") {
            value += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += ch;
          i++;
        }
      }
      yield { kind: 'string', start, end: i, value };
    } else if (c === '"') {
      const start = i;
      i++;
      while (i < n) {
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      yield { kind: 'other', start, end: i };
    } else if (c === '$' && next !== undefined && /[A-Za-z_$\u0080-\uffff]/.test(next)) {
      // Dollar-quoted string: $tag$ ... $tag$ (a bare `$1` is a parameter, handled below).
      const tagEnd = sql.indexOf('$', i + 1);
      const tag = tagEnd < 0 ? '' : sql.slice(i, tagEnd + 1);
      if (tag !== '' && /^\$[A-Za-z_0-9\u0080-\uffff]*\$$/.test(tag)) {
        const close = sql.indexOf(tag, tagEnd + 1);
        const end = close < 0 ? n : close + tag.length;
        yield { kind: 'string', start: i, end, value: sql.slice(tagEnd + 1, close < 0 ? n : close) };
        i = end;
      } else {
        yield { kind: 'other', start: i, end: i + 1 };
        i++;
      }
    } else if (c === '$' && next !== undefined && next >= '0' && next <= '9') {
      const start = i;
      i++;
      while (i < n && (sql[i] as string) >= '0' && (sql[i] as string) <= '9') i++;
      yield { kind: 'param', start, end: i, index: Number(sql.slice(start + 1, i)) };
    } else if (WORD_START.test(c)) {
      const start = i;
      i++;
      while (i < n && WORD_PART.test(sql[i] as string)) i++;
      yield { kind: 'word', start, end: i, value: sql.slice(start, i).toUpperCase() };
    } else {
      yield { kind: 'other', start: i, end: i + 1 };
      i++;
    }
  }
}

/** Where the block comment opening at `start` ends: block comments nest, as in DuckDB's (Postgres') lexer. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** The first keyword of a statement (e.g. SELECT, INSERT, BEGIN), or '' when there is none. */
export function leadingKeyword(sql: string): string {
  for (const t of tokenize(sql)) {
    if (t.kind === 'word') return t.value;
    if (t.kind === 'string') return '';
  }
  return '';
}

/** Whether `keyword` appears as a word outside strings, identifiers and comments. */
export function containsKeyword(sql: string, keyword: string): boolean {
  const k = keyword.toUpperCase();
  for (const t of tokenize(sql)) if (t.kind === 'word' && t.value === k) return true;
  return false;
}

/**
 * The first of `names` (upper case) the statement calls or names: as a word, as a quoted identifier (DuckDB
 * matches those without regard to case too), or inside a string when the statement runs SQL from a string
 * (`query('…')`, `query_table('…')`). Undefined when none.
 */
export function mentionedName(sql: string, names: readonly string[]): string | undefined {
  const tokens = [...tokenize(sql)];
  const runsStrings = tokens.some((t) => t.kind === 'word' && (t.value === 'QUERY' || t.value === 'QUERY_TABLE'));
  const inText = new RegExp(`(^|[^A-Za-z0-9_])(${names.join('|')})($|[^A-Za-z0-9_])`, 'i');
  for (const t of tokens) {
    let candidate: string | undefined;
    if (t.kind === 'word') candidate = t.value;
    else if (t.kind === 'other' && sql[t.start] === '"')
      candidate = sql.slice(t.start + 1, t.end - 1).replaceAll('""', '"');
    else if (t.kind === 'string' && runsStrings) candidate = inText.exec(t.value)?.[2];
    const upper = candidate?.toUpperCase();
    if (upper !== undefined && names.includes(upper)) return upper;
  }
  return undefined;
}

/** Appends `::<type>` to each `$n` placeholder for which `typeFor(n)` returns a type. */
export function castParameters(sql: string, typeFor: (index: number) => string | undefined): string {
  let out = '';
  let last = 0;
  for (const t of tokenize(sql)) {
    if (t.kind !== 'param') continue;
    const type = typeFor(t.index);
    if (type === undefined) continue;
    out += `${sql.slice(last, t.end)}::${type}`;
    last = t.end;
  }
  return last === 0 ? sql : out + sql.slice(last);
}

/** Table functions whose string arguments name files. */
const FILE_FUNCTIONS = new Set([
  'READ_PARQUET',
  'PARQUET_SCAN',
  'PARQUET_METADATA',
  'PARQUET_SCHEMA',
  'PARQUET_KV_METADATA',
  'PARQUET_FILE_METADATA',
  'READ_CSV',
  'READ_CSV_AUTO',
  'SNIFF_CSV',
  'READ_JSON',
  'READ_JSON_AUTO',
  'READ_JSON_OBJECTS',
  'READ_NDJSON',
  'READ_NDJSON_AUTO',
  'READ_NDJSON_OBJECTS',
  'READ_TEXT',
  'READ_BLOB',
  'GLOB',
]);

/**
 * Replaces the string literals that name files (arguments of read_parquet and friends, `FROM 'x.parquet'`,
 * `COPY ... FROM/TO 'x'`) for which `map` returns a value; other text, data literals included, is kept
 * byte for byte. `map` may throw to refuse a literal.
 */
export function rewriteFileLiterals(sql: string, map: (value: string) => string | undefined): string {
  let out = '';
  let last = 0;
  // For each open bracket: whether it belongs to a file function's argument list.
  const stack: boolean[] = [];
  let previous: Token | null = null;
  for (const t of tokenize(sql)) {
    const c = t.kind === 'other' ? sql[t.start] : '';
    if (c === '(') stack.push(previous?.kind === 'word' && FILE_FUNCTIONS.has(previous.value));
    else if (c === '[') stack.push(stack.at(-1) === true);
    else if (c === ')' || c === ']') stack.pop();
    else if (t.kind === 'string') {
      const afterKeyword = previous?.kind === 'word' && (previous.value === 'FROM' || previous.value === 'TO');
      if (stack.at(-1) === true || afterKeyword) {
        const replacement = map(t.value);
        if (replacement !== undefined) {
          out += sql.slice(last, t.start) + quoteLiteral(replacement);
          last = t.end;
        }
      }
    }
    previous = t;
  }
  return last === 0 ? sql : out + sql.slice(last);
}
