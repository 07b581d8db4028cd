// The backfill's output as text (pure): progress lines, the export summary, the loads and the validation
// report, one table per dataset with every difference listed.
import type { SyncReport } from '../../lib/argilla/sync.ts';
import type { DatasetValidation, ValidationReport } from '../../lib/argilla/validate.ts';
import { plural } from '../../lib/core/words.ts';
import type { BackfillLoads, BackfillProgress } from './backfill.ts';

export const count = (n: number) => n.toLocaleString('en-US');

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line of progress. */
export function formatProgress(event: BackfillProgress): string {
  switch (event.kind) {
    case 'page':
      return `${event.dataset}: read ${count(event.records)} of ${count(event.total)} records`;
    case 'file':
      return `${event.dataset}: ${event.dryRun ? 'would write' : 'wrote'} ${event.file.bucket}/${event.file.key} (${plural(event.file.rows, 'row')}, ${formatBytes(event.file.bytes)})`;
    case 'waiting':
      return `waiting for the ingest consumer to load ${plural(event.files, 'file')}`;
    case 'loaded':
      return `[${event.done}/${event.of}] ${event.row.status} ${event.file.key}${event.row.status === 'loaded' ? `: ${plural(event.row.rows ?? 0, 'row')} (${event.row.strategy ?? '?'})` : `: ${event.row.error ?? ''}`}`;
    case 'validating':
      return `validating ${event.dataset}: read ${count(event.records)} of ${count(event.total)} records`;
  }
}

/** What the export did, per dataset. */
export function formatSync(report: SyncReport): string[] {
  const lines: string[] = [];
  for (const d of report.datasets) {
    if (d.outcome === 'failed') {
      lines.push(`${d.name}: FAILED: ${d.reason ?? d.error?.code ?? 'unknown'}`);
      continue;
    }
    const verb = report.dryRun ? 'would write' : 'wrote';
    const rows = d.files.reduce((n, f) => n + f.rows, 0);
    const bytes = d.files.reduce((n, f) => n + f.bytes, 0);
    lines.push(
      `${d.name}: ${plural(d.records, 'record')}, ${plural(d.responses, 'response')} new or changed, ${plural(d.spans, 'span')}, ${plural(d.closed, 'response')} closed; ${verb} ${plural(d.files.length, 'file')} (${plural(rows, 'row')}, ${formatBytes(bytes)})`,
    );
    const notes = [
      d.refusedOffsets > 0 ? `${plural(d.refusedOffsets, 'span')} refused (offsets fit neither unit)` : null,
      d.convertedOffsets > 0 ? `${plural(d.convertedOffsets, 'span')} converted from UTF-16 offsets` : null,
      d.unmappedRecords > 0 ? `${plural(d.unmappedRecords, 'record')} without record_id or document_id` : null,
      d.proposalsWithoutSpans > 0 ? `${plural(d.proposalsWithoutSpans, 'proposal')} without a span (not stored)` : null,
      ...d.warnings,
    ].filter((n): n is string => n !== null);
    for (const note of notes) lines.push(`  note: ${note}`);
  }
  return lines;
}

export function formatLoads(loads: BackfillLoads): string[] {
  const lines = [
    `loads: ${count(loads.loaded)} of ${plural(loads.files, 'file')} loaded (${plural(loads.rows, 'row')})`,
  ];
  for (const f of loads.failed) lines.push(`  ${f.status}: ${f.key}: ${f.error ?? ''}`);
  for (const p of loads.pending) {
    lines.push(`  no verdict: ${p.key}${p.lastError ? ` (still retrying: ${p.lastError})` : ''}`);
  }
  return lines;
}

/** The validation report: per dataset a table of Argilla against the warehouse, and every difference. */
export function formatValidation(report: ValidationReport): string[] {
  const lines = ['validation: Argilla (read again) against the current submitted rows of annotations'];
  for (const d of report.datasets) lines.push(...formatDataset(d));
  lines.push(report.matches ? 'validation: every dataset matches' : 'validation: DIFFERENCES FOUND');
  return lines;
}

function formatDataset(d: DatasetValidation): string[] {
  if (d.outcome === 'failed') return [`dataset ${d.name}: FAILED: ${d.reason ?? ''}`];
  const header = ['label', 'responses in Argilla', 'in warehouse', 'spans in Argilla', 'in warehouse'];
  const row = (label: string, a: { responses: number; spans: number }, w: { responses: number; spans: number }) => [
    label,
    count(a.responses),
    count(w.responses),
    count(a.spans),
    count(w.spans),
    a.responses !== w.responses || a.spans !== w.spans ? '≠' : '',
  ];
  const table = [
    header,
    ...d.labels.map((l) => row(l.label, l.argilla, l.warehouse)),
    row('(all)', d.total.argilla, d.total.warehouse),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = [
    `dataset ${d.name}: ${d.outcome === 'match' ? 'match' : plural(d.differences.length, 'difference')}`,
    ...table.map((r) =>
      `  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd(),
    ),
    `  ${plural(d.records, 'record')}, ${plural(d.submitted, 'submitted response')} (${count(d.withoutSpans)} without a span, which make no row); left out by rule: ${plural(d.excluded.unmappedResponses, 'response')} of records without record_id or document_id, ${plural(d.excluded.refusedSpans, 'span')} with offsets that fit neither unit`,
  ];
  for (const diff of d.differences) {
    const gap = diff.warehouse - diff.argilla;
    lines.push(
      `  difference: ${diff.label ?? '(all)'} ${diff.measure}: Argilla ${count(diff.argilla)}, warehouse ${count(diff.warehouse)} (${gap < 0 ? `${count(-gap)} missing` : `${count(gap)} extra`})`,
    );
  }
  if (d.examples.length > 0) {
    lines.push(`  responses that differ (first ${d.examples.length}):`);
    for (const e of d.examples) {
      lines.push(
        `    record_id ${e.recordId}, annotator ${e.annotator || "''"}, ${e.label}: ${plural(e.argilla, 'span')} in Argilla, ${count(e.warehouse)} in the warehouse`,
      );
    }
  }
  return lines;
}
