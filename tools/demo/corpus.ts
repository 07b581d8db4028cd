// The whole synthetic corpus of the demo from one seed: vessels, two months of files for the running stack
// (port call CSVs, vessel register Parquet, OCR pages Parquet) and the Argilla stand-in's datasets with the
// SMEs' responses. The same seed gives the same bytes (test/node/demo-corpus.test.ts).
import type { Fixture, FixtureDataset, FixtureRecord } from '../argilla-standin/fixture.ts';
import { ANNOTATOR_LABELS, ANNOTATORS, type DatasetName, datasetLabels, PROPOSALS } from './labels.ts';
import { AGENTS, parquetBytes, portCalls, registerColumns, toCsv } from './manifests.ts';
import { makePages, type OcrPage } from './ocr.ts';
import { int, mulberry32, stableUuid } from './prng.ts';
import { makeVessels, type Vessel } from './vessels.ts';

export const DEFAULT_SEED = 19;
export const MONTHS = [1, 2] as const;
export type Month = (typeof MONTHS)[number];
export const MONTH_LABEL: Readonly<Record<Month, string>> = { 1: '2026-10', 2: '2026-11' };
export const DEMO_WORKSPACE = 'demo-maritime';
export const DATASETS: readonly DatasetName[] = ['demo-registry-scans', 'demo-crew-lists'];

export interface DemoFile {
  readonly bucket: 'vessel-csv' | 'vessel-ocr';
  readonly key: string;
  readonly body: Uint8Array;
  /** What the stack should load from it. */
  readonly rows: number;
  /** The same key with no rows: what --reset uploads to close the file's rows. */
  readonly empty: Uint8Array;
}

/** One SME's submitted answer to one page. */
export interface DemoResponse {
  readonly annotator: string;
  readonly spans: readonly { readonly label: string; readonly start: number; readonly end: number }[];
  readonly proposal: string | null;
  readonly at: string;
}

export interface DemoPage extends OcrPage {
  readonly month: Month;
  readonly dataset: DatasetName;
  readonly responses: readonly DemoResponse[];
}

export interface DemoCorpus {
  readonly seed: number;
  readonly vessels: readonly Vessel[];
  readonly files: Readonly<Record<Month, readonly DemoFile[]>>;
  readonly pages: readonly DemoPage[];
}

const encoder = new TextEncoder();

function csvFile(
  key: string,
  table: { columns: readonly string[]; rows: readonly (readonly (string | number)[])[] },
): DemoFile {
  return {
    bucket: 'vessel-csv',
    key,
    body: encoder.encode(toCsv(table)),
    rows: table.rows.length,
    empty: encoder.encode(toCsv({ columns: table.columns, rows: [] })),
  };
}

function ocrFile(key: string, pages: readonly OcrPage[]): DemoFile {
  const columns = (ps: readonly OcrPage[]) =>
    [
      { name: 'document_id', type: 'utf8', values: ps.map((p) => p.documentId) },
      { name: 'page', type: 'int32', values: ps.map((p) => p.page) },
      { name: 'text', type: 'utf8', values: ps.map((p) => p.text) },
      { name: 'ocr_confidence', type: 'float64', values: ps.map((p) => p.confidence) },
      { name: 'source_uri', type: 'utf8', values: ps.map((p) => `scan://demo/${p.documentId}.tiff`) },
    ] as const;
  return {
    bucket: 'vessel-ocr',
    key,
    body: parquetBytes(columns(pages), key),
    rows: pages.length,
    empty: parquetBytes(columns([]), `${key}#empty`),
  };
}

/** Builds the corpus. NOTE: parquet-wasm must be initialised first (initParquetWasmInNode). */
export function buildCorpus(seed: number = DEFAULT_SEED): DemoCorpus {
  const rand = mulberry32(seed);
  const fleet = makeVessels(rand, 24);
  const pages: DemoPage[] = [];
  const files: Record<Month, DemoFile[]> = { 1: [], 2: [] };
  for (const month of MONTHS) {
    // Six vessels join the register in month 2.
    const vessels = month === 1 ? fleet.slice(0, 18) : fleet;
    const label = MONTH_LABEL[month];
    for (const agent of AGENTS)
      files[month].push(csvFile(`port_calls/${label}/${agent}.csv`, portCalls(rand, vessels, month, agent)));
    files[month].push({
      bucket: 'vessel-csv',
      key: `vessel_register/${label}/register.parquet`,
      body: parquetBytes(registerColumns(vessels, month), `vessel_register/${label}`),
      rows: vessels.length,
      empty: parquetBytes(registerColumns([], month), `vessel_register/${label}#empty`),
    });
    const ocr = makePages(rand, vessels, month, 6);
    for (const kind of ['registration_certificate', 'crew_list', 'port_clearance'] as const) {
      files[month].push(
        ocrFile(
          `demo/${label}/${kind.replaceAll('_', '-')}.parquet`,
          ocr.filter((p) => p.kind === kind),
        ),
      );
    }
    for (const page of ocr) {
      const dataset: DatasetName = page.kind === 'crew_list' ? 'demo-crew-lists' : 'demo-registry-scans';
      const responses: DemoResponse[] = [];
      for (const [i, annotator] of (ANNOTATORS[dataset][month - 1] ?? []).entries()) {
        const labels = ANNOTATOR_LABELS[annotator] ?? {};
        const spans = page.spans.flatMap((s) => {
          const spanLabel = labels[s.kind];
          // SMEs miss a span now and then.
          return spanLabel === undefined || rand() < 0.1 ? [] : [{ label: spanLabel, start: s.start, end: s.end }];
        });
        if (spans.length === 0) continue;
        const proposals = PROPOSALS[dataset];
        const proposal = month === 2 && rand() < 0.4 ? (proposals[int(rand, 0, proposals.length - 1)] ?? null) : null;
        const day = String(int(rand, 1, 28)).padStart(2, '0');
        const at = `${label}-${day}T${String(9 + i * 2).padStart(2, '0')}:${String(int(rand, 0, 59)).padStart(2, '0')}:00`;
        responses.push({ annotator, spans, proposal, at });
      }
      pages.push({ ...page, month, dataset, responses });
    }
  }
  return { seed, vessels: fleet, files, pages };
}

