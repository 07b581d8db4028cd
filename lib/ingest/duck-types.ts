// DuckDB column types (as DESCRIBE prints them), and the SQL both strategies use to render a row as
// canonical JSON (json-text.ts): the warehouse renders it, from typed values, whoever read the file.
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';

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

// ---- canonical JSON --------------------------------------------------------------------------
// A row's JSON is DuckDB's own to_json(struct_pack(...)) over its columns, each first normalised so that
// to_json writes the canonical form (json-text.ts): decimals keep their scale (to_json of a narrow DECIMAL
// goes through a double), NaN and infinities become strings, timestamps ISO 8601, binary base64.

const PLAIN = new Set([
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
  'BOOLEAN',
  'VARCHAR',
  'TEXT',
  'STRING',
  'DATE',
  'TIME',
  'UUID',
  'JSON',
]);
const FLOATS = new Set(['FLOAT', 'REAL', 'DOUBLE', 'DOUBLE PRECISION']);
const TIMESTAMPS = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'DATETIME']);
const TIMESTAMPS_TZ = new Set(['TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ']);

/** Floating point columns known to hold no NaN or infinity (checked per load) need no CASE. */
export interface NormaliseOptions {
  readonly finite?: boolean;
}

/** Whether to_json(value) is already canonical for this type. */
export function isPlain(type: DuckType, options: NormaliseOptions = {}): boolean {
  switch (type.kind) {
    case 'scalar':
      return PLAIN.has(type.name) || (FLOATS.has(type.name) && options.finite === true);
    case 'decimal':
    case 'other':
      return false;
    case 'list':
      return isPlain(type.element);
    case 'struct':
      return type.fields.every((f) => isPlain(f.type));
    case 'map':
      return isPlain(type.key) && isPlain(type.value);
  }
}

/** An expression over `expr` whose to_json is canonical (see above). */
export function normaliseSql(expr: string, type: DuckType, options: NormaliseOptions = {}, depth = 0): string {
  if (isPlain(type, options)) return expr;
  const e = `(${expr})`;
  switch (type.kind) {
    case 'decimal':
      return `CAST(${e} AS DECIMAL(38, ${type.scale}))`;
    case 'other':
      return `CAST(${e} AS VARCHAR)`;
    case 'list': {
      const v = `e${depth}`;
      return `list_transform(${e}, lambda ${v}: ${normaliseSql(v, type.element, {}, depth + 1)})`;
    }
    case 'struct': {
      const fields = type.fields.map(
        (f) =>
          `${quoteIdent(f.name)} := ${normaliseSql(`struct_extract(${e}, ${quoteLiteral(f.name)})`, f.type, {}, depth + 1)}`,
      );
      return `CASE WHEN ${e} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    case 'map': {
      const v = `e${depth}`;
      const key = normaliseSql(`${v}.key`, type.key, {}, depth + 1);
      const value = normaliseSql(`${v}.value`, type.value, {}, depth + 1);
      return `map_from_entries(list_transform(map_entries(${e}), lambda ${v}: struct_pack(key := ${key}, value := ${value})))`;
    }
    case 'scalar': {
      const n = type.name;
      if (FLOATS.has(n)) {
        return `CASE WHEN ${e} IS NULL THEN NULL WHEN isfinite(${e}) THEN to_json(${e}) WHEN isnan(${e}) THEN '"NaN"'::JSON WHEN ${e} > 0 THEN '"Infinity"'::JSON ELSE '"-Infinity"'::JSON END`;
      }
      if (TIMESTAMPS.has(n)) return `replace(CAST(${e} AS VARCHAR), ' ', 'T')`;
      // NOTE: epoch_us and make_timestamp avoid ICU: a time zone cast costs microseconds per value.
      // infinity and -infinity have no epoch: they keep their own text.
      if (TIMESTAMPS_TZ.has(n)) {
        return `CASE WHEN isfinite(${e}) THEN replace(CAST(make_timestamp(epoch_us(${e})) AS VARCHAR), ' ', 'T') || 'Z' ELSE CAST(CAST(${e} AS TIMESTAMP) AS VARCHAR) END`;
      }
      if (n === 'BLOB' || n === 'BYTEA' || n === 'VARBINARY') return `to_base64(${e})`;
      return `CAST(${e} AS VARCHAR)`;
    }
  }
}

/** The canonical JSON text of a row of named columns: to_json(struct_pack(...)). */
export function rowJsonSql(columns: readonly { readonly key: string; readonly expr: string }[]): string {
  if (columns.length === 0) return `'{}'::JSON`;
  return `to_json(struct_pack(${columns.map((c) => `${quoteIdent(c.key)} := ${c.expr}`).join(', ')}))`;
}
