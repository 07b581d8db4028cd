// Does the warehouse hold what Argilla holds? Each side is counted on its own: Argilla's submitted
// responses and spans from its records (read afresh, counted from the raw answers, not from the sync's
// rows), the warehouse's from the current submitted rows of `annotations`, per dataset and label; any
// difference is listed, with examples of the responses it comes from. The backfill prints this report.
import { z } from 'zod';
import { compareCodePoints } from '../core/order.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { type ArgillaClient, ArgillaRefusal } from './client.ts';
import type { ArgillaDatasetConfig, ArgillaDatasets } from './config.ts';
import { annotatorOf, type FlattenContext, flattenContext, recordKeys } from './flatten.ts';
import { readSpanOffsets } from './offsets.ts';
import { type ArgillaDataset, type ArgillaRecord, SpanAnswer } from './schemas.ts';

export interface ValidateDeps {
  readonly argilla: ArgillaClient;
  readonly warehouse: Warehouse;
  readonly datasets: ArgillaDatasets;
  readonly log: Logger;
  readonly pageSize?: number;
  /** Called after each page of records read. */
  readonly progress?: (event: { readonly dataset: string; readonly records: number; readonly total: number }) => void;
  /** Examples of differing responses listed per dataset, default 20. */
  readonly examples?: number;
}

export interface Counts {
  /** Responses (a record and an annotator) with at least one span (of the label, on a label's line). */
  readonly responses: number;
  readonly spans: number;
}

export interface LabelValidation {
  readonly label: string;
  /** Submitted spans in Argilla that the sync turns into rows (see `excluded`). */
  readonly argilla: Counts;
  /** Current (`valid_to IS NULL`), submitted rows of the dataset in `annotations`. */
  readonly warehouse: Counts;
}

export interface Difference {
  /** Null: the dataset as a whole. */
  readonly label: string | null;
  readonly measure: 'responses' | 'spans';
  readonly argilla: number;
  readonly warehouse: number;
}

/** One response (record_id and annotator, as the rows name them) whose spans of a label differ. */
export interface ResponseDifference {
  readonly recordId: string;
  readonly annotator: string;
  readonly label: string;
  readonly argilla: number;
  readonly warehouse: number;
}

export interface DatasetValidation {
  readonly name: string;
  readonly id: string | null;
  readonly outcome: 'match' | 'differences' | 'failed';
  /** Why it failed (the dataset could not be read). */
  readonly reason?: string;
  readonly records: number;
  /** Submitted responses in Argilla, with or without spans. */
  readonly submitted: number;
  /** Submitted responses without any span: they make no row, by design (docs/argilla.md). */
  readonly withoutSpans: number;
  /** What the sync leaves out by rule, so `argilla` does not count it either. */
  readonly excluded: {
    /** Submitted responses of records lacking the value record_id or document_id comes from. */
    readonly unmappedResponses: number;
    /** Spans whose offsets fit neither unit, or answers that are not span lists. */
    readonly refusedSpans: number;
  };
  readonly total: { readonly argilla: Counts; readonly warehouse: Counts };
  readonly labels: readonly LabelValidation[];
  readonly differences: readonly Difference[];
  /** The first responses that differ, by record_id, annotator and label. */
  readonly examples: readonly ResponseDifference[];
}

export interface ValidationReport {
  /** Every dataset matched (none failed, none differs). */
  readonly matches: boolean;
  readonly datasets: readonly DatasetValidation[];
}

/** Counts both sides of every configured dataset (or of `only`, names or ids) and compares them. */
export async function validateArgilla(deps: ValidateDeps, only?: readonly string[]): Promise<ValidationReport> {
  const wanted = only ? new Set(only) : null;
  const out: DatasetValidation[] = [];
  for (const config of deps.datasets) {
    for (const name of config.names) {
      let found: ArgillaDataset | undefined;
      try {
        const list = await deps.argilla.listDatasets({
          ...(config.workspace ? { workspaceId: config.workspace } : {}),
          name,
        });
        found = list.find((d) => d.name === name);
        if (wanted && !wanted.has(name) && !(found && wanted.has(found.id))) continue;
        if (!found) {
          out.push(failed(name, null, `Argilla has no dataset named ${name} that this key may see`));
          continue;
        }
        out.push(await validateDataset(deps, config, found));
      } catch (error) {
        if (wanted && !wanted.has(name) && !(found && wanted.has(found.id))) continue;
        deps.log.warn('argilla validation failed for a dataset', { dataset: name, error: errorMessage(error) });
        out.push(failed(name, found?.id ?? null, errorMessage(error)));
      }
    }
  }
  return { matches: out.every((d) => d.outcome === 'match'), datasets: out };
}

