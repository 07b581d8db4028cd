// zod v4 object schemas -> DuckDB DDL (docs/toolkit.md, `ddl --from-zod`): CREATE TYPE ... AS ENUM, CREATE TABLE
// with NOT NULL, DEFAULT, CHECK, keys and indexes. It walks zod's own definitions (`schema._zod.def`) and refuses,
// naming the field, every construct whose meaning a database cannot hold (transforms, refinements with code, ...).
import { globalRegistry } from 'zod/v4/core';
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';

/** One export of a module: its name (the default table name, in snake_case) and the zod object schema. */
export interface ZodTableInput {
  readonly exportName: string;
  readonly schema: unknown;
}

/** A construct with no SQL equivalent, at `path` (`vessels.tags[].code`). */
export interface Refusal {
  readonly path: string;
  /** The whole line: `vessels.tags[].code: z.transform has no SQL equivalent`. */
  readonly message: string;
}

export interface EnumDdl {
  readonly name: string;
  readonly labels: readonly string[];
}

export interface ColumnDdl {
  readonly name: string;
  /** The SQL type as written in the DDL (`VARCHAR`, `"vessels_status"`, `STRUCT("a" INTEGER)[]`). */
  readonly type: string;
  readonly nullable: boolean;
  readonly default: string | null;
  /** Boolean SQL expressions, each one column CHECK constraint. */
  readonly checks: readonly string[];
}

export interface TableDdl {
  readonly name: string;
  readonly columns: readonly ColumnDdl[];
  readonly primaryKey: readonly string[];
  readonly unique: readonly string[];
  readonly foreignKeys: readonly { readonly column: string; readonly table: string; readonly references: string }[];
  readonly indexes: readonly { readonly name: string; readonly column: string }[];
}

export interface DdlPlan {
  readonly enums: readonly EnumDdl[];
  /** Referenced tables before the tables that reference them. */
  readonly tables: readonly TableDdl[];
  /** Constraints zod checks that the DDL cannot (inside lists and maps: DuckDB CHECKs cannot use lambdas). */
  readonly notes: readonly string[];
  /** The statements, in order, without a trailing `;`. */
  readonly statements: readonly string[];
}

export type FromZodResult =
  | { readonly ok: true; readonly plan: DdlPlan }
  | { readonly ok: false; readonly refusals: readonly Refusal[] };

/** Field metadata read from `.meta({...})` (or zod's global registry) at any wrapper level of a field. */
interface FieldMeta {
  primaryKey?: unknown;
  unique?: unknown;
  references?: unknown;
  index?: unknown;
  table?: unknown;
}

interface Def {
  readonly type: string;
  readonly [key: string]: unknown;
}
interface ZodLike {
  readonly _zod: { readonly def: Def };
}

function isZod(value: unknown): value is ZodLike {
  return typeof value === 'object' && value !== null && '_zod' in value && typeof (value as ZodLike)._zod === 'object';
}

const defOf = (s: ZodLike): Def => s._zod.def;
const metaOf = (s: ZodLike): FieldMeta => (globalRegistry.get(s as never) as FieldMeta | undefined) ?? {};
const checksOf = (def: Def): Def[] =>
  ((def.checks as ZodLike[] | undefined) ?? []).map((c) => c._zod.def as unknown as Def);

/** `vesselCalls` -> `vessel_calls`, `HTTPLog` -> `http_log`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;
const INT_FORMATS: Record<string, readonly [number, number]> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: INT32,
  uint32: [0, 2 ** 32 - 1],
};
const FLOAT32_MAX = 3.4028234663852886e38;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;

/**
 * The `.url()` pattern: zod checks URLs with JavaScript's URL parser, which no regex reproduces; this simpler one
 * (a scheme, `://`, then no whitespace) is documented in docs/toolkit.md and is stricter than zod (`mailto:x`).
 */
export const URL_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*://[^\\s/?#]+[^\\s]*$';

