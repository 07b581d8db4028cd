// The SQL both strategies send: one INSERT ... SELECT per file (remote, through the port's loadParquet)
// or per row group (push) into the target table, and the UPDATE that closes rows a load supersedes.
import type { ParquetLoad, SqlParam } from '../warehouse/port.ts';
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import { jsonObjectSql, jsonTextSql, parseDuckType } from './duck-types.ts';
import { JSON_COLUMN, type LoadPlan } from './plan.ts';
import type { Target } from './routes.ts';

/** Per-load values every inserted row gets. */
export interface LoadContext {
  readonly loadId: string;
  readonly batchId: string;
  /** `r2://<bucket>/<key>`: identifies the object across buckets. */
  readonly sourceKey: string;
  readonly schemaVersion: string | null;
  readonly now: Date;
  /** structured_data only: dataset name and the object key. */
  readonly source: string;
  readonly sourceFile: string;
}

/** A statement and its parameters. */
export interface Statement {
  readonly sql: string;
  readonly params: SqlParam[];
}

/** Numbers parameters as they are used, each with an explicit cast (MotherDuck needs typed parameters). */
class Params {
  readonly values: SqlParam[] = [];
  add(value: SqlParam, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

interface Projection {
  /** Expression per typed target column present in the file. */
  readonly typed: readonly string[];
  /** JSON text of the extra columns (metadata / data), or null when there are none. */
  readonly json: string | null;
  /** 1-based row number within the file (only structured_data has the column). */
  readonly rowNumber: (params: Params) => string;
}

/** Target columns and the expression for each, over a relation with the projection's columns. */
function selectList(
  plan: LoadPlan,
  ctx: LoadContext,
  params: Params,
  projection: Projection,
): { columns: string[]; select: string[] } {
  const target = plan.target;
  const now = params.add(ctx.now, 'TIMESTAMPTZ');
  const columns: string[] = [];
  const select: string[] = [];
  plan.typed.forEach((t, i) => {
    columns.push(t.column.name);
    select.push(`CAST(${projection.typed[i]} AS ${t.column.sqlType})`);
  });
  for (const m of plan.missing) {
    if (target === 'annotations' && m.name === 'status') {
      columns.push('status');
      select.push(`'submitted'`);
    } else if (target === 'annotations' && m.name === 'annotated_at') {
      columns.push('annotated_at');
      select.push(now);
    }
  }
  const jsonColumn = JSON_COLUMN[target];
  columns.push(jsonColumn);
  select.push(
    projection.json === null ? (jsonColumn === 'data' ? `'{}'::JSON` : 'NULL') : `CAST(${projection.json} AS JSON)`,
  );
  if (target === 'structured_data') {
    columns.push('source', 'source_file', 'row_number');
    select.push(params.add(ctx.source, 'VARCHAR'), params.add(ctx.sourceFile, 'VARCHAR'), projection.rowNumber(params));
  }
  columns.push('batch_id', 'source_key', 'schema_version', 'ingested_at', 'valid_from', 'load_id');
  select.push(
    params.add(ctx.batchId, 'VARCHAR'),
    params.add(ctx.sourceKey, 'VARCHAR'),
    params.add(ctx.schemaVersion, 'VARCHAR'),
    now,
    now,
    params.add(ctx.loadId, 'VARCHAR'),
  );
  return { columns, select };
}

/** `remote`: what the port's loadParquet runs; `types` maps source column names to DuckDB types. */
export function remoteLoad(
  plan: LoadPlan,
  ctx: LoadContext,
  url: string,
  format: 'parquet' | 'csv',
  types: ReadonlyMap<string, string>,
): ParquetLoad {
  const params = new Params();
  const json = plan.extras.map((c) => ({
    key: c.name,
    text: jsonTextSql(quoteIdent(c.name), parseDuckType(types.get(c.name) as string)),
  }));
  const { columns, select } = selectList(plan, ctx, params, {
    typed: plan.typed.map((t) => quoteIdent(t.source.name)),
    json: json.length === 0 ? null : jsonObjectSql(json),
    rowNumber: () => 'file_row_number + 1',
  });
  return { url, table: plan.target, columns, select, params: params.values, format };
}

/**
 * `push`: the Worker sends one batch as a JSON document of columns: `t<i>` the typed columns' values,
 * `x<i>` the extra columns' canonical JSON texts (as strings, so numbers keep every digit).
 * `firstRow` is the file row number of the batch's first row (1-based).
 */
export function pushInsert(plan: LoadPlan, ctx: LoadContext, payload: string, firstRow: number): Statement {
  const params = new Params();
  const document = params.add(payload, 'VARCHAR');
  const spec: Record<string, string> = {};
  const unnest: string[] = [];
  plan.typed.forEach((_, i) => {
    spec[`t${i}`] = 'VARCHAR[]';
    unnest.push(`unnest(c.t${i}) AS t${i}`);
  });
  plan.extras.forEach((_, i) => {
    spec[`x${i}`] = 'VARCHAR[]';
    unnest.push(`unnest(c.x${i}) AS x${i}`);
  });
  const first = Object.keys(spec)[0];
  if (first === undefined) throw new Error('a push batch needs at least one column');
  unnest.push(`unnest(range(len(c.${first}))) AS i`);
  const { columns, select } = selectList(plan, ctx, params, {
    typed: plan.typed.map((_, i) => `t${i}`),
    json: plan.extras.length === 0 ? null : jsonObjectSql(plan.extras.map((c, i) => ({ key: c.name, text: `x${i}` }))),
    rowNumber: (p) => `${p.add(firstRow - 1, 'BIGINT')} + i + 1`,
  });
  const relation = `(SELECT ${unnest.join(', ')} FROM (SELECT json_transform(${document}, ${quoteLiteral(JSON.stringify(spec))}) AS c))`;
  return {
    sql: `INSERT INTO ${plan.target} (${columns.map(quoteIdent).join(', ')}) SELECT ${select.join(', ')} FROM ${relation}`,
    params: params.values,
  };
}

/** The JSON document for pushInsert: typed values as JSON, extras as JSON strings of their JSON text. */
export function pushPayload(
  typed: readonly (readonly (string | null)[])[],
  extras: readonly (readonly (string | null)[])[],
): string {
  const parts: string[] = [];
  typed.forEach((values, i) => {
    parts.push(`"t${i}":[${values.map((v) => v ?? 'null').join(',')}]`);
  });
  extras.forEach((values, i) => {
    parts.push(`"x${i}":[${values.map((v) => (v === null ? 'null' : JSON.stringify(v))).join(',')}]`);
  });
  return `{${parts.join(',')}}`;
}

/**
 * Closes (valid_to) the current rows this load replaces: earlier versions of the same object, and rows
 * with the same identity from other objects (a document page; an annotator's response to a record).
 */
export function supersede(target: Target, ctx: LoadContext): Statement {
  const t = quoteIdent(target);
  const params = new Params();
  const now = params.add(ctx.now, 'TIMESTAMPTZ');
  const load = params.add(ctx.loadId, 'VARCHAR');
  const key = params.add(ctx.sourceKey, 'VARCHAR');
  const sameIdentity: Record<Target, string | null> = {
    raw_documents: 'n.document_id = o.document_id AND n.page = o.page',
    annotations:
      'n.record_id = o.record_id AND n.dataset IS NOT DISTINCT FROM o.dataset AND n.annotator IS NOT DISTINCT FROM o.annotator',
    structured_data: null,
  };
  const identity = sameIdentity[target];
  const other =
    identity === null ? '' : ` OR EXISTS (SELECT 1 FROM ${t} AS n WHERE n.load_id = ${load} AND ${identity})`;
  return {
    sql: `UPDATE ${t} AS o SET valid_to = ${now} WHERE o.valid_to IS NULL AND o.load_id IS DISTINCT FROM ${load} AND (o.source_key = ${key}${other})`,
    params: params.values,
  };
}
