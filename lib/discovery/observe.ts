// What a discovery run reads from the warehouse: the loads it has not taken in yet, entity types from the
// current submitted annotations (and proposals), fields from the loads' profiles (load_fields), and a few
// example values. Every statement is aggregated in the warehouse; only summaries travel.
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { EntityObservation, FieldObservation } from './catalog.ts';

export interface PendingLoad {
  readonly id: string;
  readonly target: string;
  /** When its rows were ingested (their ingested_at, and valid_to of the rows it superseded). */
  readonly ingestedAt: Date;
}

/** Loaded batches no run has taken in yet, oldest first (at most `limit`; the rest wait for the next run). */
export async function pendingLoads(db: WarehouseSession, limit: number): Promise<PendingLoad[]> {
  const rows = await db.query<{ id: string; target: string; started_at: Date }>(
    `SELECT l.id, l.target, l.started_at FROM ingest_log l
     WHERE l.status = 'loaded' AND NOT EXISTS (SELECT 1 FROM discovery_consumed c WHERE c.load_id = l.id)
     ORDER BY l.started_at, l.id LIMIT $1::INTEGER`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, target: r.target, ingestedAt: new Date(r.started_at) }));
}

const list = (values: readonly string[]) => `(${values.map(quoteLiteral).join(', ')})`;

/** JSON path of a discovery field path: `a.b` -> $."a"."b", `a[]` -> $."a"[0]. */
export function jsonPath(path: string): string {
  let out = '$';
  for (const segment of path.split('.')) {
    const m = /^(.*?)((?:\[\])*)$/.exec(segment) as RegExpExecArray;
    out += `."${(m[1] as string).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    out += '[0]'.repeat((m[2] as string).length / 2);
  }
  return out;
}

/**
 * Annotation rows a set of loads touched: their own rows and the rows they closed (valid_to is the
 * superseding load's ingested_at). Entity types found there are the ones whose counts can have moved.
 */
function touchedRows(loads: readonly PendingLoad[]): string {
  const ids = loads.map((l) => l.id);
  const instants = [...new Set(loads.map((l) => l.ingestedAt.toISOString()))];
  return `(load_id IN ${list(ids)} OR valid_to IN (${instants.map((t) => `'${t}'::TIMESTAMPTZ`).join(', ')}))`;
}

/** Splits a proposal answer into names: "FLAG_STATE, call sign; OWNER" -> three names. */
const PROPOSALS = (column: string) =>
  `list_filter(list_transform(regexp_split_to_array(${column}, '[,;\\n]'), x -> trim(x)), x -> x <> '')`;

/** Names (labels and proposals) in the annotation rows the loads added or closed: the ones to recount. */
export async function touchedEntityTypes(
  db: WarehouseSession,
  loads: readonly PendingLoad[],
  proposalQuestion: string,
): Promise<string[]> {
  if (!loads.some((l) => l.target === 'annotations')) return [];
  const proposalPath = quoteLiteral(jsonPath(proposalQuestion));
  const rows = await db.query<{ name: string }>(
    `SELECT entity_type AS name FROM annotations WHERE ${touchedRows(loads)}
     UNION
     SELECT unnest(${PROPOSALS(`json_extract_string(metadata, ${proposalPath})`)}) AS name FROM annotations
     WHERE ${touchedRows(loads)} AND metadata IS NOT NULL
     ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

/**
 * Entity types over the current (valid_to IS NULL), submitted annotations: every name, or only `names`.
 * Labels count occurrences; answers to the proposal question count once per (record, annotator). A name
 * with no current rows is absent from the result.
 */
export async function observeEntityTypes(
  db: WarehouseSession,
  options: { readonly proposalQuestion: string; readonly examples: number; readonly names: readonly string[] | 'all' },
): Promise<EntityObservation[]> {
  const proposalPath = quoteLiteral(jsonPath(options.proposalQuestion));
  if (options.names !== 'all' && options.names.length === 0) return [];
  const scope = options.names === 'all' ? '' : `WHERE name IN ${list(options.names)}`;
  const rows = await db.query<{
    name: string;
    occurrences: number;
    documents: number;
    proposals: number;
    first_seen: Date | null;
    last_seen: Date | null;
    annotators: string;
    datasets: string;
    examples: string;
  }>(
    `WITH current AS (
       SELECT record_id, document_id, entity_type, text, annotator, annotated_at, dataset, metadata
       FROM annotations WHERE valid_to IS NULL AND status = 'submitted'
     ),
     named AS (
       SELECT entity_type AS name, false AS proposal, record_id, document_id, text, annotator, annotated_at, dataset
       FROM current
       UNION ALL
       SELECT unnest(${PROPOSALS(`json_extract_string(metadata, ${proposalPath})`)}) AS name, true AS proposal,
              record_id, document_id, text, annotator, annotated_at, dataset
       FROM current WHERE metadata IS NOT NULL
     )
     SELECT name,
            count(*) FILTER (WHERE NOT proposal)::DOUBLE AS occurrences,
            count(DISTINCT document_id)::DOUBLE AS documents,
            count(DISTINCT [record_id, coalesce(annotator, '')]) FILTER (WHERE proposal)::DOUBLE AS proposals,
            min(annotated_at) AS first_seen,
            max(annotated_at) AS last_seen,
            to_json(list_sort(list(DISTINCT annotator) FILTER (WHERE annotator IS NOT NULL))[1:100])::VARCHAR AS annotators,
            to_json(list_sort(list(DISTINCT dataset) FILTER (WHERE dataset IS NOT NULL))[1:100])::VARCHAR AS datasets,
            -- The earliest spans: they do not change once a name has enough of them.
            to_json(min_by(text, annotated_at, ${Math.max(1, options.examples * 4)}))::VARCHAR AS examples
     FROM named ${scope}
     GROUP BY name ORDER BY name`,
  );
  return rows.map((r) => ({
    name: r.name,
    occurrences: Number(r.occurrences),
    documents: Number(r.documents),
    proposals: Number(r.proposals),
    firstSeen: r.first_seen === null ? null : new Date(r.first_seen),
    lastSeen: r.last_seen === null ? null : new Date(r.last_seen),
    annotators: JSON.parse(r.annotators ?? '[]') ?? [],
    datasets: JSON.parse(r.datasets ?? '[]') ?? [],
    examples: distinctExamples(JSON.parse(r.examples ?? '[]') ?? [], options.examples),
  }));
}

export function distinctExamples(values: readonly unknown[], n: number): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string' || v.trim() === '' || out.includes(v)) continue;
    out.push(v);
    if (out.length === n) break;
  }
  return out;
}