function failed(name: string, id: string | null, reason: string): DatasetValidation {
  const zero = { responses: 0, spans: 0 };
  return {
    name,
    id,
    outcome: 'failed',
    reason,
    records: 0,
    submitted: 0,
    withoutSpans: 0,
    excluded: { unmappedResponses: 0, refusedSpans: 0 },
    total: { argilla: zero, warehouse: zero },
    labels: [],
    differences: [],
    examples: [],
  };
}

/** `record_id \0 annotator` -> label -> spans. */
type Tally = Map<string, Map<string, number>>;

const identity = (recordId: string, annotator: string) => `${recordId}\u0000${annotator}`;

async function validateDataset(
  deps: ValidateDeps,
  config: ArgillaDatasetConfig,
  dataset: ArgillaDataset,
): Promise<DatasetValidation> {
  const questions = await deps.argilla.listQuestions(dataset.id);
  const usernames = new Map<string, string>();
  try {
    for (const user of await deps.argilla.listWorkspaceUsers(dataset.workspace_id))
      usernames.set(user.id, user.username);
  } catch (error) {
    // As the sync does: without the list, annotators are named by user id.
    if (!(error instanceof ArgillaRefusal)) throw error;
  }
  const ctx = flattenContext(dataset, config, questions, usernames);
  const argilla: Tally = new Map();
  const counts = { records: 0, submitted: 0, withoutSpans: 0, unmappedResponses: 0, refusedSpans: 0 };
  const pages = deps.argilla.recordPages(dataset.id, deps.pageSize ? { pageSize: deps.pageSize } : {});
  for await (const page of pages) {
    for (const record of page.records) {
      counts.records += 1;
      tallyRecord(ctx, record, argilla, counts);
    }
    deps.progress?.({ dataset: dataset.name, records: counts.records, total: page.total });
  }
  const warehouse = await warehouseLabels(deps.warehouse, dataset.name);
  const argillaLabels = labelCounts(argilla);
  const labels = [...new Set([...argillaLabels.keys(), ...warehouse.labels.keys()])].sort(compareCodePoints);
  const zero = { responses: 0, spans: 0 };
  const lines: LabelValidation[] = labels.map((label) => ({
    label,
    argilla: argillaLabels.get(label) ?? zero,
    warehouse: warehouse.labels.get(label) ?? zero,
  }));
  const total = {
    argilla: { responses: argilla.size, spans: lines.reduce((n, l) => n + l.argilla.spans, 0) },
    warehouse: warehouse.total,
  };
  const differences: Difference[] = [];
  const compare = (label: string | null, a: Counts, w: Counts) => {
    if (a.responses !== w.responses)
      differences.push({ label, measure: 'responses', argilla: a.responses, warehouse: w.responses });
    if (a.spans !== w.spans) differences.push({ label, measure: 'spans', argilla: a.spans, warehouse: w.spans });
  };
  compare(null, total.argilla, total.warehouse);
  for (const line of lines) compare(line.label, line.argilla, line.warehouse);
  const examples =
    differences.length === 0 ? [] : await responseDifferences(deps, dataset.name, argilla, deps.examples ?? 20);
  return {
    name: dataset.name,
    id: dataset.id,
    outcome: differences.length === 0 ? 'match' : 'differences',
    records: counts.records,
    submitted: counts.submitted,
    withoutSpans: counts.withoutSpans,
    excluded: { unmappedResponses: counts.unmappedResponses, refusedSpans: counts.refusedSpans },
    total,
    labels: lines,
    differences,
    examples,
  };
}