/**
 * The Argilla stand-in's content as of the end of a month: both datasets with every page of that month and
 * before, and the responses submitted by then. `responses: false` keeps the records and drops every
 * response (what --reset syncs, so the sync closes the demo's annotations with tombstones).
 */
export function argillaFixture(corpus: DemoCorpus, month: Month, { responses = true } = {}): Fixture {
  const users = new Set(DATASETS.flatMap((d) => ANNOTATORS[d].flat()));
  const datasets: FixtureDataset[] = DATASETS.map((name) => {
    const records: FixtureRecord[] = corpus.pages
      .filter((p) => p.dataset === name && p.month <= month)
      .map((p) => ({
        id: stableUuid('record', p.documentId, p.page),
        external_id: `${p.documentId}-p${p.page}`,
        fields: { text: p.text },
        metadata: { document_id: p.documentId, page: p.page, vessel_imo: p.vesselImo },
        inserted_at: `${MONTH_LABEL[p.month]}-01T08:00:00`,
        responses: responses
          ? p.responses.map((r) => ({
              id: stableUuid('response', p.documentId, p.page, r.annotator),
              user: r.annotator,
              status: 'submitted' as const,
              values: {
                entities: { value: r.spans.map((s) => ({ label: s.label, start: s.start, end: s.end })) },
                ...(r.proposal === null ? {} : { proposed_entity_type: { value: r.proposal } }),
              },
              inserted_at: r.at,
              updated_at: r.at,
            }))
          : [],
      }));
    return {
      id: stableUuid('dataset', name),
      name,
      workspace: DEMO_WORKSPACE,
      guidelines: 'Mark the entities of each scanned page as you read them, OCR errors included.',
      allow_extra_metadata: true,
      status: 'ready',
      distribution: { strategy: 'overlap', min_submitted: 1 },
      inserted_at: '2026-09-30T12:00:00',
      fields: [
        {
          id: stableUuid('field', name, 'text'),
          name: 'text',
          title: 'Page text (OCR)',
          required: true,
          settings: { type: 'text', use_markdown: false },
        },
      ],
      questions: [
        {
          id: stableUuid('question', name, 'entities'),
          name: 'entities',
          title: 'Mark the entities',
          required: true,
          settings: {
            type: 'span',
            field: 'text',
            options: datasetLabels(name, month).map((l) => ({ value: l, text: l, description: null })),
            visible_options: null,
            allow_overlapping: false,
            allow_character_annotation: true,
          },
        },
        {
          id: stableUuid('question', name, 'proposed_entity_type'),
          name: 'proposed_entity_type',
          title: 'Missing an entity type? Name it',
          required: false,
          settings: { type: 'text', use_markdown: false },
        },
      ],
      records,
    };
  });
  return {
    $comment: `living-schema demo corpus, seed ${corpus.seed}, as of ${MONTH_LABEL[month]}`,
    workspaces: [{ id: stableUuid('workspace'), name: DEMO_WORKSPACE, inserted_at: '2026-09-30T11:00:00' }],
    users: [
      {
        id: stableUuid('user', 'argilla'),
        username: 'argilla',
        role: 'owner',
        workspaces: [],
        inserted_at: '2026-09-30T11:00:00',
      },
      ...[...users].sort().map((u) => ({
        id: stableUuid('user', u),
        username: u,
        first_name: u[0]?.toUpperCase() + u.slice(1),
        role: 'annotator' as const,
        workspaces: [DEMO_WORKSPACE],
        inserted_at: '2026-09-30T11:30:00',
      })),
    ],
    datasets,
  };
}