/** JavaScript regex syntax DuckDB's RE2 refuses: lookaround, backreferences, named backreferences. */
const RE2_UNSUPPORTED = /\(\?<?[=!]|\\[1-9]|\\k</;

interface Mapped {
  readonly type: string;
  readonly nullable: boolean;
  readonly default: string | null;
  readonly checks: readonly string[];
  /** How a value of this type is written as a literal (for defaults). */
  readonly literal: (value: unknown) => string | null;
}

interface Walk {
  readonly table: string;
  readonly refusals: Refusal[];
  readonly notes: string[];
  readonly enums: EnumDdl[];
  readonly enumNames: WeakMap<object, string>;
}

interface Place {
  /** `vessels.tags[].code` */
  readonly path: string;
  /** Names for an ENUM type made here: `vessels_tags_code`. */
  readonly names: readonly string[];
  /** The SQL expression of the value, or null inside a list or map (where a CHECK cannot reach). */
  readonly expr: string | null;
}

function refuse(w: Walk, place: Place, what: string, hint?: string): null {
  return refuseWith(w, place, `${what} has no SQL equivalent${hint === undefined ? '' : ` (${hint})`}`);
}

function refuseWith(w: Walk, place: Place, problem: string): null {
  w.refusals.push({ path: place.path, message: `${place.path}: ${problem}` });
  return null;
}

/** Adds the CHECK `condition` at `place`, or a note when it cannot be enforced there. */
function checker(w: Walk, place: Place, checks: string[]) {
  return (condition: (expr: string) => string, describe: string) => {
    if (place.expr === null) w.notes.push(`${place.path}: ${describe} is not enforced inside a list or map`);
    else checks.push(condition(place.expr));
  };
}

function sqlNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  // NOTE: DuckDB reads `0.0001` as a DECIMAL, whose comparison with a DOUBLE rounds; `1e-4` is a DOUBLE.
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : n.toExponential();
}

function regexCheck(expr: string, pattern: string, flags: string): string {
  const inline = flags.replace(/[^ims]/g, '');
  const body = inline ? `(?${inline}:${pattern})` : `(?:${pattern})`;
  // JavaScript's RegExp.test searches; regexp_full_match anchors, so the pattern is padded to a search.
  return `regexp_full_match(${expr}, ${quoteLiteral(`(?s:.*)${body}(?s:.*)`)})`;
}

const stringLiteral = (v: unknown) => (typeof v === 'string' ? quoteLiteral(v) : null);

/** Maps one zod schema at `place`; null when refused (the refusal is recorded). */
function mapSchema(w: Walk, schema: unknown, place: Place, field: { readonly nested: boolean }): Mapped | null {
  if (!isZod(schema)) return refuse(w, place, 'a value that is not a zod schema');
  let s: ZodLike = schema;
  let optional = false;
  let nullable = false;
  let hasDefault = false;
  let defaultValue: unknown;
  const meta: FieldMeta = {};
  for (;;) {
    for (const [k, v] of Object.entries(metaOf(s))) if (!(k in meta)) (meta as Record<string, unknown>)[k] = v;
    const def = defOf(s);
    if (def.type === 'optional') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else if (def.type === 'default') {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = def.defaultValue;
      }
    } else if (def.type === 'nonoptional') optional = false;
    else if (def.type !== 'readonly') break;
    s = def.innerType as ZodLike;
  }
  if (field.nested)
    for (const key of ['primaryKey', 'unique', 'references', 'index'] as const)
      if (meta[key] !== undefined) refuse(w, place, `.meta({ ${key} }) on a nested field`);
  const base = mapBase(w, s, place);
  if (base === null) return null;
  const isNullable = nullable || base.nullable || (optional && !hasDefault);
  let sqlDefault: string | null = null;
  if (hasDefault) {
    sqlDefault = defaultValue === null ? 'NULL' : base.literal(defaultValue);
    if (sqlDefault === null) return refuse(w, place, `.default(${JSON.stringify(defaultValue) ?? '...'})`);
    if (place.expr === null || field.nested) return refuse(w, place, '.default() inside a nested value');
  }
  return { ...base, nullable: isNullable, default: sqlDefault };
}

