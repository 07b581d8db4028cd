// Result values without loss: each column travels from the warehouse as text made in SQL from its DuckDB
// type (so nothing depends on the client's type parsing), and is read back here into what JSON can carry.
import type { ResultValue } from './contract.ts';

export interface ColumnCodec {
  /** The SQL that renders the column `ref` as text. */
  readonly sql: (ref: string) => string;
  /** The text back as a result value. */
  readonly decode: (text: string) => ResultValue;
}

const SMALL_INTEGERS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT', 'UINTEGER']);
const BIG_INTEGERS = new Set(['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);
const NAIVE_TIMESTAMPS = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'DATETIME']);

const asText = (ref: string) => `${ref}::VARCHAR`;
const keep = (t: string): ResultValue => t;

/** An integer as a number when a double holds it exactly, else its digits. */
export function integerValue(digits: string): ResultValue {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : digits;
}

const DOUBLE_WORDS: Readonly<Record<string, string>> = { nan: 'NaN', inf: 'Infinity', '-inf': '-Infinity' };

/** How a column of DuckDB type `type` (as DESCRIBE names it) travels and reads back. */
export function codecFor(type: string): ColumnCodec {
  const t = type.trim().toUpperCase();
  if (t === 'BOOLEAN') return { sql: asText, decode: (v) => v === 'true' };
  if (SMALL_INTEGERS.has(t)) return { sql: asText, decode: Number };
  if (BIG_INTEGERS.has(t)) return { sql: asText, decode: integerValue };
  if (t === 'FLOAT' || t === 'DOUBLE') return { sql: asText, decode: (v) => DOUBLE_WORDS[v] ?? Number(v) };
  if (t.startsWith('DECIMAL')) return { sql: asText, decode: keep };
  if (t === 'TIMESTAMP WITH TIME ZONE') {
    // In UTC whatever the session's TimeZone, as ISO 8601 with Z ('infinity' stays a word).
    return {
      sql: (r) => `timezone('UTC', ${r})::VARCHAR`,
      decode: (v) => (/^\d/.test(v) ? `${v.replace(' ', 'T')}Z` : v),
    };
  }
  if (NAIVE_TIMESTAMPS.has(t)) return { sql: asText, decode: (v) => v.replace(' ', 'T') };
  if (t === 'BLOB') return { sql: (r) => `to_base64(${r})`, decode: keep };
  if (t === 'JSON') return { sql: asText, decode: parseJsonLossless };
  if (t.endsWith(']') || /^(STRUCT|MAP|UNION)\s*\(/.test(t) || t === 'VARIANT') {
    return { sql: (r) => `to_json(${r})::VARCHAR`, decode: parseJsonLossless };
  }
  // VARCHAR, UUID, DATE, TIME, INTERVAL, ENUM, BIT, ...: their text is the value.
  return { sql: asText, decode: keep };
}

/** Significant digits of a JSON number's text (leading zeros, the point, the exponent and its sign left out). */
function significantDigits(number: string): number {
  const mantissa = number.replace(/^-/, '').split(/[eE]/)[0] as string;
  return mantissa.replace('.', '').replace(/^0+/, '').length;
}

/** A JSON number as a number when a double holds it exactly (or as DuckDB wrote a double), else its text. */
function numberValue(raw: string): ResultValue {
  if (/^-?\d+$/.test(raw)) return integerValue(raw);
  const n = Number(raw);
  if (!Number.isFinite(n)) return raw;
  return significantDigits(raw) <= 15 || String(n) === raw ? n : raw;
}

/**
 * JSON text parsed without losing digits: numbers a double cannot hold exactly stay strings (so do the bare
 * NaN and Infinity DuckDB's to_json writes); duplicate keys keep the last value, as JSON.parse does.
 */
export function parseJsonLossless(text: string): ResultValue {
  let i = 0;
  const fail = (): never => {
    throw new Error(`not JSON at ${i}: ${text.slice(i, i + 20)}`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const value = (): ResultValue => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: { [key: string]: ResultValue } = {};
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        space();
        const key = string();
        space();
        if (text[i++] !== ':') fail();
        out[key] = value();
        space();
        const next = text[i++];
        if (next === '}') return out;
        if (next !== ',') fail();
      }
    }
    if (c === '[') {
      i++;
      const out: ResultValue[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        space();
        const next = text[i++];
        if (next === ']') return out;
        if (next !== ',') fail();
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', 'NaN'],
      ['Infinity', 'Infinity'],
      ['-Infinity', '-Infinity'],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return numberValue(m[0]);
  };
  const string = (): string => {
    if (text[i] !== '"') fail();
    const start = i;
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const out = value();
  space();
  if (i !== text.length) fail();
  return out;
}
