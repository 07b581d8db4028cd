// Argilla responses as annotation rows (pure): one row per span of a submitted response, the proposal
// answer on each of its rows (as Argilla's export puts a question's answer beside the spans), and the
// tombstone row that takes an earlier response's rows out of the current state.
import { type ArgillaDatasetConfig, datasetVersion, type RecordValueSource } from './config.ts';
import { codePoints, readSpanOffsets } from './offsets.ts';
import type { ArgillaQuestion, ArgillaRecord, ArgillaResponse, ArgillaTime } from './schemas.ts';
import { SpanAnswer } from './schemas.ts';

/** One row of the annotations file; columns beyond the core ones land in the table's `metadata`. */
export interface AnnotationRow {
  readonly record_id: string;
  readonly document_id: string;
  readonly entity_type: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly annotator: string;
  readonly status: 'submitted' | 'draft' | 'discarded';
  readonly annotated_at: ArgillaTime;
  readonly dataset: string;
  readonly dataset_version: string | null;
  /** The answer to the proposal question (the column is named after it); null when none. */
  readonly proposal: string | null;
  readonly argilla_dataset_id: string;
  readonly argilla_record_id: string;
  readonly argilla_response_id: string;
  readonly argilla_question: string | null;
  /** `span`, or `tombstone`: a row that only closes the response's earlier rows (never submitted). */
  readonly argilla_row: 'span' | 'tombstone';
  /** The unit Argilla sent the offsets in (they are stored in code points either way); null for tombstones. */
  readonly offset_unit: 'code_points' | 'utf16' | null;
}

export interface SpanQuestion {
  readonly name: string;
  /** The record field the spans index into. */
  readonly field: string;
  readonly labels: readonly string[];
}

export interface FlattenContext {
  readonly dataset: { readonly id: string; readonly name: string; readonly version: string | null };
  readonly config: ArgillaDatasetConfig;
  readonly spanQuestions: readonly SpanQuestion[];
  /** user_id -> username; a user not in it is named by their id. */
  readonly usernames: ReadonlyMap<string, string>;
}

export interface RefusedSpan {
  readonly responseId: string;
  readonly question: string;
  readonly start: number;
  readonly end: number;
  readonly reason: string;
}

export type FlatResponse =
  | {
      readonly kind: 'rows';
      readonly rows: readonly AnnotationRow[];
      /** Names in the proposal answer (split as discovery splits it). */
      readonly proposals: number;
      readonly converted: number;
      readonly refused: readonly RefusedSpan[];
      readonly labels: readonly string[];
    }
  /** Not submitted, or submitted with no span (a proposal alone is counted in `proposals`). */
  | {
      readonly kind: 'none';
      readonly reason: 'draft' | 'discarded' | 'no_spans';
      readonly proposals: number;
      readonly converted: number;
      readonly refused: readonly RefusedSpan[];
    }
  /** The record lacks the value record_id or document_id comes from. */
  | { readonly kind: 'unmapped'; readonly reason: string };

/** The span questions the sync reads: the configured one, else every span question. */
export function spanQuestionsOf(questions: readonly ArgillaQuestion[], configured?: string): SpanQuestion[] {
  const out: SpanQuestion[] = [];
  for (const q of questions) {
    if (q.settings.type !== 'span' || !('field' in q.settings)) continue;
    if (configured !== undefined && q.name !== configured) continue;
    out.push({ name: q.name, field: q.settings.field, labels: q.settings.options.map((o) => o.value) });
  }
  return out;
}

/** The flatten context of one dataset. */
export function flattenContext(
  dataset: { readonly id: string; readonly name: string },
  config: ArgillaDatasetConfig,
  questions: readonly ArgillaQuestion[],
  usernames: ReadonlyMap<string, string>,
): FlattenContext {
  return {
    dataset: { id: dataset.id, name: dataset.name, version: datasetVersion(config, dataset.name) },
    config,
    spanQuestions: spanQuestionsOf(questions, config.spanQuestion),
    usernames,
  };
}

/** A record's value from `source` as text, or null when it has none. */
export function recordValue(record: ArgillaRecord, source: RecordValueSource): string | null {
  const raw =
    source === 'id'
      ? record.id
      : source === 'external_id'
        ? record.external_id
        : source.startsWith('field:')
          ? record.fields[source.slice('field:'.length)]
          : record.metadata?.[source.slice('metadata:'.length)];
  if (typeof raw === 'string') return raw === '' ? null : raw;
  if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw);
  return null;
}