/** The literal set of a literal, enum or union of them; null when a member is not one. */
function literalSet(s: ZodLike): { values: unknown[]; nullable: boolean } | null {
  const def = defOf(s);
  if (def.type === 'literal') return { values: [...(def.values as unknown[])], nullable: false };
  if (def.type === 'enum') return { values: Object.values(def.entries as object), nullable: false };
  if (def.type === 'null' || def.type === 'undefined') return { values: [], nullable: true };
  if (def.type === 'union') {
    const out = { values: [] as unknown[], nullable: false };
    for (const option of def.options as ZodLike[]) {
      const inner = literalSet(option);
      if (inner === null) return null;
      out.values.push(...inner.values);
      out.nullable ||= inner.nullable;
    }
    return out;
  }
  return null;
}

function isJsonSchema(s: ZodLike): boolean {
  const def = defOf(s);
  if (def.type !== 'lazy') return false;
  const inner = (def.getter as () => ZodLike)();
  if (defOf(inner).type !== 'union') return false;
  const types = (defOf(inner).options as ZodLike[]).map((o) => defOf(o).type).join(',');
  return types === 'string,number,boolean,null,array,record';
}

const REFUSED_TYPES: Record<string, readonly [string, string?]> = {
  transform: ['z.transform'],
  any: ['z.any', 'use z.json() for a JSON column'],
  unknown: ['z.unknown', 'use z.json() for a JSON column'],
  tuple: ['z.tuple', 'use z.object or z.array'],
  lazy: ['z.lazy', 'only z.json() maps, to JSON'],
  catch: ['.catch()'],
  prefault: ['.prefault()'],
  custom: ['z.custom'],
  map: ['z.map', 'use z.record'],
  set: ['z.set', 'use z.array'],
  null: ['z.null on its own'],
  template_literal: ['z.templateLiteral'],
};

