// What a discovery run reads from the warehouse: the loads it has not taken in yet, entity types from the
// current submitted annotations (and proposals), fields from the loads' profiles (load_fields), and a few
// example values. Every statement is aggregated in the warehouse; only summaries travel.

import { z } from 'zod';
import { compareCodePoints } from '../core/order.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { jsonText, nullableJsonText, stringList } from '../warehouse/rows.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { EntityDelta, EntityObservation, FieldObservation } from './catalog.ts';

export interface PendingLoad {
  readonly id: string;
  readonly target: string | null;
  /** When its rows were ingested (their ingested_at, and valid_to of the rows it superseded). */
  readonly ingestedAt: Date;
}

/** The ingest_log columns pendingLoads reads. */
const PendingLoadRow = z.object({ id: z.string(), target: z.string().nullable(), started_at: z.coerce.date() });

/** Loaded batches no run has taken in yet, oldest first. */
export async function pendingLoads(db: WarehouseSession): Promise<PendingLoad[]> {
  const rows = await db.query(
    `SELECT l.id, l.target, l.started_at FROM ingest_log l
     WHERE l.status = 'loaded' AND NOT EXISTS (SELECT 1 FROM discovery_consumed c WHERE c.load_id = l.id)
     ORDER BY l.started_at, l.id`,
  );
  return rows.map((row) => {
    const r = PendingLoadRow.parse(row);
    return { id: r.id, target: r.target, ingestedAt: r.started_at };
  });
}

const list = (values: readonly string[]) => `(${values.map(quoteLiteral).join(', ')})`;

