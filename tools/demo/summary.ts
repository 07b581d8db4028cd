// The demo's summary as plain aligned text: what was loaded, the catalog, the conflicts, the Slack digest,
// the schema versions, the report's change and where the console is.
import { describeReason } from '../../lib/discovery/conflicts.ts';
import { MONTH_LABEL } from './corpus.ts';
import { type DemoFacts, type DemoRun, REPORT_NAME } from './run.ts';

/** Rows of cells as columns padded to their widest cell, indented. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  return rows.map((r) =>
    `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
}

const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

export function formatSummary(run: DemoRun, facts: DemoFacts): string {
  const out: string[] = [];
  const head = (title: string) => out.push('', title);
  out.push(`living-schema demo, seed ${run.seed}`);
  if (run.reset) {
    out.push(
      `  --reset: ${run.reset.reportDeleted ? 'deleted the demo report, ' : ''}gave ${run.reset.emptied} demo files an empty version and closed ${plural(run.reset.annotationsClosed, 'demo response')}, then ran from month 1`,
    );
  }

  head('Rows loaded');
  const rows: string[][] = [['month', 'file', 'outcome']];
  const loadedBy = new Map<string, number>();
  let duplicates = 0;
  for (const m of run.months) {
    for (const f of m.files) {
      const outcome =
        f.status === 'loaded'
          ? `loaded ${plural(f.rows, 'row')} into ${f.target ?? '?'}`
          : f.status === 'ignored'
            ? f.detail === null || /same content/.test(f.detail)
              ? 'already loaded: the same bytes are the current version (a no-op)'
              : `ignored: ${f.detail}`
            : `${f.status} ${f.detail ?? ''}`;
      if (f.status === 'loaded') loadedBy.set(f.target ?? '?', (loadedBy.get(f.target ?? '?') ?? 0) + f.rows);
      if (f.status === 'ignored') duplicates += 1;
      rows.push([MONTH_LABEL[m.month], `${f.bucket}/${f.key}`, outcome]);
    }
    const a = m.annotations;
    if (a) {
      if (a.rows > 0) loadedBy.set('annotations', (loadedBy.get('annotations') ?? 0) + a.rows);
      rows.push([
        MONTH_LABEL[m.month],
        'vessel-annotations/argilla/… (backfill)',
        a.files === 0
          ? 'nothing new in Argilla since the last backfill (a no-op)'
          : `${plural(a.files, 'file')}, ${plural(a.rows, 'row')} into annotations from ${plural(a.responses, 'changed response')}`,
      ]);
    } else {
      rows.push([
        MONTH_LABEL[m.month],
        'vessel-annotations (backfill)',
        'skipped: month 1 was synced by an earlier run',
      ]);
    }
  }
  out.push(...table(rows));
  out.push(
    `  this run loaded: ${[...loadedBy].map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ') || 'nothing new'}${duplicates > 0 ? ` (${plural(duplicates, 'file')} already loaded)` : ''}`,
  );
  out.push(
    `  current demo rows: ${facts.tables.map((t) => `${t.table} ${t.rows.toLocaleString('en-US')}`).join(', ')}`,
  );

  const s = facts.schema;
  head(
    s ? `Catalog (schema v${s.version}, ${s.semver}, published ${s.publishedAt})` : 'Catalog: no schema published yet',
  );
  if (s) {
    out.push('  Entity types (from the annotations)');
    out.push(
      ...table(
        [
          ['name', 'status', 'spans', 'documents', 'proposals'],
          ...s.entityTypes.map((e) => [
            e.name,
            e.mergedInto ? `${e.status} -> ${e.mergedInto}` : e.status,
            String(e.stats?.occurrences ?? ''),
            String(e.stats?.documents ?? ''),
            String(e.stats?.proposals ?? ''),
          ]),
        ],
        '    ',
      ),
    );
    out.push('  Fields (from the files)');
    out.push(
      ...table(
        [
          ['source.field', 'type', 'status', 'values', 'nulls', 'files'],
          ...s.fields.map((f) => [
            `${f.source}.${f.name}`,
            f.type,
            f.mergedInto ? `${f.status} -> ${f.mergedInto}` : f.status,
            String(f.stats?.occurrences ?? ''),
            String(f.stats?.nulls ?? ''),
            String(f.stats?.loads ?? ''),
          ]),
        ],
        '    ',
      ),
    );
  }

  head(`Conflicts to review (${facts.openConflicts} open)`);
  if (facts.conflicts.length === 0) out.push('  none');
  for (const c of facts.conflicts) {
    out.push(
      `  ${c.newName} ~ ${c.existingName}  (${c.kind === 'entity_type' ? 'entity type' : `field of ${c.source}`}, score ${c.score.toFixed(2)})`,
    );
    for (const r of c.reasons) out.push(`      ${describeReason(r)}`);
  }

  head('Slack digest (the newest message of the local Slack sink)');
  if (facts.slack) {
    out.push(`  received ${facts.slack.receivedAt}`);
    for (const line of facts.slack.text.split('\n')) out.push(`  | ${line}`);
  } else out.push('  no message yet');

  head(`Schema versions (${facts.versionsTotal})`);
  out.push(
    ...table([
      ['version', 'semver', 'bump', 'published', 'entity types', 'fields', 'changes'],
      ...facts.versions.map((v) => {
        const summary = (v as { summary?: { entityTypes: number; fields: number; changes: number } }).summary;
        return [
          `v${v.version}`,
          v.semver,
          v.bump,
          v.publishedAt,
          String(summary?.entityTypes ?? ''),
          String(summary?.fields ?? ''),
          String(summary?.changes ?? ''),
        ];
      }),
    ]),
  );

  head(
    `Report "${REPORT_NAME}" (${run.report.created ? 'created by this run' : 'saved by an earlier run'}, id ${run.report.id})`,
  );
  const newest = facts.report.runs[0];
  if (newest) {
    const changed = newest.changed === true ? 'yes' : newest.changed === false ? 'no' : 'n/a (first run)';
    out.push(`  run ${newest.run}: changed: ${changed}${newest.why?.summary ? ` (${newest.why.summary})` : ''}`);
  }
  const last = facts.report.lastChange;
  if (last) out.push(`  last change, run ${last.run}: ${last.why?.summary ?? ''}`);
  const d = facts.report.diff;
  if (d) {
    out.push(
      `  diff run ${d.from.run} -> run ${d.to.run}: ${d.counts.added} added, ${d.counts.removed} removed, ${d.counts.changed} changed, ${d.counts.unchanged} unchanged`,
    );
    for (const r of d.added) out.push(`    + ${JSON.stringify(r)}`);
    for (const r of d.removed) out.push(`    - ${JSON.stringify(r)}`);
    for (const c of d.changed)
      out.push(`    ~ ${JSON.stringify(c.key)}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
  }

  head(`Console: ${facts.consoleUrl}`);
  return `${out.join('\n')}\n`;
}