function mapBase(w: Walk, s: ZodLike, place: Place): Mapped | null {
  const def = defOf(s);
  const checks: string[] = [];
  const check = checker(w, place, checks);
  const simple = (type: string, literal: (v: unknown) => string | null = stringLiteral): Mapped => ({
    type,
    nullable: false,
    default: null,
    checks,
    literal,
  });
  if (isJsonSchema(s)) return simple('JSON', (v) => quoteLiteral(JSON.stringify(v)));
  for (const c of checksOf(def))
    if (c.check === 'custom') return refuse(w, place, '.refine()/.superRefine()', 'a refinement with code');
    else if (c.check === 'overwrite') return refuse(w, place, '.overwrite()', '.trim(), .toLowerCase(): a transform');
  switch (def.type) {
    case 'string':
      return mapString(w, def, place, checks, check);
    case 'number':
      return mapNumber(w, def, place, checks, check);
    case 'bigint':
      return mapBigint(w, def, place, checks, check);
    case 'boolean':
      return simple('BOOLEAN', (v) => (typeof v === 'boolean' ? String(v).toUpperCase() : null));
    case 'date': {
      for (const c of checksOf(def)) {
        const value = c.value as Date;
        const op = c.check === 'greater_than' ? (c.inclusive ? '>=' : '>') : c.inclusive ? '<=' : '<';
        if (c.check !== 'greater_than' && c.check !== 'less_than') return refuse(w, place, `z.date() check ${c.check}`);
        check((e) => `${e} ${op} TIMESTAMPTZ ${quoteLiteral(value.toISOString())}`, `${op} ${value.toISOString()}`);
      }
      return simple('TIMESTAMPTZ', (v) => (v instanceof Date ? `TIMESTAMPTZ ${quoteLiteral(v.toISOString())}` : null));
    }
    case 'enum':
    case 'literal':
    case 'union':
      return mapLiterals(w, s, place, checks, check);
    case 'array': {
      const element = mapSchema(w, def.element, { ...place, path: `${place.path}[]`, expr: null }, { nested: true });
      if (element === null) return null;
      if (!element.nullable) check((e) => `len(${e}) = list_count(${e})`, 'non-null elements');
      for (const c of checksOf(def)) {
        const n = (c.minimum ?? c.maximum ?? c.length) as number;
        const op = c.check === 'min_length' ? '>=' : c.check === 'max_length' ? '<=' : '=';
        if (!['min_length', 'max_length', 'length_equals'].includes(c.check as string))
          return refuse(w, place, `z.array check ${c.check}`);
        check((e) => `len(${e}) ${op} ${n}`, `length ${op} ${n}`);
      }
      return simple(`${element.type}[]`, (v) => {
        if (!Array.isArray(v)) return null;
        const items = v.map((x) => (x === null ? 'NULL' : element.literal(x)));
        return items.includes(null) ? null : `[${items.join(', ')}]`;
      });
    }
    case 'object':
    case 'intersection': {
      const shape = objectShape(w, s, place);
      if (shape === null) return null;
      const fields: string[] = [];
      let refused = false;
      for (const [name, field] of Object.entries(shape)) {
        const at: Place = {
          path: `${place.path}.${name}`,
          names: [...place.names, name],
          expr: place.expr === null ? null : `struct_extract(${place.expr}, ${quoteLiteral(name)})`,
        };
        const mapped = mapSchema(w, field, at, { nested: true });
        if (mapped === null) {
          refused = true;
          continue;
        }
        fields.push(`${quoteIdent(name)} ${mapped.type}`);
        checks.push(...mapped.checks);
        if (!mapped.nullable) checker(w, at, checks)((e) => `${place.expr} IS NULL OR ${e} IS NOT NULL`, 'NOT NULL');
      }
      if (refused) return null;
      return simple(`STRUCT(${fields.join(', ')})`, () => null);
    }
    case 'record': {
      const key = defOf(def.keyType as ZodLike);
      if (key.type !== 'string' || checksOf(key).length > 0 || key.format !== undefined)
        return refuse(w, place, 'z.record with keys other than a plain z.string()');
      const value = mapSchema(w, def.valueType, { ...place, path: `${place.path}{}`, expr: null }, { nested: true });
      if (value === null) return null;
      if (!value.nullable) check((e) => `cardinality(${e}) = list_count(map_values(${e}))`, 'non-null values');
      return simple(`MAP(VARCHAR, ${value.type})`, () => null);
    }
    case 'pipe': {
      const ends = [defOf(def.in as ZodLike).type, defOf(def.out as ZodLike).type];
      return refuse(w, place, ends.includes('transform') ? 'z.transform' : 'z.pipe');
    }
    default:
      return refuse(w, place, ...(REFUSED_TYPES[def.type] ?? [`z.${def.type}`]));
  }
}

/** The fields of an object, or of an intersection of objects that share no field. */
function objectShape(w: Walk, s: ZodLike, place: Place, side = false): Record<string, unknown> | null {
  let def = defOf(s);
  while (def.type === 'readonly') def = defOf(def.innerType as ZodLike);
  if (def.type === 'object') {
    if (checksOf(def).some((c) => c.check === 'custom'))
      return refuse(w, place, '.refine()/.superRefine()', 'a refinement with code');
    return def.shape as Record<string, unknown>;
  }
  if (def.type === 'intersection') {
    const left = objectShape(w, def.left as ZodLike, place, true);
    const right = left === null ? null : objectShape(w, def.right as ZodLike, place, true);
    if (left === null || right === null) return null;
    const clash = Object.keys(left).filter((k) => k in right);
    if (clash.length > 0)
      return refuse(w, place, 'z.intersection with conflicting fields', clash.map((k) => `'${k}'`).join(', '));
    return { ...left, ...right };
  }
  if (def.type === 'pipe') return refuse(w, place, 'z.transform');
  if (!side) return refuseWith(w, place, `a table needs a zod object, not z.${def.type}`);
  return refuse(w, place, `z.intersection with a non-object (z.${def.type})`);
}