/**
 * Fields of the given loads (or all loads), from their profiles: per source and path, the loads and rows
 * that carried it, NULLs, values per type, first and last ingestion, and the latest load that had it.
 */
export async function observeFields(
  db: WarehouseSession,
  loads: readonly PendingLoad[] | 'all',
): Promise<(FieldObservation & { readonly latestLoad: string })[]> {
  if (loads !== 'all' && loads.length === 0) return [];
  const where = loads === 'all' ? '' : `WHERE load_id IN ${list(loads.map((l) => l.id))}`;
  const rows = await db.query<{
    target: string;
    source: string;
    path: string;
    loads: number;
    rows: number;
    nulls: number | null;
    types: string;
    first_seen: Date;
    last_seen: Date;
    latest_load: string;
  }>(
    `SELECT target, source, path, count(DISTINCT load_id)::DOUBLE AS loads, sum(rows)::DOUBLE AS rows,
            CASE WHEN count(null_count) = count(*) THEN sum(null_count)::DOUBLE END AS nulls,
            to_json(list({'type': field_type, 'values': rows - coalesce(null_count, 0)}))::VARCHAR AS types,
            min(ingested_at) AS first_seen, max(ingested_at) AS last_seen, max_by(load_id, ingested_at) AS latest_load
     FROM load_fields ${where}
     GROUP BY target, source, path ORDER BY source, path`,
  );
  return rows.map((r) => {
    const types: Record<string, number> = {};
    for (const t of JSON.parse(r.types) as { type: string; values: number }[]) {
      types[t.type] = (types[t.type] ?? 0) + Number(t.values);
    }
    return {
      source: r.source,
      name: r.path,
      kind: r.target === 'raw_documents' ? 'document_metadata' : 'structured',
      loads: Number(r.loads),
      rows: Number(r.rows),
      nulls: r.nulls === null ? null : Number(r.nulls),
      types,
      firstSeen: new Date(r.first_seen),
      lastSeen: new Date(r.last_seen),
      examples: [],
      latestLoad: r.latest_load,
    };
  });
}

/**
 * Up to `n` example values for each field (in the same order), from the latest load that had it. Values
 * are JSON scalars as text (strings unquoted); objects and lists are left out.
 */
export async function sampleFieldExamples(
  db: WarehouseSession,
  fields: readonly {
    readonly kind: 'structured' | 'document_metadata';
    readonly name: string;
    readonly latestLoad: string;
  }[],
  n: number,
): Promise<string[][]> {
  const found: string[][] = fields.map(() => []);
  if (fields.length === 0 || n <= 0) return found;
  const parts = fields.map((f, i) => {
    const table = f.kind === 'structured' ? 'structured_data' : 'raw_documents';
    const column = f.kind === 'structured' ? 'data' : 'metadata';
    const path = quoteLiteral(jsonPath(f.name));
    // No DISTINCT: it would read the whole load before the LIMIT could stop the scan.
    return `(SELECT ${i} AS i, v FROM (
              SELECT json_extract_string(${column}, ${path}) AS v FROM ${table}
              WHERE load_id = ${quoteLiteral(f.latestLoad)}
                AND json_type(${column}, ${path}) NOT IN ('NULL', 'OBJECT', 'ARRAY')
              LIMIT ${n * 4}))`;
  });
  // NOTE: in slices: one statement with thousands of subqueries takes DuckDB long to plan.
  for (let from = 0; from < parts.length; from += 100) {
    const rows = await db.query<{ i: number; v: string }>(
      `SELECT i, v FROM (${parts.slice(from, from + 100).join(' UNION ALL ')}) ORDER BY i, v`,
    );
    for (const r of rows) found[Number(r.i)]?.push(r.v);
  }
  return found.map((values) => distinctExamples(values, n));
}
