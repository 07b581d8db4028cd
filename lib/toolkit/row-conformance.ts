// Compares the row schemas of lib/ (row-models.ts) with the tables: a column the schema claims that the table
// lacks, a column of the table a schema claiming all of them lacks, a nullable column whose schema refuses
// null, and a schema whose input cannot be what the warehouse client sends for the column's type.
import type { z } from 'zod';
import { parseDuckType, scalarFamily } from './generate/duckdb-type.ts';
import type { SchemaModel } from './model.ts';
import type { RowModel } from './row-models.ts';

export interface RowModelProblem {
  readonly model: string;
  readonly module: string;
  readonly table: string;
  readonly message: string;
}

type Family = ReturnType<typeof scalarFamily> | 'decimal' | 'nested';

function familyOf(type: string): Family {
  try {
    const t = parseDuckType(type);
    if (t.kind === 'scalar') return scalarFamily(t.name);
    if (t.kind === 'decimal') return 'decimal';
    if (t.kind === 'enum') return 'string';
    return 'nested';
  } catch {
    return 'unknown';
  }
}

/** zod input kinds that take what the warehouse client gives for each family (lib/toolkit/generate/zod.ts). */
const TAKES: Record<Family, readonly string[]> = {
  boolean: ['boolean'],
  integer: ['number'],
  'wide-integer': ['string', 'bigint'],
  decimal: ['string'],
  double: ['number', 'nan'],
  string: ['string', 'enum', 'literal', 'template_literal'],
  timestamp: ['date'],
  json: ['string', 'number', 'boolean', 'object', 'array', 'record', 'enum', 'literal', 'null', 'json'],
  nested: ['object', 'array', 'record', 'json'],
  blob: ['custom'],
  unknown: [],
};

interface Def {
  readonly type: string;
  readonly coerce?: boolean;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Whether `schema`'s input can be a value of `family` as the warehouse client sends it. */
function accepts(schema: z.ZodType, family: Family): boolean {
  const def = defOf(schema);
  if (family === 'unknown') return true;
  switch (def.type) {
    case 'any':
    case 'unknown':
    case 'transform':
    case 'custom':
    case 'lazy':
      return true;
    case 'nullable':
    case 'optional':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return def.innerType ? accepts(def.innerType, family) : true;
    case 'pipe':
      return def.in ? accepts(def.in, family) : true;
    case 'union':
      return (def.options ?? []).some((o) => accepts(o, family));
  }
  if (def.coerce) return true;
  return TAKES[family].includes(def.type);
}

/** The schema's own kind, under nullable / optional / default and a pipe's input. */
function baseKind(schema: z.ZodType): string {
  const def = defOf(schema);
  if (def.innerType) return baseKind(def.innerType);
  if (def.type === 'pipe' && def.in) return baseKind(def.in);
  return def.coerce ? `coerce.${def.type}` : def.type;
}

function refusesNull(schema: z.ZodType): boolean {
  try {
    return !schema.safeParse(null).success;
  } catch {
    // A transform that throws on null refuses it too.
    return true;
  }
}

/** The problems of `models` against the tables of `schema`. */
export function rowModelProblems(models: readonly RowModel[], schema: SchemaModel): RowModelProblem[] {
  const out: RowModelProblem[] = [];
  for (const m of models) {
    const problem = (message: string) => out.push({ model: m.name, module: m.module, table: m.table, message });
    const table = schema.tables.find((t) => t.name === m.table);
    if (!table) {
      problem(`table ${m.table} of ${m.name} is missing in the database`);
      continue;
    }
    const shape = m.schema.shape as Record<string, z.ZodType>;
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    const covered = m.covers === 'all' ? Object.keys(shape) : m.covers;
    for (const name of covered) {
      const column = columns.get(name);
      const key = shape[name];
      if (!column) {
        problem(`column ${m.table}.${name} of ${m.name} is missing in the database`);
        continue;
      }
      if (!key) {
        problem(`column ${m.table}.${name} is listed as covered but is not in ${m.name}`);
        continue;
      }
      if (column.nullable && refusesNull(key))
        problem(`column ${m.table}.${name} is nullable but ${m.name} refuses null`);
      const type = m.casts?.[name] ?? column.type;
      if (!accepts(key, familyOf(type)))
        problem(
          `column ${m.table}.${name} is ${type}${m.casts?.[name] ? ' (as selected)' : ''}: ${m.name}'s ${baseKind(key)} does not take what the warehouse sends`,
        );
    }
    if (m.covers === 'all')
      for (const c of table.columns)
        if (!(c.name in shape))
          problem(`column ${m.table}.${c.name} is missing in ${m.name}, which claims every column`);
  }
  return out;
}