function mapLiterals(w: Walk, s: ZodLike, place: Place, checks: string[], check: ReturnType<typeof checker>) {
  const set = literalSet(s);
  if (set === null) return refuse(w, place, 'z.union of non-literal members');
  const values = [...new Set(set.values)];
  const mapped = (type: string, literal: (v: unknown) => string | null): Mapped => ({
    type,
    nullable: set.nullable,
    default: null,
    checks,
    literal,
  });
  if (values.length === 0) return refuse(w, place, 'a union of only null/undefined');
  if (values.every((v) => typeof v === 'string')) {
    const labels = values as string[];
    const def = defOf(s);
    if (def.type === 'enum') {
      let name = w.enumNames.get(s);
      if (name === undefined) {
        name = snakeCase([w.table, ...place.names].join('_'));
        while (w.enums.some((e) => e.name === name)) name = `${name}_`;
        w.enums.push({ name, labels });
        w.enumNames.set(s, name);
      }
      return mapped(quoteIdent(name), (v) => (typeof v === 'string' && labels.includes(v) ? quoteLiteral(v) : null));
    }
    check((e) => `${e} IN (${labels.map(quoteLiteral).join(', ')})`, `IN (${labels.join(', ')})`);
    return mapped('VARCHAR', stringLiteral);
  }
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const numbers = values as number[];
    const type = numbers.every((n) => Number.isInteger(n) && n >= INT32[0] && n <= INT32[1]) ? 'INTEGER' : 'DOUBLE';
    check((e) => `${e} IN (${numbers.map(sqlNumber).join(', ')})`, `IN (${numbers.join(', ')})`);
    return mapped(type, (v) => (typeof v === 'number' ? sqlNumber(v) : null));
  }
  if (values.every((v) => typeof v === 'boolean')) {
    if (values.length === 1) check((e) => `${e} = ${String(values[0]).toUpperCase()}`, `= ${values[0]}`);
    return mapped('BOOLEAN', (v) => (typeof v === 'boolean' ? String(v).toUpperCase() : null));
  }
  if (values.every((v) => typeof v === 'bigint')) {
    check((e) => `${e} IN (${(values as bigint[]).map(sqlNumber).join(', ')})`, `IN (${values.join(', ')})`);
    return mapped('HUGEINT', (v) => (typeof v === 'bigint' ? sqlNumber(v) : null));
  }
  return refuse(w, place, 'a union of literals of different types');
}

function mapString(w: Walk, def: Def, place: Place, checks: string[], check: ReturnType<typeof checker>) {
  let type = 'VARCHAR';
  let literal: (v: unknown) => string | null = stringLiteral;
  const formats: Def[] = [];
  if (def.format === 'uuid' || def.format === 'guid') {
    type = 'UUID';
    // DuckDB's UUID accepts any hex digits; zod's z.uuid() also wants a version and a variant nibble.
    if (def.format === 'uuid')
      check((e) => regexCheck(`CAST(${e} AS VARCHAR)`, (def.pattern as RegExp).source, ''), 'a UUID version/variant');
  } else if (def.format === 'date') {
    type = 'DATE';
    literal = (v) => (typeof v === 'string' ? `DATE ${quoteLiteral(v)}` : null);
  } else if (def.format === 'datetime') {
    type = def.offset === true ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    literal = (v) => (typeof v === 'string' ? `${type} ${quoteLiteral(v)}` : null);
  } else if (def.format !== undefined) formats.push(def);
  formats.push(...checksOf(def));
  for (const c of formats) {
    if (type !== 'VARCHAR') return refuse(w, place, `a string check (${c.format ?? c.check}) on a ${type} column`);
    if (c.check === 'min_length' || c.check === 'max_length' || c.check === 'length_equals') {
      const n = (c.minimum ?? c.maximum ?? c.length) as number;
      const op = c.check === 'min_length' ? '>=' : c.check === 'max_length' ? '<=' : '=';
      check((e) => `length(${e}) ${op} ${n}`, `length ${op} ${n}`);
    } else if (c.check !== 'string_format') return refuse(w, place, `z.string check ${c.check}`);
    else if (c.format === 'starts_with')
      check((e) => `starts_with(${e}, ${quoteLiteral(c.prefix as string)})`, `starts with ${c.prefix}`);
    else if (c.format === 'ends_with')
      check((e) => `ends_with(${e}, ${quoteLiteral(c.suffix as string)})`, `ends with ${c.suffix}`);
    else if (c.format === 'includes' && c.position === undefined)
      check((e) => `contains(${e}, ${quoteLiteral(c.includes as string)})`, `includes ${c.includes}`);
    else if (c.format === 'url') check((e) => regexCheck(e, URL_PATTERN, ''), 'a URL');
    else if (c.pattern instanceof RegExp) {
      const { source, flags } = c.pattern;
      if (RE2_UNSUPPORTED.test(source))
        return refuse(w, place, `/${source}/`, "lookaround or a backreference: DuckDB's RE2 has neither");
      if (flags.includes('v')) return refuse(w, place, `/${source}/${flags}`, 'the v flag');
      check((e) => regexCheck(e, source, flags), `/${source}/${flags}`);
    } else return refuse(w, place, `z.${c.format}`);
  }
  return { type, nullable: false, default: null, checks, literal } satisfies Mapped;
}

