// Conflict detection beyond spelling (lib/discovery/meaning.ts, vocabulary.ts): the vocabulary's rules,
// shared example values, co-annotated spans and embeddings, each a reason of its own, the less certain ones
// only with support; the shipped vocabulary is the YAML file compiled; co-annotation read from the real
// embedded warehouse.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Conflict,
  type ConflictReason,
  type DetectInput,
  describeReason,
  detectConflicts,
  pairKey,
} from '../../lib/discovery/conflicts.ts';
import { buildDigest } from '../../lib/discovery/digest.ts';
import { coAnnotatedPairs } from '../../lib/discovery/run-conflicts.ts';
import { defaultVocabulary, Vocabulary, VocabularyFile } from '../../lib/discovery/vocabulary.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { compileVocabulary, VOCABULARY_COMPILED, VOCABULARY_SOURCE } from '../../tools/build/vocabulary.ts';
import { migratedDatabase } from '../support/databases.ts';

const vocabulary = defaultVocabulary();

function detect(
  a: string,
  b: string,
  extra: { [K in keyof DetectInput]?: DetectInput[K] | undefined } = {},
): Conflict[] {
  const input = { newNames: [a], knownNames: [b], aliases: new Map(), decidedPairs: new Set(), vocabulary, ...extra };
  // A key given as undefined turns that evidence off.
  return detectConflicts(
    Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as unknown as DetectInput,
  );
}
const kinds = (c: Conflict[]) => c.flatMap((x) => x.reasons.map((r) => r.kind)).sort();

describe('vocabulary rules', () => {
  it('finds the duplicates spelling misses, each with the rule that fired', () => {
    expect(detect('SHIP_NAME', 'VESSEL_NAME')[0]?.reasons).toEqual([
      { kind: 'synonym', rule: 'vessel = ship', vocabulary: vocabulary.version },
    ]);
    expect(detect('OWNER', 'OWNER_NAME')[0]?.reasons).toEqual([
      { kind: 'generic_suffix', suffix: 'name', vocabulary: vocabulary.version },
    ]);
    expect(detect('POL', 'PORT_OF_LOADING')[0]?.reasons).toEqual([
      { kind: 'abbreviation', rule: 'pol = port of loading', vocabulary: vocabulary.version },
    ]);
    expect(kinds(detect('DWT', 'DEADWEIGHT'))).toEqual(['abbreviation']);
    expect(kinds(detect('MMSI_NO', 'MMSI'))).toEqual(['abbreviation', 'generic_suffix']);
    expect(kinds(detect('FLAG', 'FLAG_STATE'))).toEqual(['synonym']);
    expect(kinds(detect('LOADING_PORT', 'PORT_OF_LOADING'))).toEqual(['synonym']);
    expect(kinds(detect('BL_NO', 'BILL_OF_LADING_NUMBER'))).toEqual(['abbreviation', 'abbreviation']);
  });

  it('leaves hard negatives alone', () => {
    for (const [a, b] of [
      ['PORT', 'PART'],
      ['DRAFT_FORWARD', 'DRAFT_AFT'],
      ['address_line_1', 'address_line_2'],
      ['POL', 'POD'],
      ['ETA', 'ETD'],
      ['PORT_OF_LOADING', 'PORT_OF_DISCHARGE'],
      ['GROSS_TONNAGE', 'NET_TONNAGE'],
      ['VESSEL_ID', 'VESSEL_NAME'],
      ['MMSI', 'IMO'],
    ] as const) {
      expect(detect(a, b), `${a} / ${b}`).toEqual([]);
    }
  });

  it('raises a less certain rule only with support, and then names both', () => {
    // `id` is a generic suffix that does not raise alone.
    expect(detect('VESSEL', 'VESSEL_ID')).toEqual([]);
    const examples = new Map([
      ['VESSEL', ['Ever Given', 'Maersk Alabama', 'Stena Bulk']],
      ['VESSEL_ID', ['Ever Given', 'Maersk Alabama', 'Nordic Star']],
    ]);
    const supported = detect('VESSEL', 'VESSEL_ID', { examples });
    expect(kinds(supported)).toEqual(['generic_suffix', 'shared_values']);
    expect(supported[0]?.reasons).toContainEqual({
      kind: 'shared_values',
      shared: 2,
      overlap: 0.6667,
      values: ['ever given', 'maersk alabama'],
    });
  });

  it('runs spelling only without a vocabulary', () => {
    expect(detect('SHIP_NAME', 'VESSEL_NAME', { vocabulary: undefined })).toEqual([]);
    expect(kinds(detect('vessel_nme', 'VESSEL_NAME', { vocabulary: undefined }))).toEqual(['similar']);
    // Spelling cases keep their reasons with the vocabulary on.
    expect(kinds(detect('vessel_nme', 'VESSEL_NAME'))).toEqual(['similar']);
    expect(kinds(detect('Vessel Names', 'VESSEL_NAME'))).toEqual(['same_after_normalising']);
  });

  it('applies a team’s own vocabulary file: synonyms that are not certain need support', () => {
    const own = new Vocabulary(
      VocabularyFile.parse({ version: 7, synonyms: [{ words: ['consignee', 'receiver'], certain: false }] }),
    );
    expect(detect('RECEIVER', 'CONSIGNEE', { vocabulary: own })).toEqual([]);
    const examples = new Map([
      ['RECEIVER', ['Acme Ltd', 'Blue Ocean BV']],
      ['CONSIGNEE', ['Acme Ltd', 'Blue Ocean BV', 'Kappa SA']],
    ]);
    const found = detect('RECEIVER', 'CONSIGNEE', { vocabulary: own, examples });
    expect(found[0]?.reasons).toContainEqual({ kind: 'synonym', rule: 'consignee = receiver', vocabulary: 7 });
  });
});

