// A discovery run that finds conflicts beyond spelling, end to end: annotations loaded through the real
// consumer into the real embedded warehouse, the vocabulary, co-annotated spans, and embeddings from a
// stand-in at the Workers AI binding boundary (fixed vectors), cached in name_embeddings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConflicts } from '../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { runDiscovery } from '../../lib/discovery/run.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { embeddingStandIn, fallbackVector } from '../support/ai-embeddings.ts';
import { migratedDatabase } from '../support/databases.ts';
import { discoveryDeps as deps, succeeded } from '../support/discovery-deps.ts';
import { ingestFiles } from '../support/node-loads.ts';

const DAY = new Date('2026-11-21T12:00:00Z');
const AT = "TIMESTAMPTZ '2026-11-20 09:00:00+00'";

/** [record, type, start, end, text, annotator] rows as an annotations file. */
const spans = (rows: readonly [string, string, number, number, string, string][]) =>
  `SELECT * FROM (VALUES ${rows
    .map(
      ([r, t, s, e, text, who]) =>
        `('${r}', 'doc-${r}', '${t}', ${s}, ${e}, '${text}', '${who}', 'submitted', ${AT}, 'vessels')`,
    )
    .join(
      ', ',
    )}) t(record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset)`;

describe('a discovery run beyond spelling', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    ({ warehouse } = await migratedDatabase('discovery_meaning'));
    await ingestFiles(
      warehouse,
      [
        {
          bucket: 'vessel-annotations',
          key: 'argilla/meaning.parquet',
          sql: spans([
            // bob calls what alice calls a VESSEL_NAME a SHIP_NAME, on the same spans
            ['r1', 'VESSEL_NAME', 0, 10, 'Ever Given', 'alice'],
            ['r1', 'SHIP_NAME', 0, 10, 'Ever Given', 'bob'],
            ['r2', 'VESSEL_NAME', 0, 9, 'MSC Oscar', 'alice'],
            ['r2', 'SHIP_NAME', 0, 9, 'MSC Oscar', 'bob'],
            // no rule and no shared value: only the embeddings say these are one thing
            ['r3', 'HULL_NO', 20, 26, 'S.1234', 'alice'],
            ['r4', 'YARD_NUMBER', 20, 26, 'H.2201', 'carol'],
            ['r5', 'DRAFT_AFT', 30, 34, '12.1', 'alice'],
            ['r5', 'DRAFT_FORWARD', 40, 44, '11.8', 'alice'],
          ]),
        },
      ],
      DAY,
    );
  });
  afterAll(async () => {
    await warehouse.close();
  });

  const hullOrYard = fallbackVector('hull or yard number');
  const standIn = () =>
    embeddingStandIn({
      vectors: (text) => (/^(hull no|yard number)\b/i.test(text) ? hullOrYard : undefined),
    });

  it('raises synonyms with their co-annotated spans, and what only the embeddings find, with the model', async () => {
    const ai = standIn();
    succeeded(await runDiscovery(deps(warehouse, DAY, { ai: ai.binding }), { trigger: 'cron', full: false }));
    const conflicts = await listConflicts(warehouse, { status: 'open', limit: 100 });
    const pairs = new Map(conflicts.map((c) => [[c.newName, c.existingName].sort().join(' / '), c.reasons]));
    expect([...pairs.keys()].sort()).toEqual(['HULL_NO / YARD_NUMBER', 'SHIP_NAME / VESSEL_NAME']);
    expect(pairs.get('SHIP_NAME / VESSEL_NAME')).toEqual(
      expect.arrayContaining([
        { kind: 'synonym', rule: 'vessel = ship', vocabulary: 1 },
        { kind: 'co_annotated', spans: 2 },
        { kind: 'shared_values', shared: 2, overlap: 1, values: ['ever given', 'msc oscar'] },
      ]),
    );
    expect(pairs.get('HULL_NO / YARD_NUMBER')).toEqual([
      { kind: 'embedding', similarity: 1, model: '@cf/baai/bge-base-en-v1.5' },
    ]);
    // Every name embedded once and cached.
    expect(ai.embedded()).toBe(6);
    const cached = await warehouse.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM name_embeddings WHERE kind = 'entity_type'`,
    );
    expect(cached).toEqual([{ n: 6 }]);
  });

  it('runs the other rules when Workers AI fails', async () => {
    const { warehouse: other } = await migratedDatabase('discovery_meaning_down');
    try {
      await ingestFiles(
        other,
        [
          {
            bucket: 'vessel-annotations',
            key: 'argilla/meaning-down.parquet',
            sql: spans([
              ['r1', 'POL', 0, 9, 'Rotterdam', 'alice'],
              ['r2', 'PORT_OF_LOADING', 0, 7, 'Antwerp', 'bob'],
            ]),
          },
        ],
        DAY,
      );
      const down = embeddingStandIn({
        answer: () => {
          throw new Error('3040: Capacity temporarily exceeded');
        },
      });
      succeeded(await runDiscovery(deps(other, DAY, { ai: down.binding }), { trigger: 'cron', full: false }));
      const conflicts = await listConflicts(other, { status: 'open', limit: 100 });
      expect(conflicts.map((c) => c.reasons)).toEqual([
        [{ kind: 'abbreviation', rule: 'pol = port of loading', vocabulary: 1 }],
      ]);
    } finally {
      await other.close();
    }
  });
});
