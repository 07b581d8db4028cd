// Incremental runs add new loads' rows to the catalog instead of recounting; whatever the loads do (new
// rows, re-uploads that supersede a whole file, rows re-annotated or turned back into drafts, proposals,
// late annotations older than what the catalog has seen) the catalog must equal a recount of every
// current row after each run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DISCOVERY_CONFIG, type EntityObservation } from '../../lib/discovery/catalog.ts';
import { readEntityRows } from '../../lib/discovery/catalog-tables/entity-types.ts';
import { observeEntityTypes } from '../../lib/discovery/observe.ts';
import { runDiscovery } from '../../lib/discovery/run.ts';
import { migratedDatabase } from '../support/databases.ts';
import { discoveryDeps, succeeded } from '../support/discovery-deps.ts';
import { annotationsSql } from '../support/discovery-fixtures.ts';
import { ingestFiles } from '../support/node-loads.ts';

const span = fc.record({
  record: fc.integer({ min: 1, max: 25 }).map((n) => `r${n}`),
  document: fc.constantFrom('d1', 'd2', 'd3', 'd4'),
  type: fc.constantFrom('VESSEL_NAME', 'PORT', 'IMO_NUMBER', 'FLAG_STATE'),
  text: fc.constantFrom('Ever Given', 'Suez', '9811000', 'Panama', 'MSC Oscar'),
  annotator: fc.constantFrom('alice', 'bob', 'carol'),
  status: fc.constantFrom('submitted', 'submitted', 'submitted', 'draft'),
  /** Hours after the load's own hour: mostly later than earlier loads, sometimes older. */
  hour: fc.integer({ min: -12, max: 30 }),
  proposal: fc.constantFrom(null, null, null, 'CALL_SIGN', 'CALL_SIGN, PORT', 'OWNER; CALL_SIGN'),
});

/** A load: its spans, and either a new file or a re-upload of an earlier one (which supersedes it). */
const load = fc.record({ spans: fc.array(span, { minLength: 1, maxLength: 12 }), reupload: fc.nat() });

const stats = (o: EntityObservation) => ({
  name: o.name,
  occurrences: o.occurrences,
  documents: o.documents,
  proposals: o.proposals,
  firstSeen: o.firstSeen?.toISOString() ?? null,
  lastSeen: o.lastSeen?.toISOString() ?? null,
  annotators: o.annotators,
  datasets: o.datasets,
  examples: o.examples,
});

describe('incremental discovery', () => {
  it('keeps the catalog equal to a recount of every current row, load after load', async () => {
    let seq = 0;
    let added = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(load, { minLength: 2, maxLength: 5 }), async (loads) => {
        const { warehouse } = await migratedDatabase('discovery_incremental');
        try {
          const keys: string[] = [];
          let unique = 0;
          for (const [i, l] of loads.entries()) {
            const now = new Date(Date.UTC(2026, 10, 20, 12, i));
            const reuse = keys.length > 0 && l.reupload % 3 === 0;
            const key = reuse ? (keys[l.reupload % keys.length] as string) : `argilla/${++seq}.parquet`;
            if (!reuse) keys.push(key);
            // Distinct instants (a second apart within the hour), so "the earliest spans" has one answer.
            const sql = annotationsSql(
              l.spans.map((s) => {
                const at = new Date(Date.UTC(2026, 10, 1, 24 * i + s.hour, 0, ++unique)).toISOString();
                return [s.record, s.document, s.type, s.text, s.annotator, s.status, at, s.proposal] as const;
              }),
            );
            const ingested = await ingestFiles(warehouse, [{ bucket: 'vessel-annotations', key, sql }], now);
            expect(ingested.counts.loaded).toBe(1);
            const report = succeeded(
              await runDiscovery(discoveryDeps(warehouse, now), { trigger: 'cron', full: false }),
            );
            added += report.entityCounting?.added ?? 0;

            const recount = await observeEntityTypes(warehouse, {
              proposalQuestion: DEFAULT_DISCOVERY_CONFIG.proposalQuestion,
              examples: DEFAULT_DISCOVERY_CONFIG.examples,
              names: 'all',
            });
            const catalog = (await readEntityRows(warehouse)).filter((r) => r.occurrences + r.proposals > 0);
            expect(catalog.map(stats)).toEqual(recount.map(stats));
            // The newest activity the runs moved on load by load equals an aggregate over every row.
            expect(await warehouse.query('SELECT scope, newest_at FROM discovery_activity ORDER BY scope')).toEqual(
              await warehouse.query(
                `SELECT coalesce(dataset, '') AS scope, max(annotated_at) AS newest_at FROM annotations
                 WHERE status = 'submitted' GROUP BY ALL ORDER BY scope`,
              ),
            );
          }
        } finally {
          await warehouse.close();
        }
      }),
      { numRuns: 12 },
    );
    // The property is only worth something if runs did add rows up rather than recount every time.
    expect(added).toBeGreaterThan(0);
  }, 180_000);
});