/** Names in a proposal answer, split as discovery splits them (`,` `;` newlines). */
export function proposalNames(answer: string | null): string[] {
  if (answer === null) return [];
  return answer
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The record_id and document_id of a record, or why it has none. */
export function recordKeys(
  ctx: FlattenContext,
  record: ArgillaRecord,
): { recordId: string; documentId: string } | { reason: string } {
  const recordId = recordValue(record, ctx.config.recordId);
  if (recordId === null) return { reason: `record ${record.id} has no ${ctx.config.recordId} for record_id` };
  const documentId = recordValue(record, ctx.config.documentId);
  if (documentId === null) return { reason: `record ${record.id} has no ${ctx.config.documentId} for document_id` };
  return { recordId, documentId };
}

/** The annotator of a response: the user's username, or their id when the workspace list lacks them. */
export function annotatorOf(ctx: FlattenContext, response: ArgillaResponse): string {
  return ctx.usernames.get(response.user_id) ?? response.user_id;
}

/** The rows of one response of `record` (see FlatResponse). */
export function flattenResponse(ctx: FlattenContext, record: ArgillaRecord, response: ArgillaResponse): FlatResponse {
  const keys = recordKeys(ctx, record);
  if ('reason' in keys) return { kind: 'unmapped', reason: keys.reason };
  const answer = response.values?.[ctx.config.proposalQuestion]?.value;
  const proposal = typeof answer === 'string' && answer.trim() !== '' ? answer : null;
  const proposals = proposalNames(proposal).length;
  if (response.status !== 'submitted') {
    return { kind: 'none', reason: response.status, proposals: 0, converted: 0, refused: [] };
  }
  const annotator = annotatorOf(ctx, response);
  const rows: AnnotationRow[] = [];
  const refused: RefusedSpan[] = [];
  const labels = new Set<string>();
  let converted = 0;
  for (const question of ctx.spanQuestions) {
    const value = response.values?.[question.name]?.value;
    if (value === undefined || value === null) continue;
    const spans = SpanAnswer.safeParse(value);
    if (!spans.success) {
      refused.push({
        responseId: response.id,
        question: question.name,
        start: -1,
        end: -1,
        reason: 'not a span answer',
      });
      continue;
    }
    const text = record.fields[question.field];
    if (typeof text !== 'string') {
      for (const s of spans.data) {
        refused.push({
          responseId: response.id,
          question: question.name,
          start: s.start,
          end: s.end,
          reason: `the record has no text field ${question.field}`,
        });
      }
      continue;
    }
    const points = codePoints(text);
    const readings = readSpanOffsets(text, spans.data);
    spans.data.forEach((span, i) => {
      const reading = readings[i];
      if (reading === undefined) return;
      if (reading.kind === 'refused') {
        refused.push({ responseId: response.id, question: question.name, ...span, reason: reading.reason });
        return;
      }
      if (reading.kind === 'converted') converted += 1;
      labels.add(span.label);
      rows.push({
        record_id: keys.recordId,
        document_id: keys.documentId,
        entity_type: span.label,
        start: reading.start,
        end: reading.end,
        text: points.slice(reading.start, reading.end).join(''),
        annotator,
        status: 'submitted',
        annotated_at: response.updated_at,
        dataset: ctx.dataset.name,
        dataset_version: ctx.dataset.version,
        proposal,
        argilla_dataset_id: ctx.dataset.id,
        argilla_record_id: record.id,
        argilla_response_id: response.id,
        argilla_question: question.name,
        argilla_row: 'span',
        offset_unit: reading.kind === 'converted' ? 'utf16' : 'code_points',
      });
    });
  }
  if (rows.length === 0) return { kind: 'none', reason: 'no_spans', proposals, converted, refused };
  return { kind: 'rows', rows, proposals, converted, refused, labels: [...labels] };
}

/** What a tombstone row remembers of the response it closes (kept in the sync state). */
export interface TombstoneOf {
  readonly recordId: string;
  readonly documentId: string;
  readonly annotator: string;
  readonly argillaRecordId: string;
  readonly responseId: string;
}

/**
 * The row that closes a response's earlier rows: ingestion supersedes rows by (dataset, record_id,
 * annotator), and this row is never `submitted`, so discovery counts nothing of it. `deleted` and
 * `no_spans` read as discarded.
 */
export function tombstoneRow(
  ctx: FlattenContext,
  of: TombstoneOf,
  reason: 'draft' | 'discarded' | 'no_spans' | 'deleted',
  at: ArgillaTime,
): AnnotationRow {
  return {
    record_id: of.recordId,
    document_id: of.documentId,
    entity_type: '',
    start: 0,
    end: 0,
    text: '',
    annotator: of.annotator,
    status: reason === 'draft' ? 'draft' : 'discarded',
    annotated_at: at,
    dataset: ctx.dataset.name,
    dataset_version: ctx.dataset.version,
    proposal: null,
    argilla_dataset_id: ctx.dataset.id,
    argilla_record_id: of.argillaRecordId,
    argilla_response_id: of.responseId,
    argilla_question: null,
    argilla_row: 'tombstone',
    offset_unit: null,
  };
}

/** Labels of the span questions that no submitted span used. */
export function unusedLabels(questions: readonly SpanQuestion[], used: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const q of questions) for (const label of q.labels) if (!used.has(label)) out.add(label);
  return [...out];
}
