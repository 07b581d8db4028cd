// DuckDB type text (duckdb_columns().data_type: `DECIMAL(18,4)`, `STRUCT(a INTEGER, "b c" VARCHAR)[]`,
// `MAP(VARCHAR, INTEGER)`, `ENUM('a', 'b')`) as a tree. Hand-written: no library parses DuckDB type strings.

export type DuckType =
  | { readonly kind: 'scalar'; readonly name: string }
  | { readonly kind: 'decimal'; readonly width: number; readonly scale: number }
  | { readonly kind: 'list'; readonly element: DuckType }
  | { readonly kind: 'array'; readonly element: DuckType; readonly size: number }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly type: DuckType }[] }
  | { readonly kind: 'union'; readonly members: readonly { readonly name: string; readonly type: DuckType }[] }
  | { readonly kind: 'map'; readonly key: DuckType; readonly value: DuckType }
  | { readonly kind: 'enum'; readonly labels: readonly string[] };

type Token =
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'ident'; readonly v: string }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: number }
  | { readonly t: 'punct'; readonly v: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (q: string): string => {
    let v = '';
    i++;
    for (;;) {
      if (i >= text.length) throw new Error(`unterminated ${q} in type ${text}`);
      const c = text[i] as string;
      if (c === q) {
        if (text[i + 1] === q) {
          v += q;
          i += 2;
          continue;
        }
        i++;
        return v;
      }
      v += c;
      i++;
    }
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '"') out.push({ t: 'ident', v: quoted('"') });
    else if (c === "'") out.push({ t: 'string', v: quoted("'") });
    else if ('(),[]'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ t: 'number', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else throw new Error(`unexpected '${c}' in type ${text}`);
  }
  return out;
}

/** The tree of a DuckDB type name; throws on text it cannot read. */
export function parseDuckType(text: string): DuckType {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isPunct = (v: string): boolean => {
    const t = peek();
    return t?.t === 'punct' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isPunct(v)) throw new Error(`expected '${v}' in type ${text}`);
    at++;
  };
  const list = <T>(item: () => T): T[] => {
    expect('(');
    const items = [item()];
    while (isPunct(',')) {
      at++;
      items.push(item());
    }
    expect(')');
    return items;
  };
  const name = (): string => {
    const t = peek();
    if (t?.t !== 'word' && t?.t !== 'ident') throw new Error(`expected a field name in type ${text}`);
    at++;
    return t.v;
  };
  const field = () => ({ name: name(), type: type() });
  const type = (): DuckType => {
    let base = head();
    while (isPunct('[')) {
      at++;
      const t = peek();
      if (t?.t === 'number') {
        at++;
        expect(']');
        base = { kind: 'array', element: base, size: t.v };
      } else {
        expect(']');
        base = { kind: 'list', element: base };
      }
    }
    return base;
  };
  const head = (): DuckType => {
    const t = peek();
    if (t?.t !== 'word') throw new Error(`expected a type name in type ${text}`);
    at++;
    const word = t.v.toUpperCase();
    if (word === 'STRUCT') return { kind: 'struct', fields: list(field) };
    if (word === 'UNION') return { kind: 'union', members: list(field) };
    if (word === 'MAP') {
      const [key, value] = list(type);
      if (!key || !value) throw new Error(`MAP needs two types in type ${text}`);
      return { kind: 'map', key, value };
    }
    if (word === 'ENUM')
      return {
        kind: 'enum',
        labels: list(() => {
          const s = peek();
          if (s?.t !== 'string') throw new Error(`expected an ENUM label in type ${text}`);
          at++;
          return s.v;
        }),
      };
    // Several words make one name: TIMESTAMP WITH TIME ZONE, DOUBLE PRECISION.
    const words = [word];
    while (peek()?.t === 'word') words.push((tokens[at++] as { v: string }).v.toUpperCase());
    const full = words.join(' ');
    if (isPunct('(')) {
      const params = list(() => {
        const n = peek();
        if (n?.t !== 'number') throw new Error(`expected a number in type ${text}`);
        at++;
        return n.v;
      });
      if (full === 'DECIMAL' || full === 'NUMERIC')
        return { kind: 'decimal', width: params[0] ?? 18, scale: params[1] ?? 0 };
      return { kind: 'scalar', name: full };
    }
    if (full === 'DECIMAL' || full === 'NUMERIC') return { kind: 'decimal', width: 18, scale: 3 };
    return { kind: 'scalar', name: full };
  };
  const result = type();
  if (at !== tokens.length) throw new Error(`unexpected text after the type in ${text}`);
  return result;
}

/** The JSON shape a scalar type takes, by family. */
export type ScalarFamily =
  | 'boolean'
  | 'integer'
  | 'wide-integer'
  | 'double'
  | 'string'
  | 'json'
  | 'timestamp'
  | 'blob'
  | 'unknown';

const FAMILIES: Record<string, ScalarFamily> = {
  BOOLEAN: 'boolean',
  TINYINT: 'integer',
  SMALLINT: 'integer',
  INTEGER: 'integer',
  UTINYINT: 'integer',
  USMALLINT: 'integer',
  UINTEGER: 'wide-integer',
  BIGINT: 'wide-integer',
  UBIGINT: 'wide-integer',
  HUGEINT: 'wide-integer',
  UHUGEINT: 'wide-integer',
  BIGNUM: 'wide-integer',
  VARINT: 'wide-integer',
  FLOAT: 'double',
  DOUBLE: 'double',
  VARCHAR: 'string',
  UUID: 'string',
  TIME: 'string',
  'TIME WITH TIME ZONE': 'string',
  INTERVAL: 'string',
  BIT: 'string',
  JSON: 'json',
  DATE: 'timestamp',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  BLOB: 'blob',
};

export const scalarFamily = (name: string): ScalarFamily => FAMILIES[name] ?? 'unknown';
