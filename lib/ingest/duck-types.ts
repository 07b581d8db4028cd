// DuckDB column types (as DESCRIBE prints them) -> SQL that renders a value as canonical JSON text
// (json-text.ts), so the `remote` strategy writes exactly what the `push` strategy writes.
import { quoteLiteral } from '../warehouse/sql.ts';

export type DuckType =
  | { readonly kind: 'scalar'; readonly name: string }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'list'; readonly element: DuckType }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly type: DuckType }[] }
  | { readonly kind: 'map'; readonly key: DuckType; readonly value: DuckType }
  | { readonly kind: 'other'; readonly text: string };

export class DuckTypeError extends Error {
  override readonly name = 'DuckTypeError';
}

/** Parses a DuckDB type string such as `STRUCT(a INTEGER, "b c" VARCHAR[])[]` or `MAP(VARCHAR, DECIMAL(10,2))`. */
export function parseDuckType(text: string): DuckType {
  const p = new TypeParser(text);
  const t = p.type();
  p.end();
  return t;
}

class TypeParser {
  private pos = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos] as string)) this.pos++;
  }

  private peek(): string {
    this.ws();
    return this.s[this.pos] ?? '';
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw new DuckTypeError(`expected '${c}' at ${this.pos} in type ${this.s}`);
    this.pos++;
  }

  end(): void {
    if (this.peek() !== '') throw new DuckTypeError(`unexpected text at ${this.pos} in type ${this.s}`);
  }

  private word(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos));
    if (!m) throw new DuckTypeError(`expected a name at ${this.pos} in type ${this.s}`);
    this.pos += m[0].length;
    return m[0];
  }

  private ident(): string {
    if (this.peek() !== '"') return this.word();
    this.pos++;
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos] as string;
      if (c === '"') {
        if (this.s[this.pos + 1] === '"') {
          out += '"';
          this.pos += 2;
          continue;
        }
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
    throw new DuckTypeError(`unterminated quoted name in type ${this.s}`);
  }

  private number(): number {
    this.ws();
    const m = /^\d+/.exec(this.s.slice(this.pos));
    if (!m) throw new DuckTypeError(`expected a number at ${this.pos} in type ${this.s}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  /** Skips a balanced parenthesised group, returning its text (for types we only print, e.g. ENUM). */
  private group(): string {
    const start = this.pos;
    let depth = 0;
    let quote: string | null = null;
    for (; this.pos < this.s.length; this.pos++) {
      const c = this.s[this.pos] as string;
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        this.pos++;
        return this.s.slice(start, this.pos);
      }
    }
    throw new DuckTypeError(`unbalanced parentheses in type ${this.s}`);
  }

  type(): DuckType {
    let t = this.base();
    while (this.peek() === '[') {
      this.pos++;
      if (this.peek() !== ']') this.number();
      this.expect(']');
      t = { kind: 'list', element: t };
    }
    return t;
  }

  private base(): DuckType {
    const name = this.word().toUpperCase();
    if (name === 'STRUCT' || name === 'ROW') {
      this.expect('(');
      const fields: { name: string; type: DuckType }[] = [];
      if (this.peek() !== ')') {
        for (;;) {
          const field = this.ident();
          fields.push({ name: field, type: this.type() });
          if (this.peek() !== ',') break;
          this.pos++;
        }
      }
      this.expect(')');
      return { kind: 'struct', fields };
    }
    if (name === 'MAP') {
      this.expect('(');
      const key = this.type();
      this.expect(',');
      const value = this.type();
      this.expect(')');
      return { kind: 'map', key, value };
    }
    if (name === 'DECIMAL' || name === 'NUMERIC') {
      if (this.peek() !== '(') return { kind: 'decimal', precision: 18, scale: 3 };
      this.expect('(');
      const precision = this.number();
      let scale = 0;
      if (this.peek() === ',') {
        this.pos++;
        scale = this.number();
      }
      this.expect(')');
      return { kind: 'decimal', precision, scale };
    }
    // Multi-word scalars: TIMESTAMP WITH TIME ZONE, TIME WITH TIME ZONE, DOUBLE PRECISION.
    let full = name;
    const rest = this.s.slice(this.pos).match(/^\s+(WITH TIME ZONE|PRECISION)\b/i);
    if (rest) {
      this.pos += rest[0].length;
      full = `${name} ${(rest[1] as string).toUpperCase()}`;
    }
    if (this.peek() === '(') return { kind: 'other', text: full + this.group() };
    return { kind: 'scalar', name: full };
  }
}

const NUMERIC_TEXT = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
  'VARINT',
  'BIGNUM',
  'BOOLEAN',
]);
const TIMESTAMPS = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'DATETIME']);

/**
 * A SQL expression (VARCHAR) giving the canonical JSON text of `expr`, or NULL when `expr` is NULL.
 * `depth` keeps lambda parameter names unique in nested lists and maps.
 */
export function jsonTextSql(expr: string, type: DuckType, depth = 0): string {
  const asJsonString = (e: string) => `to_json(${e})::VARCHAR`;
  switch (type.kind) {
    case 'decimal':
      return `CAST(${expr} AS VARCHAR)`;
    case 'list': {
      const v = `e${depth}`;
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE '[' || array_to_string(list_transform(${expr}, lambda ${v}: coalesce(${jsonTextSql(v, type.element, depth + 1)}, 'null')), ',') || ']' END`;
    }
    case 'struct': {
      if (type.fields.length === 0) return `CASE WHEN ${expr} IS NULL THEN NULL ELSE '{}' END`;
      const parts = type.fields.map(
        (f, i) =>
          `${quoteLiteral(`${i === 0 ? '' : ','}${JSON.stringify(f.name)}:`)} || coalesce(${jsonTextSql(`struct_extract(${expr}, ${quoteLiteral(f.name)})`, f.type, depth + 1)}, 'null')`,
      );
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE '{' || ${parts.join(' || ')} || '}' END`;
    }
    case 'map': {
      const v = `e${depth}`;
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE '{' || array_to_string(list_transform(map_entries(${expr}), lambda ${v}: ${asJsonString(`CAST(${v}.key AS VARCHAR)`)} || ':' || coalesce(${jsonTextSql(`${v}.value`, type.value, depth + 1)}, 'null')), ',') || '}' END`;
    }
    case 'other':
      return asJsonString(`CAST(${expr} AS VARCHAR)`);
    case 'scalar': {
      const n = type.name;
      if (NUMERIC_TEXT.has(n)) return `CAST(${expr} AS VARCHAR)`;
      if (n === 'FLOAT' || n === 'REAL' || n === 'DOUBLE' || n === 'DOUBLE PRECISION') {
        return `CASE WHEN isnan(${expr}) THEN '"NaN"' WHEN isinf(${expr}) AND ${expr} > 0 THEN '"Infinity"' WHEN isinf(${expr}) THEN '"-Infinity"' ELSE CAST(${expr} AS VARCHAR) END`;
      }
      // regexp_replace changes only the first space (BC dates print as "0045-03-15 (BC) 12:00:00").
      if (TIMESTAMPS.has(n)) return asJsonString(`regexp_replace(CAST(${expr} AS VARCHAR), ' ', 'T')`);
      if (n === 'TIMESTAMP WITH TIME ZONE' || n === 'TIMESTAMPTZ') {
        return asJsonString(`regexp_replace(CAST(${expr} AT TIME ZONE 'UTC' AS VARCHAR), ' ', 'T') || 'Z'`);
      }
      if (n === 'BLOB' || n === 'BYTEA' || n === 'VARBINARY') return `'"' || to_base64(${expr}) || '"'`;
      if (n === 'VARCHAR' || n === 'TEXT' || n === 'STRING') return asJsonString(expr);
      if (n === 'JSON') return `CAST(${expr} AS VARCHAR)`;
      return asJsonString(`CAST(${expr} AS VARCHAR)`);
    }
  }
}

/** SQL building one JSON object text from named columns: '{"a":' || ... || '}'. */
export function jsonObjectSql(columns: readonly { readonly key: string; readonly text: string }[]): string {
  if (columns.length === 0) return `'{}'`;
  const parts = columns.map(
    (c, i) => `${quoteLiteral(`${i === 0 ? '{' : ','}${JSON.stringify(c.key)}:`)} || coalesce(${c.text}, 'null')`,
  );
  return `${parts.join(' || ')} || '}'`;
}