function numericBounds(def: Def): { lo: Def[]; hi: Def[]; multiples: (number | bigint)[]; formats: string[] } {
  const out = { lo: [] as Def[], hi: [] as Def[], multiples: [] as (number | bigint)[], formats: [] as string[] };
  if (typeof def.format === 'string') out.formats.push(def.format);
  for (const c of checksOf(def)) {
    if (c.check === 'greater_than') out.lo.push(c);
    else if (c.check === 'less_than') out.hi.push(c);
    else if (c.check === 'multiple_of') out.multiples.push(c.value as number | bigint);
    else if (c.check === 'number_format' || c.check === 'bigint_format') out.formats.push(c.format as string);
    else out.formats.push(`check:${c.check}`);
  }
  return out;
}

function mapNumber(w: Walk, def: Def, place: Place, checks: string[], check: ReturnType<typeof checker>) {
  const b = numericBounds(def);
  const odd = b.formats.find((f) => !(f in INT_FORMATS) && f !== 'float32' && f !== 'float64');
  if (odd) return refuse(w, place, `z.number ${odd}`);
  const intFormats = b.formats.filter((f) => f in INT_FORMATS);
  const literal = (v: unknown) => (typeof v === 'number' ? sqlNumber(v) : null);
  for (const m of b.multiples) check((e) => `${e} % ${sqlNumber(m)} = 0`, `multiple of ${m}`);
  if (intFormats.length === 0) {
    // zod's z.number() refuses Infinity and NaN, which DOUBLE holds.
    check((e) => `isfinite(${e})`, 'finite');
    for (const c of b.lo) check((e) => `${e} ${c.inclusive ? '>=' : '>'} ${sqlNumber(c.value as number)}`, 'minimum');
    for (const c of b.hi) check((e) => `${e} ${c.inclusive ? '<=' : '<'} ${sqlNumber(c.value as number)}`, 'maximum');
    if (b.formats.includes('float32')) check((e) => `abs(${e}) <= ${FLOAT32_MAX}`, 'float32 range');
    return { type: 'DOUBLE', nullable: false, default: null, checks, literal } satisfies Mapped;
  }
  // An integer column: the tightest inclusive bounds decide INTEGER or BIGINT, and only bounds narrower than the
  // type's own range become CHECKs.
  let lo = Math.max(...intFormats.map((f) => (INT_FORMATS[f] as readonly [number, number])[0]));
  let hi = Math.min(...intFormats.map((f) => (INT_FORMATS[f] as readonly [number, number])[1]));
  for (const c of b.lo) {
    const v = c.value as number;
    lo = Math.max(lo, Number.isInteger(v) && !c.inclusive ? v + 1 : Math.ceil(v));
  }
  for (const c of b.hi) {
    const v = c.value as number;
    hi = Math.min(hi, Number.isInteger(v) && !c.inclusive ? v - 1 : Math.floor(v));
  }
  const type = lo >= INT32[0] && hi <= INT32[1] ? 'INTEGER' : 'BIGINT';
  const range = type === 'INTEGER' ? INT32 : [Number(INT64[0]), Number(INT64[1])];
  if (lo > (range[0] as number)) check((e) => `${e} >= ${sqlNumber(lo)}`, `>= ${lo}`);
  if (hi < (range[1] as number)) check((e) => `${e} <= ${sqlNumber(hi)}`, `<= ${hi}`);
  return { type, nullable: false, default: null, checks, literal } satisfies Mapped;
}

