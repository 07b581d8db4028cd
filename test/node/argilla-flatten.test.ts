// Flattening Argilla responses into annotation rows, and reading span offsets in code points or UTF-16.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgillaDatasetConfig, datasetVersion } from '../../lib/argilla/config.ts';
import { flattenContext, flattenResponse, tombstoneRow, unusedLabels } from '../../lib/argilla/flatten.ts';
import { codePoints, codePointToUtf16, readSpanOffsets, utf16ToCodePoint } from '../../lib/argilla/offsets.ts';
import { ArgillaQuestion, ArgillaRecord, ArgillaResponse } from '../../lib/argilla/schemas.ts';

const DATASET = { id: 'ds-1', name: 'vessels-v2' };

/** A span question over the field `text` and the proposal text question, as GET /questions answers them. */
function questionsFor(datasetId: string) {
  const labels = ['VESSEL_NAME', 'IMO_NUMBER', 'FLAG_STATE'];
  const at = { dataset_id: datasetId, inserted_at: '2024-09-26T14:17:20.541716', updated_at: '2024-09-26T14:17:20' };
  return [
    {
      id: '80069251-4792-49e7-b58a-69a6117e8d32',
      name: 'entities',
      title: 'Mark the entities',
      description: null,
      required: true,
      settings: {
        type: 'span',
        field: 'text',
        options: labels.map((value) => ({ value, text: value, description: null })),
        visible_options: null,
        allow_overlapping: false,
        allow_character_annotation: true,
      },
      ...at,
    },
    {
      id: '5e7b45c3-b863-48c8-a1e8-2caa279b71e7',
      name: 'proposed_entity_type',
      title: 'Missing an entity type?',
      description: null,
      required: false,
      settings: { type: 'text', use_markdown: false },
      ...at,
    },
  ];
}
const config = ArgillaDatasetConfig.parse({ names: ['vessels-v2'], documentId: 'metadata:document_id' });
const ctx = flattenContext(
  DATASET,
  config,
  questionsFor('ds-1').map((q) => ArgillaQuestion.parse(q)),
  new Map([['u-1', 'maria']]),
);

function record(text: string, overrides: Record<string, unknown> = {}) {
  return ArgillaRecord.parse({
    id: 'rec-1',
    status: 'completed',
    fields: { text },
    metadata: { document_id: 'DOC-9' },
    external_id: null,
    dataset_id: 'ds-1',
    inserted_at: '2024-09-20T09:39:23',
    updated_at: '2024-09-20T09:39:23',
    ...overrides,
  });
}

function response(values: Record<string, unknown> | null, status = 'submitted') {
  return ArgillaResponse.parse({
    id: 'resp-1',
    values: values === null ? null : Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }])),
    status,
    record_id: 'rec-1',
    user_id: 'u-1',
    inserted_at: '2024-09-26T14:05:30.128332',
    updated_at: '2024-09-26T14:13:22.206179',
  });
}

const base = {
  record_id: 'rec-1',
  document_id: 'DOC-9',
  annotator: 'maria',
  status: 'submitted',
  annotated_at: '2024-09-26T14:13:22.206179Z',
  dataset: 'vessels-v2',
  dataset_version: 'v2',
  argilla_dataset_id: 'ds-1',
  argilla_record_id: 'rec-1',
  argilla_response_id: 'resp-1',
  argilla_question: 'entities',
  argilla_row: 'span',
};

