// A dataset of N responses with dates spread over a period (the backfill test's 20,000 over a year).

import { mulberry32 } from '../demo/prng.ts';
import type { FixtureDataset, FixtureRecord } from './fixture.ts';
import { formatNaive, type Micros } from './format.ts';

export interface GenerateOptions {
  readonly name?: string;
  readonly workspace?: string;
  /** Responses to create, all `submitted` unless `draftEvery` / `discardedEvery` say otherwise. */
  readonly responses: number;
  /** Annotators; each record gets one response from each of `perRecord` of them. */
  readonly annotators?: readonly string[];
  readonly perRecord?: number;
  /** The period the responses' dates are spread over (inclusive), as naive-UTC ISO strings. */
  readonly from?: string;
  readonly to?: string;
  /** Every n-th response is a draft / discarded (0: none). */
  readonly draftEvery?: number;
  readonly discardedEvery?: number;
  /** Seed of the pseudo-random choices, so one seed always yields the same dataset. */
  readonly seed?: number;
}

const VESSELS = [
  'MV Nordic Star',
  'Ever Given',
  'MSC Gülsün',
  'Maersk Mc-Kinney Møller',
  'Stena Jutlandica',
  'Queen Mary 2',
];
const FLAGS = ['Panama', 'Liberia', 'Marshall Islands', 'Malta', 'Norway', 'Bahamas'];
const PORTS = ['Rotterdam', 'Singapore', 'Hamburg', 'Antwerp', 'Bergen', 'Piraeus'];

function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parse(text: string): Micros {
  return Date.parse(`${text}Z`) * 1000;
}

/** Code-point offsets of `part` in `text` (the server's unit). */
function span(text: string, part: string, label: string) {
  const at = text.indexOf(part);
  return { label, start: [...text.slice(0, at)].length, end: [...text.slice(0, at)].length + [...part].length };
}

/** The maritime questions with a span over `text`, a text question for proposals, records with `document_id`. */
export function generateDataset(options: GenerateOptions): FixtureDataset {
  const rand = mulberry32(options.seed ?? 1);
  const annotators = options.annotators ?? ['gen-annotator-1', 'gen-annotator-2'];
  const perRecord = Math.min(options.perRecord ?? annotators.length, annotators.length);
  const from = parse(options.from ?? '2025-01-01T00:00:00');
  const to = parse(options.to ?? '2025-12-31T23:59:59');
  const recordCount = Math.ceil(options.responses / perRecord);
  const step = recordCount > 1 ? (to - from) / recordCount : 0;
  const records: FixtureRecord[] = [];
  let made = 0;
  for (let i = 0; i < recordCount; i++) {
    const vessel = VESSELS[i % VESSELS.length] as string;
    const flag = FLAGS[Math.floor(rand() * FLAGS.length)] as string;
    const port = PORTS[Math.floor(rand() * PORTS.length)] as string;
    const imo = String(9_000_000 + Math.floor(rand() * 999_999));
    const text = `${vessel} (IMO ${imo}), flag ${flag}, arrived at ${port}.`;
    const spans = [
      span(text, vessel, 'VESSEL_NAME'),
      span(text, imo, 'IMO_NUMBER'),
      span(text, flag, 'FLAG_STATE'),
      span(text, port, 'PORT'),
    ];
    // Records are spread evenly; their responses follow within the next hour.
    const insertedAt = Math.floor(from + i * step);
    const responses = [];
    for (let k = 0; k < perRecord && made < options.responses; k++) {
      made++;
      const status =
        options.draftEvery && made % options.draftEvery === 0
          ? 'draft'
          : options.discardedEvery && made % options.discardedEvery === 0
            ? 'discarded'
            : 'submitted';
      const at = Math.min(to, insertedAt + Math.floor(rand() * 3_600_000_000));
      responses.push({
        id: uuid(rand),
        user: annotators[(i + k) % annotators.length] as string,
        status,
        values: status === 'discarded' ? null : { entities: { value: spans } },
        inserted_at: formatNaive(at),
        updated_at: formatNaive(at),
      } as const);
    }
    records.push({
      id: uuid(rand),
      external_id: `gen-${i}`,
      fields: { text },
      metadata: { document_id: `gen-doc-${Math.floor(i / 4)}`, page: (i % 4) + 1 },
      inserted_at: formatNaive(insertedAt),
      responses,
    });
  }
  return {
    name: options.name ?? `generated-${options.responses}`,
    workspace: options.workspace ?? 'maritime',
    inserted_at: formatNaive(from),
    fields: [{ name: 'text', title: 'Document text' }],
    questions: [
      {
        name: 'entities',
        title: 'Mark the entities',
        settings: {
          type: 'span',
          field: 'text',
          options: ['VESSEL_NAME', 'IMO_NUMBER', 'FLAG_STATE', 'PORT'].map((value) => ({
            value,
            text: value,
            description: null,
          })),
          visible_options: null,
          allow_overlapping: false,
          allow_character_annotation: true,
        },
      },
      {
        name: 'proposed_entity_type',
        title: 'Propose a new entity type',
        required: false,
        settings: { type: 'text', use_markdown: false },
      },
    ],
    records,
  };
}