function mapBigint(w: Walk, def: Def, place: Place, checks: string[], check: ReturnType<typeof checker>) {
  const b = numericBounds(def);
  const odd = b.formats.find((f) => f !== 'int64' && f !== 'uint64');
  if (odd) return refuse(w, place, `z.bigint ${odd}`);
  let lo: bigint | null = b.formats.includes('uint64') ? 0n : b.formats.includes('int64') ? INT64[0] : null;
  let hi: bigint | null = b.formats.includes('uint64') ? 2n ** 64n - 1n : b.formats.includes('int64') ? INT64[1] : null;
  for (const c of b.lo) {
    const v = (c.value as bigint) + (c.inclusive ? 0n : 1n);
    lo = lo === null || v > lo ? v : lo;
  }
  for (const c of b.hi) {
    const v = (c.value as bigint) - (c.inclusive ? 0n : 1n);
    hi = hi === null || v < hi ? v : hi;
  }
  const fits = lo !== null && hi !== null && lo >= INT64[0] && hi <= INT64[1];
  const type = fits ? 'BIGINT' : 'HUGEINT';
  const range = fits ? INT64 : ([-(2n ** 127n), 2n ** 127n - 1n] as const);
  if (lo !== null && lo > range[0]) {
    const l = lo;
    check((e) => `${e} >= ${sqlNumber(l)}`, `>= ${l}`);
  }
  if (hi !== null && hi < range[1]) {
    const h = hi;
    check((e) => `${e} <= ${sqlNumber(h)}`, `<= ${h}`);
  }
  for (const m of b.multiples) check((e) => `${e} % ${sqlNumber(m)} = 0`, `multiple of ${m}`);
  return {
    type,
    nullable: false,
    default: null,
    checks,
    literal: (v: unknown) => (typeof v === 'bigint' ? sqlNumber(v) : null),
  } satisfies Mapped;
}

function tableFrom(w: Walk, input: ZodTableInput): TableDdl | null {
  const place: Place = { path: w.table, names: [], expr: null };
  if (!isZod(input.schema)) return refuseWith(w, place, `the export ${input.exportName} is not a zod schema`);
  const shape = objectShape(w, input.schema, place);
  if (shape === null) return null;
  const columns: ColumnDdl[] = [];
  const primaryKey: string[] = [];
  const unique: string[] = [];
  const foreignKeys: { column: string; table: string; references: string }[] = [];
  const indexes: { name: string; column: string }[] = [];
  for (const [name, field] of Object.entries(shape)) {
    const at: Place = { path: `${w.table}.${name}`, names: [name], expr: quoteIdent(name) };
    const mapped = mapSchema(w, field, at, { nested: false });
    if (mapped === null) continue;
    const meta = fieldMeta(field);
    if (meta.primaryKey === true && mapped.nullable) refuseWith(w, at, 'a primary key cannot be optional or nullable');
    if (meta.primaryKey === true) primaryKey.push(name);
    if (meta.unique === true) unique.push(name);
    if (meta.index === true || typeof meta.index === 'string')
      indexes.push({ name: typeof meta.index === 'string' ? meta.index : `${w.table}_${name}_idx`, column: name });
    if (meta.references !== undefined) {
      const ref = typeof meta.references === 'string' ? /^([^.]+)\.([^.]+)$/.exec(meta.references) : null;
      if (ref === null)
        refuseWith(w, at, `.meta({ references: ${JSON.stringify(meta.references)} }) is not 'table.column'`);
      else foreignKeys.push({ column: name, table: ref[1] as string, references: ref[2] as string });
    }
    columns.push({
      name,
      type: mapped.type,
      nullable: mapped.nullable,
      default: mapped.default,
      checks: mapped.checks,
    });
  }
  return { name: w.table, columns, primaryKey, unique, foreignKeys, indexes };
}

