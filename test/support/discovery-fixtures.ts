// The vessel scenario discovery tests share: annotations whose entity types include near-duplicates, and
// structured files whose columns come and go.
import type { TestFile } from './node-loads.ts';

type Span = readonly [
  record: string,
  document: string,
  type: string,
  text: string,
  annotator: string,
  status: 'submitted' | 'draft',
  at: string,
  proposal: string | null,
  dataset?: string,
];

const q = (s: string | null) => (s === null ? 'NULL' : `'${s.replaceAll("'", "''")}'`);

export function annotationsSql(spans: readonly Span[]): string {
  const rows = spans.map(
    ([record, doc, type, text, annotator, status, at, proposal, dataset = 'vessels'], i) =>
      `(${q(record)}, ${q(doc)}, ${q(type)}, ${i}, ${i + text.length}, ${q(text)}, ${q(annotator)}, ${q(status)}, TIMESTAMPTZ '${at}', ${q(dataset)}, ${q(proposal)})`,
  );
  return `SELECT * FROM (VALUES ${rows.join(', ')}) t(record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, proposed_entity_type)`;
}

const AT = '2026-11-20 09:00:00+00';

/** First Argilla export: near-duplicate vessel names, a proposal, a draft that must not count. */
export const VESSEL_ANNOTATIONS: TestFile = {
  bucket: 'vessel-annotations',
  key: 'argilla/vessels-1.parquet',
  sql: annotationsSql([
    ['r1', 'doc-1', 'VESSEL_NAME', 'Ever Given', 'alice', 'submitted', AT, null],
    ['r2', 'doc-2', 'VESSEL_NAME', 'Maersk Alabama', 'alice', 'submitted', AT, null],
    ['r3', 'doc-3', 'VESSEL_NAME', 'MSC Oscar', 'bob', 'submitted', AT, null],
    ['r4', 'doc-4', 'VESSEL_NAME', 'Ever Given', 'bob', 'submitted', AT, null],
    ['r5', 'doc-5', 'VESEL_NAME', 'Ever Givn', 'carol', 'submitted', AT, null],
    ['r6', 'doc-6', 'vessel name', 'Ocean Star', 'carol', 'submitted', AT, null],
    ['r1', 'doc-1', 'IMO_NUMBER', '9811000', 'alice', 'submitted', AT, null],
    ['r2', 'doc-2', 'IMO_NUMBER', '8612134', 'alice', 'submitted', AT, null],
    ['r3', 'doc-3', 'IMO_NUMBER', '9703291', 'bob', 'submitted', AT, null],
    ['r1', 'doc-1', 'PORT', 'Rotterdam', 'alice', 'submitted', AT, null],
    ['r2', 'doc-2', 'PORT', 'Suez', 'alice', 'submitted', AT, null],
    ['r3', 'doc-3', 'PORT', 'Singapore', 'bob', 'submitted', AT, 'CALL_SIGN'],
    ['r4', 'doc-4', 'PART', 'rudder', 'bob', 'submitted', AT, null],
    ['r5', 'doc-5', 'FLAG_STATE', 'Panama', 'carol', 'submitted', AT, null],
    ['r6', 'doc-6', 'FLAG_STATE', 'Liberia', 'carol', 'submitted', AT, null],
    ['r7', 'doc-7', 'DRAFT_ONLY', 'not yet', 'dave', 'draft', AT, null],
  ]),
};

/** Two days of a structured source: `owner` goes away, `flag_state` and a misspelt `gross_tonage` arrive. */
export const VESSEL_REGISTRY: readonly TestFile[] = [
  {
    bucket: 'vessel-csv',
    key: 'registry/2026-11-20.parquet',
    sql: `SELECT (9800000 + i)::INTEGER AS imo, 'Vessel ' || i AS name, CASE WHEN i % 4 = 0 THEN NULL ELSE 'PA' END AS flag,
                 1000.5 * i AS gross_tonnage, {'name': 'Owner ' || i, 'country': 'NL'} AS owner
          FROM range(8) t(i)`,
  },
  {
    bucket: 'vessel-csv',
    key: 'registry/2026-11-21.parquet',
    sql: `SELECT (9800000 + i)::BIGINT AS imo, 'Vessel ' || i AS name, 'LR' AS flag, 'Liberia' AS flag_state,
                 (1000 * i)::INTEGER AS gross_tonage
          FROM range(5) t(i)`,
  },
];

/** The conflicts the scenario must raise (new name -> existing name), and nothing else. */
export const EXPECTED_CONFLICTS = [
  { kind: 'entity_type', source: '', newName: 'VESEL_NAME', existingName: 'VESSEL_NAME' },
  { kind: 'entity_type', source: '', newName: 'vessel name', existingName: 'VESSEL_NAME' },
  { kind: 'entity_type', source: '', newName: 'vessel name', existingName: 'VESEL_NAME' },
  { kind: 'field', source: 'registry', newName: 'gross_tonage', existingName: 'gross_tonnage' },
] as const;