/** JSON path of a discovery field path: `a.b` -> $."a"."b", `a[]` -> $."a"[0]. */
export function jsonPath(path: string): string {
  let out = '$';
  for (const segment of path.split('.')) {
    const m = /^(.*?)((?:\[\])*)$/s.exec(segment) as RegExpExecArray;
    out += `."${(m[1] as string).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    out += '[0]'.repeat((m[2] as string).length / 2);
  }
  return out;
}

/** Splits a proposal answer into names: "FLAG_STATE, call sign; OWNER" -> three names. */
const PROPOSALS = (column: string) =>
  `list_filter(list_transform(regexp_split_to_array(${column}, '[,;\\n]'), x -> trim(x)), x -> x <> '')`;

/**
 * Rows naming an entity type among the annotation rows matching `where`: each row under its label, and
 * once per name its answer to the proposal question gives. Answers are text (JSON strings): the JSON
 * column is canonical and compact (`{"key":"value"}`), so a cheap substring test skips the rows without
 * one before any JSON is parsed.
 */
function namedRows(where: string, proposalQuestion: string): string {
  const path = quoteLiteral(jsonPath(proposalQuestion));
  const key = proposalQuestion.split('.').at(-1) as string;
  const needle = quoteLiteral(`${JSON.stringify(key)}:"`);
  const columns = 'record_id, document_id, text, annotator, annotated_at, dataset';
  return `SELECT entity_type AS name, false AS proposal, ${columns} FROM annotations WHERE ${where}
          UNION ALL
          SELECT unnest(${PROPOSALS(`json_extract_string(metadata, ${path})`)}) AS name, true AS proposal, ${columns}
          FROM annotations WHERE (${where}) AND contains(metadata, ${needle})`;
}

const CURRENT = `valid_to IS NULL AND status = 'submitted'`;

const NameRow = z.object({ name: z.string() });

/**
 * Names whose counts rows closed by these loads can have lowered (submitted rows whose valid_to is a
 * load's ingestion instant): they are recounted, since a removal cannot be subtracted from a distinct
 * count or a minimum.
 */
export async function closedEntityTypes(
  db: WarehouseSession,
  loads: readonly PendingLoad[],
  proposalQuestion: string,
): Promise<string[]> {
  if (!loads.some((l) => l.target === 'annotations')) return [];
  const instants = [...new Set(loads.map((l) => l.ingestedAt.toISOString()))];
  const closed = `valid_to IN (${instants.map((t) => `'${t}'::TIMESTAMPTZ`).join(', ')}) AND status = 'submitted'`;
  const rows = await db.query(`SELECT DISTINCT name FROM (${namedRows(closed, proposalQuestion)}) ORDER BY name`);
  return rows.map((row) => NameRow.parse(row).name);
}

const EntityDeltaRow = z.object({
  name: z.string(),
  occurrences: z.coerce.number(),
  new_documents: z.coerce.number(),
  new_proposals: z.coerce.number(),
  first_seen: z.coerce.date(),
  last_seen: z.coerce.date(),
  annotators: stringList,
  datasets: stringList,
});

/**
 * The additions of `loads` (which must be every load no run has taken in) per entity type. Distinct
 * counts stay exact: a document or proposal counts as new only when no current row from an earlier load
 * has it for the same name, which the warehouse checks with anti-joins over the touched keys only.
 */
export async function entityDeltas(
  db: WarehouseSession,
  loads: readonly PendingLoad[],
  proposalQuestion: string,
): Promise<EntityDelta[]> {
  const ids = loads.filter((l) => l.target === 'annotations').map((l) => l.id);
  if (ids.length === 0) return [];
  const mine = `load_id IN ${list(ids)}`;
  // Rows written before loads had ids (load_id NULL) are earlier rows too.
  const earlier = `${CURRENT} AND (load_id IS NULL OR load_id NOT IN ${list(ids)})`;
  const rows = await db.query(
    `WITH added AS (${namedRows(`${mine} AND ${CURRENT}`, proposalQuestion)}),
     earlier_documents AS (
       SELECT DISTINCT name, document_id FROM (${namedRows(
         `${earlier} AND document_id IN (SELECT document_id FROM added)`,
         proposalQuestion,
       )})
     ),
     new_documents AS (
       SELECT name, count(*) AS n FROM (SELECT DISTINCT name, document_id FROM added) a
       ANTI JOIN earlier_documents USING (name, document_id) GROUP BY name
     ),
     added_proposals AS (
       SELECT DISTINCT name, record_id, coalesce(annotator, '') AS annotator FROM added WHERE proposal
     ),
     earlier_proposals AS (
       SELECT DISTINCT name, record_id, coalesce(annotator, '') AS annotator FROM (${namedRows(
         `${earlier} AND record_id IN (SELECT record_id FROM added_proposals)`,
         proposalQuestion,
       )}) WHERE proposal
     ),
     new_proposals AS (
       SELECT name, count(*) AS n FROM added_proposals ANTI JOIN earlier_proposals USING (name, record_id, annotator)
       GROUP BY name
     )
     SELECT a.name,
            (count(*) FILTER (WHERE NOT proposal))::DOUBLE AS occurrences,
            coalesce(any_value(d.n), 0)::DOUBLE AS new_documents,
            coalesce(any_value(p.n), 0)::DOUBLE AS new_proposals,
            min(annotated_at) AS first_seen, max(annotated_at) AS last_seen,
            to_json(list_sort(list(DISTINCT annotator) FILTER (WHERE annotator IS NOT NULL))[1:100])::VARCHAR AS annotators,
            to_json(list_sort(list(DISTINCT dataset) FILTER (WHERE dataset IS NOT NULL))[1:100])::VARCHAR AS datasets
     FROM added a LEFT JOIN new_documents d USING (name) LEFT JOIN new_proposals p USING (name)
     GROUP BY a.name ORDER BY a.name`,
  );
  return rows.map((row) => {
    const r = EntityDeltaRow.parse(row);
    return {
      name: r.name,
      occurrences: r.occurrences,
      newDocuments: r.new_documents,
      newProposals: r.new_proposals,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      annotators: r.annotators,
      datasets: r.datasets,
    };
  });
}

const EntityObservationRow = z.object({
  name: z.string(),
  occurrences: z.coerce.number(),
  documents: z.coerce.number(),
  proposals: z.coerce.number(),
  first_seen: z.coerce.date().nullable(),
  last_seen: z.coerce.date().nullable(),
  annotators: stringList,
  datasets: stringList,
  examples: nullableJsonText(z.array(z.unknown()), []),
});

/**
 * Entity types over the current (valid_to IS NULL), submitted annotations: every name, or only `names`.
 * Labels count occurrences; answers to the proposal question count once per (record, annotator). A name
 * with no current rows is absent from the result.
 */
export async function observeEntityTypes(
  db: WarehouseSession,
  options: { readonly proposalQuestion: string; readonly examples: number; readonly names: readonly string[] | 'all' },
): Promise<EntityObservation[]> {
  if (options.names !== 'all' && options.names.length === 0) return [];
  const scope = options.names === 'all' ? '' : `WHERE name IN ${list(options.names)}`;
  const rows = await db.query(
    `SELECT name,
            count(*) FILTER (WHERE NOT proposal)::DOUBLE AS occurrences,
            count(DISTINCT document_id)::DOUBLE AS documents,
            count(DISTINCT [record_id, coalesce(annotator, '')]) FILTER (WHERE proposal)::DOUBLE AS proposals,
            min(annotated_at) AS first_seen,
            max(annotated_at) AS last_seen,
            to_json(list_sort(list(DISTINCT annotator) FILTER (WHERE annotator IS NOT NULL))[1:100])::VARCHAR AS annotators,
            to_json(list_sort(list(DISTINCT dataset) FILTER (WHERE dataset IS NOT NULL))[1:100])::VARCHAR AS datasets,
            -- The earliest spans: they do not change once a name has enough of them.
            to_json(min_by(text, annotated_at, ${Math.max(1, options.examples * 4)}))::VARCHAR AS examples
     FROM (${namedRows(CURRENT, options.proposalQuestion)}) ${scope}
     GROUP BY name ORDER BY name`,
  );
  return rows.map((row) => {
    const r = EntityObservationRow.parse(row);
    return {
      name: r.name,
      occurrences: r.occurrences,
      documents: r.documents,
      proposals: r.proposals,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      annotators: r.annotators,
      datasets: r.datasets,
      examples: distinctExamples(r.examples, options.examples),
    };
  });
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

const FieldObservationRow = z.object({
  target: z.string(),
  source: z.string(),
  path: z.string(),
  loads: z.coerce.number(),
  rows: z.coerce.number(),
  nulls: z.coerce.number().nullable(),
  types: jsonText(z.array(z.object({ type: z.string(), values: z.coerce.number() }))),
  first_seen: z.coerce.date(),
  last_seen: z.coerce.date(),
  latest_load: z.string(),
});

/**
 * Fields of the given loads (or all loads), from their profiles: per source and path, the loads and rows
 * that carried it, NULLs, values per type, first and last ingestion, and the latest load that had it.
 * Only a load where the field had a value counts, and dates it: a profile row of no rows (older loaders
 * wrote them for empty files) is skipped, and a load where the field was NULL in every row adds its rows
 * and NULLs but is not a load of the field. A field never seen with a value is dated by the loads it was
 * NULL in, and its latest load is the latest of those.
 */
export async function observeFields(
  db: WarehouseSession,
  loads: readonly PendingLoad[] | 'all',
): Promise<(FieldObservation & { readonly latestLoad: string })[]> {
  if (loads !== 'all' && loads.length === 0) return [];
  const where = loads === 'all' ? '' : `AND load_id IN ${list(loads.map((l) => l.id))}`;
  // Nested paths have no NULL count: a row of them is a value.
  const valued = 'FILTER (WHERE rows > coalesce(null_count, 0))';
  const rows = await db.query(
    `SELECT target, source, path, count(DISTINCT load_id) ${valued}::DOUBLE AS loads, sum(rows)::DOUBLE AS rows,
            CASE WHEN count(null_count) = count(*) THEN sum(null_count)::DOUBLE END AS nulls,
            to_json(list({'type': field_type, 'values': rows - coalesce(null_count, 0)}))::VARCHAR AS types,
            coalesce(min(ingested_at) ${valued}, min(ingested_at)) AS first_seen,
            coalesce(max(ingested_at) ${valued}, max(ingested_at)) AS last_seen,
            coalesce(max_by(load_id, ingested_at) ${valued}, max_by(load_id, ingested_at)) AS latest_load
     FROM load_fields WHERE rows > 0 ${where}
     GROUP BY target, source, path ORDER BY source, path`,
  );
  return rows.map((row) => {
    const r = FieldObservationRow.parse(row);
    const types: Record<string, number> = {};
    for (const t of r.types) types[t.type] = (types[t.type] ?? 0) + t.values;
    return {
      source: r.source,
      name: r.path,
      kind: r.target === 'raw_documents' ? 'document_metadata' : 'structured',
      loads: r.loads,
      rows: r.rows,
      nulls: r.nulls,
      types,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      examples: [],
      latestLoad: r.latest_load,
    };
  });
}

/** A JSON value's text as an example: strings unquoted, other scalars as written; objects, lists and null none. */
function exampleOf(json: string | null): string | null {
  if (json === null || json === 'null' || json.startsWith('{') || json.startsWith('[')) return null;
  return json.startsWith('"') ? (JSON.parse(json) as string) : json;
}

/** The wanted paths' values in one row, as JSON text (NULL where the row lacks a path). */
const FirstRowValuesRow = z.object({ v: jsonText(z.array(z.string().nullable())) });
/** One value of the field numbered `i`. */
const FieldValueRow = z.object({ i: z.coerce.number(), v: z.string() });

/** Rows of a load read at first for examples, all fields at once; fields they lack are looked up one by one. */
const FIRST_ROWS = 64;

/**
 * Up to `n` example values for each field (in the same order), from the latest load that had it. Values
 * are JSON scalars as text (strings unquoted); objects and lists are left out. One statement per load
 * extracts every wanted path from the load's first rows; only fields those rows lack are looked up one by
 * one (their own rows, a few at a time).
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
  const source = (kind: 'structured' | 'document_metadata') =>
    kind === 'structured'
      ? { table: 'structured_data', column: 'data' }
      : { table: 'raw_documents', column: 'metadata' };
  const groups = new Map<string, number[]>();
  fields.forEach((f, i) => {
    const key = `${f.kind}\u0000${f.latestLoad}`;
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  for (const members of groups.values()) {
    const first = fields[members[0] as number] as (typeof fields)[number];
    const { table, column } = source(first.kind);
    for (let from = 0; from < members.length; from += 500) {
      const slice = members.slice(from, from + 500);
      const paths = slice.map((i) => quoteLiteral(jsonPath((fields[i] as (typeof fields)[number]).name)));
      const rows = await db.query(
        `SELECT to_json(list_transform(json_extract(${column}, [${paths.join(', ')}]), x -> x::VARCHAR))::VARCHAR AS v
         FROM ${table}
         WHERE load_id = ${quoteLiteral(first.latestLoad)} LIMIT ${FIRST_ROWS}`,
      );
      for (const row of rows) {
        const values = FirstRowValuesRow.parse(row).v;
        slice.forEach((i, k) => {
          const text = exampleOf(values[k] ?? null);
          if (text !== null) (found[i] as string[]).push(text);
        });
      }
    }
  }
  // Fields absent from their load's first rows.
  const sparse = fields.flatMap((_, i) => (distinctExamples(found[i] as string[], n).length < n ? [i] : []));
  const parts = sparse.map((i) => {
    const f = fields[i] as (typeof fields)[number];
    const { table, column } = source(f.kind);
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
    const rows = await db.query(
      `SELECT i, v FROM (${parts.slice(from, from + 100).join(' UNION ALL ')}) ORDER BY i, v`,
    );
    for (const row of rows) {
      const r = FieldValueRow.parse(row);
      found[r.i]?.push(r.v);
    }
  }
  // The smallest values, so the same rows give the same examples whichever order they were read in.
  return found.map((values) => distinctExamples([...values].sort(compareCodePoints), n));
}
