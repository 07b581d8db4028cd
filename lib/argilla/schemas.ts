// Zod schemas of the Argilla 2.x JSON this project reads, as Argilla's server source defines them
// (/work/shared/reference/argilla-2x-api.md): datasets, questions, fields, workspace users, record search and
// error bodies. Unknown members are kept out (z.object strips), members we rely on are checked.
import { z } from 'zod';

const NAIVE_OR_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|\+00:00)?$/;

/**
 * An Argilla timestamp read as UTC. NOTE: Argilla writes naive UTC (`datetime.utcnow().isoformat()`): no `Z`,
 * and no fraction when the microseconds are 0. Normalised to `YYYY-MM-DDTHH:MM:SS.ffffffZ`, which keeps
 * Argilla's microseconds (a Date keeps milliseconds) and sorts as text in time order.
 */
export const ArgillaTime = z.string().transform((text, ctx) => {
  const m = NAIVE_OR_UTC.exec(text);
  if (!m || Number.isNaN(Date.parse(`${m[1]}Z`))) {
    ctx.addIssue({ code: 'custom', message: `not an Argilla timestamp: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
});
export type ArgillaTime = z.output<typeof ArgillaTime>;

/** Microseconds since the epoch of a normalised ArgillaTime (exact, as a bigint). */
export function argillaTimeMicros(time: ArgillaTime): bigint {
  return BigInt(Date.parse(`${time.slice(0, 19)}Z`)) * 1000n + BigInt(time.slice(20, 26));
}

export const ArgillaDataset = z.object({
  id: z.string(),
  name: z.string(),
  guidelines: z.string().nullable().optional(),
  status: z.enum(['draft', 'ready']),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  workspace_id: z.string(),
  last_activity_at: ArgillaTime,
  inserted_at: ArgillaTime,
  updated_at: ArgillaTime,
});
export type ArgillaDataset = z.output<typeof ArgillaDataset>;

/** GET /api/v1/me/datasets: every match at once, no paging. */
export const ArgillaDatasetList = z.object({ items: z.array(ArgillaDataset) });

const LabelOption = z.object({ value: z.string(), text: z.string(), description: z.string().nullable().optional() });

export const SpanQuestionSettings = z.object({
  type: z.literal('span'),
  /** The name of the record field the spans index into. */
  field: z.string(),
  options: z.array(LabelOption),
  visible_options: z.number().int().nullable().optional(),
  allow_overlapping: z.boolean().default(false),
  allow_character_annotation: z.boolean().default(true),
});

/** Settings of a question: span in full; the other types only by their `type`, which is all the sync reads. */
export const QuestionSettings = z.union([
  SpanQuestionSettings,
  z.looseObject({
    type: z.enum(['text', 'rating', 'label_selection', 'multi_label_selection', 'ranking']),
  }),
]);

export const ArgillaQuestion = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  required: z.boolean(),
  settings: QuestionSettings,
  dataset_id: z.string(),
  inserted_at: ArgillaTime,
  updated_at: ArgillaTime,
});
export type ArgillaQuestion = z.output<typeof ArgillaQuestion>;
export const ArgillaQuestionList = z.object({ items: z.array(ArgillaQuestion) });

export const ArgillaField = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  required: z.boolean(),
  settings: z.looseObject({ type: z.enum(['text', 'image', 'chat', 'custom']) }),
  dataset_id: z.string(),
  inserted_at: ArgillaTime,
  updated_at: ArgillaTime,
});
export type ArgillaField = z.output<typeof ArgillaField>;
export const ArgillaFieldList = z.object({ items: z.array(ArgillaField) });

/** One user of GET /api/v1/workspaces/{id}/users (owner, or admin member): how user_id maps to a username. */
export const ArgillaUser = z.object({ id: z.string(), username: z.string() });
export type ArgillaUser = z.output<typeof ArgillaUser>;
export const ArgillaUserList = z.object({ items: z.array(ArgillaUser) });

/** One item of a span answer: `end` is exclusive; Argilla's server checks the bounds in code points. */
export const SpanValue = z.object({
  label: z.string(),
  start: z.number().int().min(0),
  end: z.number().int().min(1),
});
export type SpanValue = z.output<typeof SpanValue>;
export const SpanAnswer = z.array(SpanValue);

export const ResponseStatus = z.enum(['draft', 'submitted', 'discarded']);
export type ResponseStatus = z.output<typeof ResponseStatus>;

export const ArgillaResponse = z.object({
  id: z.string(),
  /** Null for some draft and discarded responses; unanswered questions are absent. */
  values: z.record(z.string(), z.object({ value: z.unknown() })).nullable(),
  status: ResponseStatus,
  record_id: z.string(),
  user_id: z.string(),
  inserted_at: ArgillaTime,
  updated_at: ArgillaTime,
});
export type ArgillaResponse = z.output<typeof ArgillaResponse>;

export const ArgillaRecord = z.object({
  id: z.string(),
  status: z.enum(['pending', 'completed']),
  fields: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  external_id: z.string().nullable(),
  /** Absent unless `include=responses` (response_model_exclude_unset). */
  responses: z.array(ArgillaResponse).optional(),
  dataset_id: z.string(),
  inserted_at: ArgillaTime,
  updated_at: ArgillaTime,
});
export type ArgillaRecord = z.output<typeof ArgillaRecord>;

/** POST /api/v1/datasets/{id}/records/search: the score key is `query_score`; `total` is exact. */
export const SearchRecordsResult = z.object({
  items: z.array(z.object({ record: ArgillaRecord, query_score: z.number().nullable().optional() })),
  total: z.number().int(),
});
export type SearchRecordsResult = z.output<typeof SearchRecordsResult>;

const Scope = z.object({ entity: z.literal('record'), property: z.enum(['id', 'inserted_at']) });

/** The body the client sends (SearchRecordsQuery): a stable sort, optionally the records named. */
export const SearchRecordsQuery = z.object({
  filters: z
    .object({
      and: z
        .array(
          z.object({
            type: z.literal('terms'),
            scope: Scope,
            values: z.array(z.string()).min(1).max(250),
          }),
        )
        .min(1)
        .max(50),
    })
    .optional(),
  sort: z.array(z.object({ scope: Scope, order: z.enum(['asc', 'desc']) })).min(1),
});
export type SearchRecordsQuery = z.output<typeof SearchRecordsQuery>;

/**
 * Error bodies, both styles: the legacy wrapper `{"detail": {"code", "params"}}` (401, 403, 422 validation,
 * 500), the flat `{"detail": "..."}` (404, 409, most 422) and `{"code", "message"}` (two 422 variants).
 */
export const ArgillaErrorBody = z.union([
  z.object({
    detail: z.object({ code: z.string(), params: z.record(z.string(), z.unknown()).optional() }),
  }),
  z.object({ detail: z.string() }),
  z.object({ code: z.string(), message: z.string() }),
]);
export type ArgillaErrorBody = z.output<typeof ArgillaErrorBody>;

/** Argilla's own code (when it sent one) and a one-line detail of an error body. */
export function describeErrorBody(body: ArgillaErrorBody): { code: string | null; detail: string } {
  if ('message' in body) return { code: body.code, detail: body.message };
  if (typeof body.detail === 'string') return { code: null, detail: body.detail };
  const params = body.detail.params ?? {};
  const text = params.detail ?? params.message;
  if (typeof text === 'string') return { code: body.detail.code, detail: text };
  if (Array.isArray(params.errors)) {
    const parts = params.errors.map((e: { loc?: unknown; msg?: unknown }) =>
      `${Array.isArray(e?.loc) ? e.loc.join('.') : '?'}: ${String(e?.msg ?? '')}`.trim(),
    );
    return { code: body.detail.code, detail: parts.join('; ') };
  }
  return { code: body.detail.code, detail: JSON.stringify(params) };
}