describe('evidence from the data', () => {
  it('shared values raise a conflict alone only when most values are shared', () => {
    const many = new Map([
      ['HOME_PORT', ['Rotterdam', 'Antwerp', 'Hamburg', 'Felixstowe']],
      ['REGISTRY_PORT', ['Rotterdam', 'Antwerp', 'Hamburg', 'Felixstowe']],
    ]);
    expect(kinds(detect('HOME_PORT', 'REGISTRY_PORT', { examples: many }))).toEqual(['shared_values']);
    const some = new Map([
      ['PORT_OF_LOADING', ['Rotterdam', 'Antwerp', 'Singapore', 'Busan']],
      ['PORT_OF_DISCHARGE', ['Rotterdam', 'Antwerp', 'Santos', 'Durban']],
    ]);
    expect(detect('PORT_OF_LOADING', 'PORT_OF_DISCHARGE', { examples: some })).toEqual([]);
    // Values that say nothing (short, booleans) are not evidence.
    const flags = new Map([
      ['IS_LADEN', ['true', 'false', '1']],
      ['HAS_CRANE', ['true', 'false', '1']],
    ]);
    expect(detect('IS_LADEN', 'HAS_CRANE', { examples: flags })).toEqual([]);
  });

  it('co-annotated spans raise a conflict from the configured count', () => {
    const key = pairKey('SHIP', 'CRAFT');
    expect(detect('SHIP', 'CRAFT', { coAnnotated: new Map([[key, 1]]) })).toEqual([]);
    expect(detect('SHIP', 'CRAFT', { coAnnotated: new Map([[key, 3]]) })[0]?.reasons).toEqual([
      { kind: 'co_annotated', spans: 3 },
    ]);
  });

  it('embeddings raise a conflict above their threshold and support one between the two thresholds', () => {
    const near = (similarity: number) => new Map([['HULL_NUMBER', [{ name: 'YARD_NUMBER', similarity }]]]);
    const model = '@cf/baai/bge-base-en-v1.5';
    expect(detect('HULL_NUMBER', 'YARD_NUMBER', { neighbours: near(0.95), embeddingModel: model })[0]?.reasons).toEqual(
      [{ kind: 'embedding', similarity: 0.95, model }],
    );
    expect(detect('HULL_NUMBER', 'YARD_NUMBER', { neighbours: near(0.85), embeddingModel: model })).toEqual([]);
    expect(
      detect('VESSEL', 'VESSEL_ID', {
        neighbours: new Map([['VESSEL', [{ name: 'VESSEL_ID', similarity: 0.85 }]]]),
        embeddingModel: model,
      })[0]
        ?.reasons.map((r) => r.kind)
        .sort(),
    ).toEqual(['embedding', 'generic_suffix']);
  });
});

