// A zod v4 module (TypeScript source) with one row schema per table and view, describing rows exactly as
// lib/warehouse/postgres.ts returns them (postgres.js over the Postgres wire protocol, MotherDuck's or the
// embedded warehouse's). Names enter the source only as JSON string literals; comments only inside `/** */`
// with `*/` neutralised, so no name or comment can become code.
import type { SchemaModel } from '../model.ts';
import { type DuckType, parseDuckType, scalarFamily } from './duckdb-type.ts';
import { columnLabels, type GenerateOptions, pascalIdentifiers, type Relation, relationsOf } from './shared.ts';

/**
 * A JSON string literal that is also safe inside a JS source file: U+2028/U+2029 escaped for old parsers, and
 * `<` as `\u003c` so the code stays inert even pasted into an HTML `<script>`.
 */
export const literal = (value: string): string =>
  JSON.stringify(value).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029').replaceAll('<', '\\u003c');

/** A `/** ... *\/` block at `indent`: `*\/` and `</` inside the text are broken up, every line break starts a ` * ` line. */
export function docComment(text: string, indent: string): string[] {
  const lines = text
    .replaceAll('*/', '*\\/')
    .replaceAll('</', '<\\/')
    .split(/\r\n|[\r\n\u2028\u2029]/);
  if (lines.length === 1) return [`${indent}/** ${lines[0]} */`];
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`];
}

/** How each DuckDB type family reads, at the top level of a row and inside a LIST/STRUCT/MAP (sent as JSON). */
export const WIRE_TYPES_NOTE = [
  'Top-level columns: BOOLEAN boolean; TINYINT..INTEGER, USMALLINT number; FLOAT, DOUBLE number (NaN and',
  '+-Infinity included); BIGINT, UBIGINT, UINTEGER, HUGEINT, UHUGEINT decimal integer text (postgres.js leaves',
  'int8 and numeric as text so they stay exact; a bigint is accepted too); DECIMAL decimal text; TIMESTAMP,',
  'TIMESTAMPTZ, DATE a Date; JSON the parsed value; BLOB a Uint8Array (Buffer); VARCHAR, UUID, TIME, INTERVAL',
  "text; ENUM and one-column CHECK (c IN ('a', 'b')) the listed labels.",
  'Inside LIST, STRUCT, MAP and UNION values (sent as JSON text): numbers of every width and DECIMAL are JSON',
  'numbers (past 2^53 they lose digits), DOUBLE NaN/Infinity are strings, timestamps, dates, BLOB and JSON are',
  'text, and every element, field and map value may be null.',
];

function nested(t: DuckType): string {
  switch (t.kind) {
    case 'scalar':
      switch (scalarFamily(t.name)) {
        case 'boolean':
          return 'z.boolean()';
        case 'integer':
          return 'z.number().int()';
        case 'wide-integer':
          return 'z.number()';
        case 'double':
          return 'jsonDouble';
        case 'string':
        case 'json':
        case 'timestamp':
        case 'blob':
          return 'z.string()';
        case 'unknown':
          return 'z.unknown()';
      }
      break;
    case 'decimal':
      return 'z.number()';
    case 'enum':
      return `z.enum([${t.labels.map(literal).join(', ')}])`;
    default:
      return container(t);
  }
}

const orNull = (s: string): string => (s === 'z.unknown()' ? s : `${s}.nullable()`);

function container(t: DuckType): string {
  switch (t.kind) {
    case 'list':
      return `z.array(${orNull(nested(t.element))})`;
    case 'array':
      return `z.array(${orNull(nested(t.element))}).length(${t.size})`;
    case 'struct':
      return `z.object({ ${t.fields.map((f) => `${literal(f.name)}: ${orNull(nested(f.type))}`).join(', ')} })`;
    case 'map':
      return `z.record(z.string(), ${orNull(nested(t.value))})`;
    case 'union':
      return t.members.length === 1
        ? nested((t.members[0] as { type: DuckType }).type)
        : `z.union([${t.members.map((m) => nested(m.type)).join(', ')}])`;
    default:
      return nested(t);
  }
}

/** The zod expression of a top-level column of `type` (DuckDB type text), restricted to `labels` when given. */
export function columnSchema(type: string, labels: readonly string[] | null): string {
  if (labels) return `z.enum([${labels.map(literal).join(', ')}])`;
  let t: DuckType;
  try {
    t = parseDuckType(type);
  } catch {
    return 'z.unknown()';
  }
  switch (t.kind) {
    case 'scalar':
      switch (scalarFamily(t.name)) {
        case 'boolean':
          return 'z.boolean()';
        case 'integer':
          return 'z.number().int()';
        case 'wide-integer':
          return 'wideInteger';
        case 'double':
          return 'double';
        case 'string':
          return 'z.string()';
        case 'json':
          return 'z.json()';
        case 'timestamp':
          return 'z.date()';
        case 'blob':
          return 'z.instanceof(Uint8Array)';
        case 'unknown':
          return 'z.unknown()';
      }
      break;
    case 'decimal':
      return 'decimal';
    case 'enum':
      return `z.enum([${t.labels.map(literal).join(', ')}])`;
  }
  return container(t);
}

function relationSchema(r: Relation, id: string): string[] {
  const out: string[] = [];
  out.push(...docComment(`${r.kind === 'view' ? 'View' : 'Table'} ${r.name}${r.comment ? `: ${r.comment}` : ''}`, ''));
  out.push(`export const ${id} = z.object({`);
  for (const c of r.columns) {
    if (c.comment) out.push(...docComment(c.comment, '  '));
    const base = columnSchema(c.type, columnLabels(r, c.name));
    // z.json() and z.unknown() already take null.
    const value = c.nullable && base !== 'z.unknown()' && base !== 'z.json()' ? `${base}.nullable()` : base;
    out.push(`  ${literal(c.name)}: ${value},`);
  }
  out.push('});');
  out.push(`export type ${id} = z.infer<typeof ${id}>;`);
  return out;
}

/** The identifiers of the generated row schemas and types, by relation name (`raw_documents` -> `RawDocumentsRow`). */
export function rowIdentifiers(model: SchemaModel): Map<string, string> {
  return pascalIdentifiers(
    relationsOf(model).map((r) => r.name),
    'Row',
  );
}

/** The zod module's source text. */
export function renderZod(model: SchemaModel, options: GenerateOptions): string {
  const relations = relationsOf(model);
  const ids = rowIdentifiers(model);
  const out: string[] = [
    `// Generated by \`npm run schema -- generate zod\` from ${options.source.replaceAll('\n', ' ')}; do not edit.`,
    '// One zod v4 schema per table and view, for rows as lib/warehouse/postgres.ts returns them:',
    ...WIRE_TYPES_NOTE.map((l) => `// ${l}`),
    `import { z } from 'zod';`,
    '',
    '/** BIGINT and wider: decimal integer text (exact), or a bigint from a client that makes one. */',
    'export const wideInteger = z.union([z.bigint(), z.string().regex(/^-?\\d+$/)]);',
    '/** DECIMAL(p,s): decimal text, exact. */',
    'export const decimal = z.string().regex(/^-?\\d+(\\.\\d+)?$/);',
    '/** FLOAT, DOUBLE: any number, NaN and the infinities included. */',
    'export const double = z.union([z.number(), z.nan(), z.literal([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])]);',
    '/** FLOAT, DOUBLE inside nested values: JSON has no NaN or Infinity, so those come as text. */',
    "export const jsonDouble = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);",
    '',
  ];
  for (const r of relations) out.push(...relationSchema(r, ids.get(r.name) as string), '');
  for (const kind of ['table', 'view'] as const) {
    const entries = relations.filter((r) => r.kind === kind).map((r) => `  ${literal(r.name)}: ${ids.get(r.name)},`);
    out.push(`/** Every ${kind}'s row schema, by ${kind} name. */`);
    out.push(`export const ${kind}s = {${entries.length ? `\n${entries.join('\n')}\n` : ''}} as const;`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
