// CSV for the `push` strategy: a streaming RFC 4180 parser and per-column type inference close to
// DuckDB's sniffer (the `remote` strategy uses DuckDB's read_csv itself). The first row is the header.
import type { ColumnKind, SourceColumn } from './plan.ts';

export class CsvError extends Error {
  override readonly name = 'CsvError';
}

const DELIMITERS = [',', ';', '\t', '|'] as const;

/** The delimiter that splits the header line into the most fields (quotes respected). */
export function sniffDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const c of firstLine) {
      if (c === '"') quoted = !quoted;
      else if (c === d && !quoted) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

type State = 'start' | 'unquoted' | 'quoted' | 'quote-in-quoted';

/**
 * Parses CSV text chunks into rows; keeps at most one unfinished row between chunks. Runs of plain text
 * are sliced, not built a character at a time; a field longer than `maxFieldChars` (an unterminated quote
 * swallowing the file) is an error rather than a string as large as the file.
 */
export class CsvParser {
  private field = '';
  private row: string[] = [];
  private state: State = 'start';
  private pendingCr = false;
  private delimiter: string | null;
  private readonly maxFieldChars: number;

  constructor(delimiter: string | null = null, maxFieldChars = 16 * 1024 * 1024) {
    this.delimiter = delimiter;
    this.maxFieldChars = maxFieldChars;
  }

  /** Rows completed by this chunk. */
  push(text: string): string[][] {
    if (this.delimiter === null) {
      const eol = text.search(/\r?\n/);
      this.delimiter = sniffDelimiter(eol < 0 ? text : text.slice(0, eol));
    }
    const d = this.delimiter;
    const rows: string[][] = [];
    let field = this.field;
    let state = this.state;
    const append = (part: string) => {
      field += part;
      if (field.length > this.maxFieldChars) {
        throw new CsvError(
          `a field is longer than ${Math.round(this.maxFieldChars / 1024 / 1024)} MB of text${state === 'quoted' ? ' (an unterminated quote?)' : ''}`,
        );
      }
    };
    const endRow = () => {
      // A blank line is a row of no fields: the reader decides (one column: a NULL, as read_csv reads it).
      if (!(this.row.length === 0 && field === '' && state === 'start')) this.row.push(field);
      rows.push(this.row);
      this.row = [];
      field = '';
      state = 'start';
    };
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === '\n') {
          i++;
          continue;
        }
      }
      if (state === 'quoted') {
        const close = text.indexOf('"', i);
        append(text.slice(i, close < 0 ? text.length : close));
        if (close >= 0) state = 'quote-in-quoted';
        i = close < 0 ? text.length : close + 1;
        continue;
      }
      if (state === 'quote-in-quoted') {
        if (c === '"') {
          append('"');
          state = 'quoted';
          i++;
          continue;
        }
        state = 'unquoted';
      }
      if (c === '"' && state === 'start') {
        state = 'quoted';
        i++;
      } else if (c === d) {
        this.row.push(field);
        field = '';
        state = 'start';
        i++;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r') this.pendingCr = true;
        endRow();
        i++;
      } else {
        // A run of plain text up to the next delimiter or line break (a quote inside it is plain text).
        let j = i + 1;
        while (j < text.length) {
          const x = text[j];
          if (x === d || x === '\n' || x === '\r') break;
          j++;
        }
        append(text.slice(i, j));
        state = 'unquoted';
        i = j;
      }
    }
    this.field = field;
    this.state = state;
    return rows;
  }

  /** The last row when the text does not end with a newline. */
  end(): string[][] {
    if (this.state === 'quoted') throw new CsvError('unterminated quoted field at the end of the file');
    if (this.row.length === 0 && this.field === '' && this.state === 'start') return [];
    this.row.push(this.field);
    const last = this.row;
    this.row = [];
    this.field = '';
    this.state = 'start';
    return [last];
  }
}

export type CsvType = 'BOOLEAN' | 'BIGINT' | 'DOUBLE' | 'DATE' | 'TIMESTAMP' | 'VARCHAR';

// What each type accepts, as DuckDB's sniffer does: no leading zeros or plus sign on numbers (`007`, `+5`
// stay text, so codes and IMO numbers keep their digits). Written once, for JavaScript and for the
// warehouse (RE2 takes the same syntax).
const PATTERNS = {
  BIGINT: '-?(0|[1-9]\\d*)',
  DOUBLE: '-?((0|[1-9]\\d*)(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?',
  DATE: '\\d{4}-\\d{2}-\\d{2}',
  TIMESTAMP: '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?',
} as const;
const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const INTEGER = whole(PATTERNS.BIGINT);
const NUMBER = whole(PATTERNS.DOUBLE);
const DATE = whole(PATTERNS.DATE);
const TIMESTAMP = whole(PATTERNS.TIMESTAMP);
const INT64_MAX = 9223372036854775807n;

/** Whether a non-empty CSV value reads as `type`. */
export function fits(type: CsvType, v: string): boolean {
  switch (type) {
    case 'BOOLEAN':
      return /^(true|false)$/i.test(v);
    case 'BIGINT': {
      if (!INTEGER.test(v)) return false;
      const n = BigInt(v);
      return n <= INT64_MAX && n >= -INT64_MAX - 1n;
    }
    case 'DOUBLE':
      return NUMBER.test(v);
    case 'DATE':
      return DATE.test(v) && validDate(v);
    case 'TIMESTAMP':
      return TIMESTAMP.test(v) && validDate(v.slice(0, 10)) && validTime(v.slice(11, 19));
    case 'VARCHAR':
      return true;
  }
}

/**
 * SQL that is true exactly when the text `v` (not NULL) fits `type` as fits() says: the warehouse casts
 * those values and keeps the others as strings. TRY_CAST alone would take far more (`12.5` as the
 * integer 13, `yes` as true, `1_000` as 1000).
 */
export function fitsSql(v: string, type: Exclude<CsvType, 'VARCHAR'>): string {
  if (type === 'BOOLEAN') return `lower(${v}) IN ('true', 'false')`;
  return `regexp_full_match(${v}, '${PATTERNS[type]}') AND TRY_CAST(${v} AS ${type}) IS NOT NULL`;
}

function validDate(v: string): boolean {
  const [y, m, d] = v.split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function validTime(v: string): boolean {
  const [h, min, s] = v.split(':').map(Number) as [number, number, number];
  return h < 24 && min < 60 && s < 60;
}

const CANDIDATES: readonly CsvType[] = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR'];

/** The narrowest type every non-empty sample value fits; empty values are NULL, as in DuckDB. */
export function inferType(samples: readonly string[]): CsvType {
  const values = samples.filter((v) => v !== '');
  if (values.length === 0) return 'VARCHAR';
  return CANDIDATES.find((t) => values.every((v) => fits(t, v))) as CsvType;
}

const KIND: Record<CsvType, ColumnKind> = {
  BOOLEAN: 'boolean',
  BIGINT: 'integer',
  DOUBLE: 'number',
  DATE: 'timestamp',
  TIMESTAMP: 'timestamp',
  VARCHAR: 'string',
};

export function csvColumns(header: readonly string[], types: readonly CsvType[]): SourceColumn[] {
  return header.map((name, i) => ({ name, kind: KIND[types[i] as CsvType], typeText: types[i] as CsvType }));
}
