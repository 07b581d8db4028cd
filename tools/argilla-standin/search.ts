// `POST /api/v1/datasets/{id}/records/search`: the SearchRecordsQuery body (reference 4.2) evaluated in memory.
import { z } from 'zod';
import { unprocessable } from './errors.ts';
import { parseNaive } from './format.ts';
import type { Dataset, StoredRecord } from './store.ts';

const RecordScope = z.object({
  entity: z.literal('record'),
  property: z.enum(['id', 'external_id', 'inserted_at', 'updated_at', 'status']),
});
const ResponseScope = z.object({
  entity: z.literal('response'),
  question: z.string().optional(),
  property: z.literal('status').optional(),
});
const SuggestionScope = z.object({
  entity: z.literal('suggestion'),
  question: z.string(),
  property: z.enum(['value', 'score', 'agent', 'type']).optional(),
});
const MetadataScope = z.object({ entity: z.literal('metadata'), metadata_property: z.string() });
const Scope = z.discriminatedUnion('entity', [RecordScope, ResponseScope, SuggestionScope, MetadataScope]);
type Scope = z.infer<typeof Scope>;

const TermsFilter = z.object({ type: z.literal('terms'), scope: Scope, values: z.array(z.string()).min(1).max(250) });
const RangeFilter = z
  .object({
    type: z.literal('range'),
    scope: Scope,
    ge: z.union([z.number(), z.string()]).optional(),
    le: z.union([z.number(), z.string()]).optional(),
  })
  .refine((f) => f.ge !== undefined || f.le !== undefined, { message: 'One of ge or le values must be specified' });
const Filter = z.discriminatedUnion('type', [TermsFilter, RangeFilter]);
type Filter = z.infer<typeof Filter>;

/** Pydantic ignores unknown members, so these schemas strip rather than refuse them. */
export const SearchRecordsQuery = z.object({
  query: z
    .object({
      text: z.object({ q: z.string(), field: z.string().optional() }).optional(),
      vector: z
        .object({
          name: z.string(),
          record_id: z.string().optional(),
          value: z.array(z.number()).optional(),
          order: z.enum(['most_similar', 'least_similar']).optional(),
        })
        .optional(),
    })
    .optional(),
  filters: z.object({ and: z.array(Filter).min(1).max(50) }).optional(),
  sort: z
    .array(z.object({ scope: Scope, order: z.enum(['asc', 'desc']).optional() }))
    .min(1)
    .max(10)
    .optional(),
});
export type SearchRecordsQuery = z.infer<typeof SearchRecordsQuery>;

const RESPONSE_STATUSES = ['draft', 'pending', 'submitted', 'discarded'];

function checkScope(dataset: Dataset, scope: Scope): void {
  if (scope.entity === 'metadata') {
    // Metadata without a metadata property (allow_extra_metadata) is stored but not indexed.
    throw unprocessable(`Metadata property \`${scope.metadata_property}\` not found in dataset \`${dataset.id}\`.`);
  }
  if ((scope.entity === 'response' || scope.entity === 'suggestion') && scope.question !== undefined) {
    if (!dataset.questions.some((q) => q.name === scope.question)) {
      throw unprocessable(`Question \`${scope.question}\` not found in dataset \`${dataset.id}\`.`);
    }
  }
}

function recordValue(record: StoredRecord, property: z.infer<typeof RecordScope>['property']): string | number | null {
  return record[property];
}

function rangeBound(value: number | string): number {
  return typeof value === 'number' ? value * 1_000_000 : parseNaive(value);
}

function matches(dataset: Dataset, record: StoredRecord, filter: Filter): boolean {
  const { scope } = filter;
  if (scope.entity === 'record') {
    const v = recordValue(record, scope.property);
    if (filter.type === 'terms') return filter.values.includes(String(v));
    if (typeof v !== 'number')
      throw unprocessable(`Range filter is not supported for record property \`${scope.property}\``);
    return (
      (filter.ge === undefined || v >= rangeBound(filter.ge)) && (filter.le === undefined || v <= rangeBound(filter.le))
    );
  }
  if (scope.entity === 'response') {
    if (filter.type !== 'terms') throw unprocessable('Only terms filters are supported for responses');
    if (scope.question === undefined) {
      const bad = filter.values.filter((v) => !RESPONSE_STATUSES.includes(v));
      if (bad.length > 0) throw unprocessable(`Invalid response status values: ${bad.join(', ')}`);
      // On this (all users) endpoint a status matches a record when ANY user's response has it.
      if (filter.values.includes('pending') && record.responses.length === 0) return true;
      return record.responses.some((r) => filter.values.includes(r.status));
    }
    return record.responses.some((r) => {
      const value = r.values?.[scope.question as string]?.value;
      return Array.isArray(value)
        ? value.some((x) => filter.values.includes(String(x)))
        : filter.values.includes(String(value));
    });
  }
  // No suggestions are kept, so suggestion filters match nothing.
  void dataset;
  return false;
}

function textMatches(dataset: Dataset, record: StoredRecord, q: string, field: string | undefined): boolean {
  const names = field !== undefined ? [field] : dataset.fields.map((f) => f.name);
  const haystack = names
    .map((n) => record.fields[n])
    .filter((v): v is string => typeof v === 'string')
    .join(' ')
    .toLowerCase();
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  return terms.every((t) => haystack.includes(t.replace(/\*$/, '')));
}

/** Stands in for the score order of an unsorted query: stable here, but not inserted_at (not guaranteed upstream). */
function scrambled(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface SearchHit {
  readonly record: StoredRecord;
  readonly score: number | null;
}

/** Every matching record in the requested order; the caller slices the page. */
export function searchRecords(dataset: Dataset, query: SearchRecordsQuery): SearchHit[] {
  const text = query.query?.text;
  if (text?.field !== undefined && !dataset.fields.some((f) => f.name === text.field)) {
    throw unprocessable(`Field \`${text.field}\` not found in dataset \`${dataset.id}\`.`);
  }
  if (query.query?.vector)
    throw unprocessable(`Vector \`${query.query.vector.name}\` not found in dataset \`${dataset.id}\`.`);
  for (const f of query.filters?.and ?? []) checkScope(dataset, f.scope);
  for (const s of query.sort ?? []) {
    checkScope(dataset, s.scope);
    if (s.scope.entity !== 'record') throw unprocessable('Only record properties can be sorted on in this stand-in');
  }
  let records = dataset.records.filter(
    (r) =>
      (text === undefined || textMatches(dataset, r, text.q, text.field)) &&
      (query.filters?.and ?? []).every((f) => matches(dataset, r, f)),
  );
  const sort = query.sort;
  if (sort === undefined) {
    records = [...records].sort((a, b) => scrambled(a.id) - scrambled(b.id));
    return records.map((record) => ({ record, score: 1.0 }));
  }
  records = [...records].sort((a, b) => {
    for (const s of sort) {
      const property = (s.scope as z.infer<typeof RecordScope>).property;
      const x = recordValue(a, property);
      const y = recordValue(b, property);
      const c = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      if (c !== 0) return s.order === 'desc' ? -c : c;
    }
    return 0;
  });
  // Elasticsearch leaves `_score` empty when a sort is given.
  return records.map((record) => ({ record, score: null }));
}