/** Adds a record's submitted spans to the tally, straight from the answers. */
function tallyRecord(
  ctx: FlattenContext,
  record: ArgillaRecord,
  tally: Tally,
  counts: { submitted: number; withoutSpans: number; unmappedResponses: number; refusedSpans: number },
): void {
  const keys = recordKeys(ctx, record);
  for (const response of record.responses ?? []) {
    if (response.status !== 'submitted') continue;
    counts.submitted += 1;
    if ('reason' in keys) {
      counts.unmappedResponses += 1;
      continue;
    }
    const labels = new Map<string, number>();
    for (const question of ctx.spanQuestions) {
      const value = response.values?.[question.name]?.value;
      if (value === undefined || value === null) continue;
      const spans = SpanAnswer.safeParse(value);
      const text = record.fields[question.field];
      if (!spans.success) {
        counts.refusedSpans += Array.isArray(value) ? value.length : 1;
        continue;
      }
      if (typeof text !== 'string') {
        counts.refusedSpans += spans.data.length;
        continue;
      }
      const readings = readSpanOffsets(text, spans.data);
      spans.data.forEach((span, i) => {
        if (readings[i]?.kind === 'refused') counts.refusedSpans += 1;
        else labels.set(span.label, (labels.get(span.label) ?? 0) + 1);
      });
    }
    if (labels.size === 0) {
      counts.withoutSpans += 1;
      continue;
    }
    const key = identity(keys.recordId, annotatorOf(ctx, response));
    const known = tally.get(key) ?? new Map<string, number>();
    for (const [label, n] of labels) known.set(label, (known.get(label) ?? 0) + n);
    tally.set(key, known);
  }
}

function labelCounts(tally: Tally): Map<string, Counts> {
  const out = new Map<string, { responses: number; spans: number }>();
  for (const labels of tally.values()) {
    for (const [label, n] of labels) {
      const c = out.get(label) ?? { responses: 0, spans: 0 };
      c.responses += 1;
      c.spans += n;
      out.set(label, c);
    }
  }
  return out;
}

const CURRENT = `FROM annotations WHERE valid_to IS NULL AND status = 'submitted' AND dataset = $1::VARCHAR`;
// A response is a record and an annotator, the identity ingestion supersedes rows by.
const RESPONSE = `[record_id, coalesce(annotator, '')]`;

const LabelRow = z.object({ label: z.string(), responses: z.coerce.number(), spans: z.coerce.number() });
const TotalRow = z.object({ responses: z.coerce.number(), spans: z.coerce.number() });

async function warehouseLabels(
  warehouse: Warehouse,
  dataset: string,
): Promise<{ labels: Map<string, Counts>; total: Counts }> {
  const rows = await warehouse.query(
    `SELECT entity_type AS label, count(DISTINCT ${RESPONSE})::BIGINT AS responses, count(*)::BIGINT AS spans
     ${CURRENT} GROUP BY entity_type`,
    [dataset],
  );
  const [total] = await warehouse.query(
    `SELECT count(DISTINCT ${RESPONSE})::BIGINT AS responses, count(*)::BIGINT AS spans ${CURRENT}`,
    [dataset],
  );
  const labels = new Map<string, Counts>();
  for (const row of rows) {
    const r = LabelRow.parse(row);
    labels.set(r.label, { responses: r.responses, spans: r.spans });
  }
  return { labels, total: TotalRow.parse(total) };
}

const ResponseRow = z.object({
  record_id: z.string(),
  annotator: z.string(),
  label: z.string(),
  spans: z.coerce.number(),
});

/** The first `limit` responses whose spans of a label differ, in record_id, annotator, label order. */
async function responseDifferences(
  deps: ValidateDeps,
  dataset: string,
  argilla: Tally,
  limit: number,
): Promise<ResponseDifference[]> {
  const rows = await deps.warehouse.query(
    `SELECT record_id, coalesce(annotator, '') AS annotator, entity_type AS label, count(*)::BIGINT AS spans
     ${CURRENT} GROUP BY ALL`,
    [dataset],
  );
  const warehouse: Tally = new Map();
  for (const row of rows) {
    const r = ResponseRow.parse(row);
    const key = identity(r.record_id, r.annotator);
    const labels = warehouse.get(key) ?? new Map<string, number>();
    labels.set(r.label, r.spans);
    warehouse.set(key, labels);
  }
  const out: ResponseDifference[] = [];
  for (const key of new Set([...argilla.keys(), ...warehouse.keys()])) {
    const a = argilla.get(key) ?? new Map<string, number>();
    const w = warehouse.get(key) ?? new Map<string, number>();
    const [recordId = '', annotator = ''] = key.split('\u0000');
    for (const label of new Set([...a.keys(), ...w.keys()])) {
      const an = a.get(label) ?? 0;
      const wn = w.get(label) ?? 0;
      if (an !== wn) out.push({ recordId, annotator, label, argilla: an, warehouse: wn });
    }
  }
  out.sort(
    (x, y) =>
      compareCodePoints(x.recordId, y.recordId) ||
      compareCodePoints(x.annotator, y.annotator) ||
      compareCodePoints(x.label, y.label),
  );
  return out.slice(0, limit);
}