/** The metadata of a field, outer wrappers first. */
function fieldMeta(field: unknown): FieldMeta {
  const meta: FieldMeta = {};
  let s = field;
  while (isZod(s)) {
    for (const [k, v] of Object.entries(metaOf(s))) if (!(k in meta)) (meta as Record<string, unknown>)[k] = v;
    const def = defOf(s);
    if (!['optional', 'nullable', 'default', 'nonoptional', 'readonly'].includes(def.type)) break;
    s = def.innerType;
  }
  return meta;
}

/** The table name: `.meta({ table })` on the object, else the export name in snake_case. */
export function tableName(input: ZodTableInput): string {
  const meta = isZod(input.schema) ? metaOf(input.schema) : {};
  return typeof meta.table === 'string' ? meta.table : snakeCase(input.exportName);
}

/** Tables referenced by a foreign key first (the others keep their order). */
function dependencyOrder(tables: readonly TableDdl[]): TableDdl[] {
  const out: TableDdl[] = [];
  const visit = (t: TableDdl, seen: Set<string>) => {
    if (out.includes(t) || seen.has(t.name)) return;
    seen.add(t.name);
    for (const fk of t.foreignKeys) {
      const target = tables.find((x) => x.name === fk.table);
      if (target && target !== t) visit(target, seen);
    }
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

/** One table's CREATE TABLE statement. */
export function createTableSql(table: TableDdl): string {
  const lines = table.columns.map((c) =>
    [
      `  ${quoteIdent(c.name)} ${c.type}`,
      c.nullable ? '' : ' NOT NULL',
      c.default === null ? '' : ` DEFAULT ${c.default}`,
      ...c.checks.map((x) => ` CHECK (${x})`),
    ].join(''),
  );
  if (table.primaryKey.length > 0) lines.push(`  PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(', ')})`);
  for (const u of table.unique) lines.push(`  UNIQUE (${quoteIdent(u)})`);
  for (const fk of table.foreignKeys)
    lines.push(
      `  FOREIGN KEY (${quoteIdent(fk.column)}) REFERENCES ${quoteIdent(fk.table)} (${quoteIdent(fk.references)})`,
    );
  return `CREATE TABLE ${quoteIdent(table.name)} (\n${lines.join(',\n')}\n)`;
}

/**
 * The DDL of `inputs` (one table each), or every refused construct with its field path. Metadata convention
 * (docs/toolkit.md): `.meta({ primaryKey: true })`, `.meta({ unique: true })`, `.meta({ references: 'table.column' })`
 * and `.meta({ index: true | 'name' })` on a top-level field; `.meta({ table: 'name' })` on the object.
 */
export function ddlFromZod(inputs: readonly ZodTableInput[]): FromZodResult {
  const refusals: Refusal[] = [];
  const notes: string[] = [];
  const enums: EnumDdl[] = [];
  const enumNames = new WeakMap<object, string>();
  const tables: TableDdl[] = [];
  for (const input of inputs) {
    const table = tableFrom({ table: tableName(input), refusals, notes, enums, enumNames }, input);
    if (table !== null) tables.push(table);
  }
  const names = tables.map((t) => t.name);
  for (const [i, name] of names.entries())
    if (names.indexOf(name) !== i) refusals.push({ path: name, message: `${name}: two exports make the same table` });
  if (refusals.length > 0) return { ok: false, refusals };
  const ordered = dependencyOrder(tables);
  const statements = [
    ...enums.map((e) => `CREATE TYPE ${quoteIdent(e.name)} AS ENUM (${e.labels.map(quoteLiteral).join(', ')})`),
    ...ordered.map(createTableSql),
    ...ordered.flatMap((t) =>
      t.indexes.map((i) => `CREATE INDEX ${quoteIdent(i.name)} ON ${quoteIdent(t.name)} (${quoteIdent(i.column)})`),
    ),
  ];
  return { ok: true, plan: { enums, tables: ordered, notes, statements } };
}
