// What a file must contain for each target table, and how its columns map onto the table.
import type { Target } from './routes.ts';

/** What a source column holds, whichever reader described it. */
export type ColumnKind = 'string' | 'integer' | 'number' | 'timestamp' | 'boolean' | 'other';

export interface SourceColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** The reader's own type name, for messages ("VARCHAR", "Int64", ...). */
  readonly typeText: string;
}

export interface TargetColumn {
  readonly name: string;
  /** What the column accepts: 'number' also takes integers. */
  readonly accepts: ColumnKind;
  readonly required: boolean;
  /** The warehouse type the value is cast to. */
  readonly sqlType: 'VARCHAR' | 'INTEGER' | 'DOUBLE' | 'TIMESTAMPTZ';
}

const col = (name: string, accepts: ColumnKind, required: boolean, sqlType: TargetColumn['sqlType']): TargetColumn => ({
  name,
  accepts,
  required,
  sqlType,
});

/** Typed columns per target; every other source column goes to the JSON column (metadata / data). */
export const TARGET_COLUMNS: Record<Target, readonly TargetColumn[]> = {
  raw_documents: [
    col('document_id', 'string', true, 'VARCHAR'),
    col('page', 'integer', true, 'INTEGER'),
    col('text', 'string', true, 'VARCHAR'),
    col('ocr_confidence', 'number', false, 'DOUBLE'),
    col('source_uri', 'string', false, 'VARCHAR'),
  ],
  annotations: [
    col('record_id', 'string', true, 'VARCHAR'),
    col('document_id', 'string', true, 'VARCHAR'),
    col('entity_type', 'string', true, 'VARCHAR'),
    col('start', 'integer', true, 'INTEGER'),
    col('end', 'integer', true, 'INTEGER'),
    col('text', 'string', true, 'VARCHAR'),
    col('annotator', 'string', false, 'VARCHAR'),
    col('status', 'string', false, 'VARCHAR'),
    col('annotated_at', 'timestamp', false, 'TIMESTAMPTZ'),
    col('dataset', 'string', false, 'VARCHAR'),
  ],
  structured_data: [],
};

/** The JSON column that keeps the remaining source columns. */
export const JSON_COLUMN: Record<Target, 'metadata' | 'data'> = {
  raw_documents: 'metadata',
  annotations: 'metadata',
  structured_data: 'data',
};

/** A file that cannot be loaded as it is; the message names the file and what to fix. */
export class BadFileError extends Error {
  override readonly name = 'BadFileError';
}

export interface LoadPlan {
  readonly target: Target;
  /** Target columns present in the file, with their source. */
  readonly typed: readonly { readonly column: TargetColumn; readonly source: SourceColumn }[];
  /** Target columns absent from the file (optional ones; they get defaults). */
  readonly missing: readonly TargetColumn[];
  /** Source columns kept in the JSON column. */
  readonly extras: readonly SourceColumn[];
}

function accepts(column: TargetColumn, kind: ColumnKind): boolean {
  return column.accepts === kind || (column.accepts === 'number' && kind === 'integer');
}

const KIND_WORD: Record<ColumnKind, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  timestamp: 'a timestamp',
  boolean: 'a boolean',
  other: 'a value',
};

/** Checks the file's columns against the target; throws BadFileError naming the column and the file. */
export function planLoad(target: Target, columns: readonly SourceColumn[], file: string): LoadPlan {
  // As SQL names them: without regard to ASCII case (`Page` is page); the readers' names are unique so.
  const byName = new Map(columns.map((c) => [foldAscii(c.name), c]));
  const exact = new Set(columns.map((c) => c.name));
  const typed: LoadPlan['typed'][number][] = [];
  const missing: TargetColumn[] = [];
  const problems: string[] = [];
  for (const column of TARGET_COLUMNS[target]) {
    const source = byName.get(foldAscii(column.name));
    // `Text` and `text` in one file reach us as `Text` and `text_1` (the readers rename the second): which
    // one is meant cannot be told, so a match in another case stands only when no such renamed name exists.
    const renamed = new RegExp(`^${column.name}_\\d+$`, 'i');
    const rival = source && !exact.has(column.name) ? columns.find((c) => renamed.test(c.name)) : undefined;
    if (source && rival) {
      problems.push(
        `columns '${source.name}' and '${rival.name}' may both be '${column.name}' (of two names that differ only in case, the readers rename the second, here to '${rival.name}'); rename one of them so that only one column is '${column.name}' in any case`,
      );
      continue;
    }
    if (!source) {
      if (column.required) problems.push(`required column '${column.name}' is missing`);
      else missing.push(column);
      continue;
    }
    if (!accepts(column, source.kind)) {
      problems.push(`column '${column.name}' is ${source.typeText} but must be ${KIND_WORD[column.accepts]}`);
      continue;
    }
    typed.push({ column, source });
  }
  if (problems.length > 0) {
    const found = columns.map((c) => `${c.name} ${c.typeText}`).join(', ') || 'no columns';
    throw new BadFileError(`${file}: ${problems.join('; ')} (file has: ${found})`);
  }
  const used = new Set(typed.map((t) => t.source.name));
  return { target, typed, missing, extras: columns.filter((c) => !used.has(c.name)) };
}

/** ColumnKind of a DuckDB type name (DESCRIBE output). */
export function kindOfDuckType(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (t === 'VARCHAR' || t.startsWith('ENUM')) return 'string';
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(t)) return 'integer';
  if (t === 'FLOAT' || t === 'DOUBLE' || t.startsWith('DECIMAL')) return 'number';
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return 'timestamp';
  if (t === 'BOOLEAN') return 'boolean';
  return 'other';
}

/**
 * Column names made unique as DuckDB's readers make them: a name already taken, ignoring ASCII case, gets its
 * count as `_<n>`, and a taken candidate is made unique the same way (`x`, `x_1`, `x`, `X` -> `x`, `x_1`,
 * `x_1_1`, `X_2`), so both strategies key the JSON alike.
 */
/** Lower case for ASCII letters only, as DuckDB compares names. */
function foldAscii(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function uniqueNames(names: readonly string[]): string[] {
  const counts = new Map<string, number>();
  return names.map((name) => {
    let candidate = name;
    for (;;) {
      // DuckDB folds ASCII letters only: `é` and `É` are different names to it.
      const lower = foldAscii(candidate);
      const count = counts.get(lower);
      if (count === undefined) {
        counts.set(lower, 1);
        return candidate;
      }
      counts.set(lower, count + 1);
      candidate = `${candidate}_${count}`;
    }
  });
}