describe('reasons in words', () => {
  const reasons: ConflictReason[] = [
    { kind: 'synonym', rule: 'vessel = ship', vocabulary: 3 },
    { kind: 'abbreviation', rule: 'pol = port of loading', vocabulary: 3 },
    { kind: 'generic_suffix', suffix: 'name', vocabulary: 3 },
    { kind: 'shared_values', shared: 4, overlap: 0.8, values: ['*bold* <b>', 'ever given', 'maersk', 'stena'] },
    { kind: 'co_annotated', spans: 2 },
    { kind: 'embedding', similarity: 0.934, model: '@cf/baai/bge-base-en-v1.5' },
  ];

  it('says which rule fired, what was shared and by which model', () => {
    expect(reasons.map(describeReason)).toEqual([
      'synonyms in the vocabulary: "vessel = ship" (vocabulary v3)',
      'an abbreviation in the vocabulary: "pol = port of loading" (vocabulary v3)',
      'one is the other plus the generic word "name" (vocabulary v3)',
      '4 example values in common (80% of the smaller set: "*bold* <b>", "ever given", "maersk", …)',
      'different annotators gave 2 identical spans one name and the other',
      '93% alike in meaning (embeddings by @cf/baai/bge-base-en-v1.5)',
    ]);
  });

  it('escapes values from the data in the Slack digest', () => {
    const message = buildDigest({
      runId: 'run-1',
      publicUrl: 'https://schema.example.com/',
      loads: 1,
      snapshot: null,
      newEntityTypes: [],
      newFields: [],
      conflicts: [
        { id: 'c1', kind: 'entity_type', source: '', newName: 'SHIP', existingName: 'VESSEL', score: 0.9, reasons },
      ],
      maxConflicts: 10,
    });
    const text = JSON.stringify(message);
    expect(text).toContain('synonyms in the vocabulary');
    expect(text).not.toContain('<b>');
    expect(text).toContain('&lt;b&gt;');
  });
});

describe('the vocabulary file', () => {
  it('is what the discovery Worker bundles (npm run vocabulary)', () => {
    expect(readFileSync(VOCABULARY_COMPILED, 'utf8')).toBe(compileVocabulary(readFileSync(VOCABULARY_SOURCE, 'utf8')));
  });

  it('refuses a malformed file with the place of the problem', () => {
    expect(() => compileVocabulary('version: 1\nabbreviations:\n  "two words": x\n', 'v.yaml')).toThrow(
      /v\.yaml is invalid[\s\S]*the abbreviation 'two words' must be one word/,
    );
    expect(() => compileVocabulary('synonyms: []\n', 'v.yaml')).toThrow(/version/);
  });
});

describe('co-annotated spans in the warehouse', () => {
  const warehouses: Warehouse[] = [];
  afterAll(async () => {
    await Promise.all(warehouses.map((w) => w.close()));
  });

  it('counts identical spans that different annotators labelled with a new and another type', async () => {
    const { warehouse } = await migratedDatabase('co_annotated');
    warehouses.push(warehouse);
    const row = (record: string, type: string, annotator: string, start = 0, status = 'submitted', closed = false) =>
      `('${record}', 'doc', '${type}', ${start}, ${start + 5}, 'Ever Given', '${annotator}', '${status}', now(), 'vessels', 'b', 'k', now(), now(), ${closed ? 'now()' : 'NULL'})`;
    await warehouse.exec(
      `INSERT INTO annotations (record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, batch_id, source_key, ingested_at, valid_from, valid_to) VALUES
       ${[
         row('r1', 'SHIP', 'alice'),
         row('r1', 'VESSEL', 'bob'),
         row('r2', 'SHIP', 'alice'),
         row('r2', 'VESSEL', 'carol'),
         // the same annotator changing their mind is not two people agreeing
         row('r3', 'SHIP', 'dave'),
         row('r3', 'VESSEL', 'dave'),
         // another span, a draft, a closed row: none counts
         row('r4', 'SHIP', 'alice', 0),
         row('r4', 'VESSEL', 'bob', 10),
         row('r5', 'SHIP', 'alice'),
         row('r5', 'VESSEL', 'bob', 0, 'draft'),
         row('r6', 'SHIP', 'alice'),
         row('r6', 'VESSEL', 'bob', 0, 'submitted', true),
       ].join(', ')}`,
    );
    const pairs = await coAnnotatedPairs(warehouse, ['SHIP']);
    expect([...pairs]).toEqual([[pairKey('SHIP', 'VESSEL'), 2]]);
    expect(await coAnnotatedPairs(warehouse, [])).toEqual(new Map());
  });
});