describe('flattening responses', () => {
  it('makes one row per span of a submitted response, the proposal answer on each', () => {
    const text = 'MV Nordic Star, IMO 9321483, flag Panama';
    const flat = flattenResponse(
      ctx,
      record(text),
      response({
        entities: [
          { label: 'VESSEL_NAME', start: 3, end: 14 },
          { label: 'IMO_NUMBER', start: 20, end: 27 },
        ],
        proposed_entity_type: 'CALL_SIGN, OWNER',
      }),
    );
    expect(flat).toEqual({
      kind: 'rows',
      rows: [
        {
          ...base,
          entity_type: 'VESSEL_NAME',
          start: 3,
          end: 14,
          text: 'Nordic Star',
          proposal: 'CALL_SIGN, OWNER',
          offset_unit: 'code_points',
        },
        {
          ...base,
          entity_type: 'IMO_NUMBER',
          start: 20,
          end: 27,
          text: '9321483',
          proposal: 'CALL_SIGN, OWNER',
          offset_unit: 'code_points',
        },
      ],
      proposals: 2,
      converted: 0,
      refused: [],
      labels: ['VESSEL_NAME', 'IMO_NUMBER'],
    });
  });

  it('converts offsets that only fit as UTF-16 units (the web UI’s, after an emoji) and slices by code points', () => {
    const text = '🚢 Nordic Star';
    // UTF-16: the ship is 2 units, so "Nordic Star" is 3..14; in code points it is 2..13.
    const flat = flattenResponse(
      ctx,
      record(text),
      response({ entities: [{ label: 'VESSEL_NAME', start: 3, end: 14 }] }),
    );
    expect(flat).toMatchObject({
      kind: 'rows',
      converted: 1,
      rows: [{ entity_type: 'VESSEL_NAME', start: 2, end: 13, text: 'Nordic Star', offset_unit: 'utf16' }],
    });
    const sdk = flattenResponse(
      ctx,
      record(text),
      response({ entities: [{ label: 'VESSEL_NAME', start: 2, end: 13 }] }),
    );
    expect(sdk).toMatchObject({
      converted: 0,
      rows: [{ start: 2, end: 13, text: 'Nordic Star', offset_unit: 'code_points' }],
    });
  });

  it('refuses and counts offsets that fit neither unit', () => {
    const flat = flattenResponse(
      ctx,
      record('🚢 Star'),
      response({
        entities: [
          { label: 'VESSEL_NAME', start: 2, end: 6 },
          { label: 'FLAG_STATE', start: 5, end: 40 },
        ],
      }),
    );
    expect(flat).toMatchObject({
      kind: 'rows',
      rows: [{ start: 2, end: 6, text: 'Star' }],
      refused: [
        {
          responseId: 'resp-1',
          question: 'entities',
          start: 5,
          end: 40,
          reason: 'span 5..40 fits neither the 6 code points nor the 7 UTF-16 units of the text',
        },
      ],
    });
  });

  it('keeps nothing of draft or discarded responses, and says a submitted one without spans has none', () => {
    const spans = { entities: [{ label: 'VESSEL_NAME', start: 0, end: 4 }] };
    expect(flattenResponse(ctx, record('Star'), response(spans, 'draft'))).toMatchObject({
      kind: 'none',
      reason: 'draft',
    });
    expect(flattenResponse(ctx, record('Star'), response(null, 'discarded'))).toMatchObject({
      kind: 'none',
      reason: 'discarded',
    });
    expect(flattenResponse(ctx, record('Star'), response({ entities: [], proposed_entity_type: 'PORT' }))).toEqual({
      kind: 'none',
      reason: 'no_spans',
      proposals: 1,
      converted: 0,
      refused: [],
    });
  });

  it('says which record value is missing instead of writing a row without a document', () => {
    expect(flattenResponse(ctx, record('Star', { metadata: null }), response({ entities: [] }))).toEqual({
      kind: 'unmapped',
      reason: 'record rec-1 has no metadata:document_id for document_id',
    });
  });

  it('names annotators by username, falling back to the user id', () => {
    const other = { ...response({ entities: [{ label: 'VESSEL_NAME', start: 0, end: 4 }] }), user_id: 'u-2' };
    expect(flattenResponse(ctx, record('Star'), other)).toMatchObject({ rows: [{ annotator: 'u-2' }] });
  });

  it('builds tombstones that are never submitted, and reports labels nobody used', () => {
    const row = tombstoneRow(
      ctx,
      { recordId: 'rec-1', documentId: 'DOC-9', annotator: 'maria', argillaRecordId: 'rec-1', responseId: 'resp-1' },
      'deleted',
      '2024-10-01T00:00:00.000000Z',
    );
    expect(row).toMatchObject({ status: 'discarded', entity_type: '', argilla_row: 'tombstone', start: 0, end: 0 });
    expect(unusedLabels(ctx.spanQuestions, new Set(['VESSEL_NAME']))).toEqual(['IMO_NUMBER', 'FLAG_STATE']);
    expect(datasetVersion(config, 'vessels')).toBeNull();
  });
});

const astral = fc.constantFrom('a', 'é', ' ', 'Ω', '🚢', '😀', '𝔸', '中');
const text = fc.array(astral, { minLength: 1, maxLength: 40 }).map((cs) => cs.join(''));

describe('span offsets', () => {
  it('UTF-16 offsets of code point boundaries convert back to the same code points', () => {
    fc.assert(
      fc.property(text, fc.nat(), (t, n) => {
        const points = codePoints(t);
        const cp = n % (points.length + 1);
        expect(utf16ToCodePoint(t, codePointToUtf16(points, cp))).toBe(cp);
      }),
    );
  });

  it('a UTF-16 offset inside a surrogate pair has no code point', () => {
    expect(utf16ToCodePoint('🚢', 1)).toBeNull();
    expect(utf16ToCodePoint('a🚢', 2)).toBeNull();
  });

  it('a span the UI sent in UTF-16 units reads as the same text as the code point span it converts to', () => {
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), (t, a, b) => {
        const points = codePoints(t);
        const start = a % points.length;
        const end = start + 1 + (b % (points.length - start));
        const u16 = { start: codePointToUtf16(points, start), end: codePointToUtf16(points, end) };
        const [reading] = readSpanOffsets(t, [u16]);
        if (reading?.kind === 'refused') throw new Error('refused a span that fits UTF-16');
        // Either unit it is read in, the stored offsets are code points inside the text.
        expect(reading && reading.end <= points.length && reading.start < reading.end).toBe(true);
        if (u16.end > points.length) {
          // Only UTF-16 fits: it must be converted to exactly the span it came from.
          expect(reading).toEqual({ kind: 'converted', start, end });
        }
      }),
    );
  });

  it('text without astral characters reads offsets as they are', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1 }), fc.nat(), (t, a) => {
        const start = a % t.length;
        expect(readSpanOffsets(t, [{ start, end: t.length }])).toEqual([{ kind: 'code_points', start, end: t.length }]);
      }),
    );
  });
});
