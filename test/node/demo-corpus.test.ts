// The demo's synthetic corpus (tools/demo/): seeded and byte-for-byte repeatable, identifiers that check out,
// the label variants SMEs produce, and two months whose columns differ.
import { createHash } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectConflicts } from '../../lib/discovery/conflicts.ts';
import { argillaFixture, buildCorpus, type DemoCorpus } from '../../tools/demo/corpus.ts';
import { addOcrNoise } from '../../tools/demo/ocr.ts';
import { mulberry32 } from '../../tools/demo/prng.ts';
import { FLAGS, flagByCode, imoCheckDigit, isValidImo, mmsiMatchesFlag } from '../../tools/demo/vessels.ts';
import { initParquetWasmInNode } from '../../tools/local/parquet-wasm.ts';

/** A digest of every byte the corpus gives the stack: files (bodies and empty versions) and both Argilla fixtures. */
function digest(corpus: DemoCorpus): string {
  const h = createHash('sha256');
  for (const month of [1, 2] as const) {
    for (const f of corpus.files[month]) h.update(`${f.bucket}/${f.key}\n`).update(f.body).update(f.empty);
    h.update(JSON.stringify(argillaFixture(corpus, month)));
  }
  return h.digest('hex');
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const header = (bytes: Uint8Array) => (text(bytes).split('\n')[0] as string).split(',');
const usedLabels = (corpus: DemoCorpus, month: number) =>
  new Set(
    corpus.pages
      .filter((p) => p.month === month)
      .flatMap((p) => p.responses.flatMap((r) => r.spans.map((s) => s.label))),
  );

let corpus: DemoCorpus;
beforeAll(() => {
  initParquetWasmInNode();
  corpus = buildCorpus(19);
});

describe('the demo corpus', () => {
  it('is the same bytes for the same seed, and other bytes for another seed', () => {
    expect(digest(buildCorpus(19))).toBe(digest(corpus));
    expect(digest(buildCorpus(20))).not.toBe(digest(corpus));
  });

  it('gives every vessel an IMO number with a valid check digit, and the checker refuses a corrupted one', () => {
    // IMO 9074729: 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139, check digit 9.
    expect(imoCheckDigit('907472')).toBe(9);
    expect(isValidImo('9074729')).toBe(true);
    expect(isValidImo('9074728')).toBe(false);
    expect(isValidImo('907472')).toBe(false);
    for (const v of corpus.vessels) {
      expect(isValidImo(v.imo), v.imo).toBe(true);
      const wrong = `${v.imo.slice(0, 6)}${(Number(v.imo[6]) + 1) % 10}`;
      expect(isValidImo(wrong), wrong).toBe(false);
    }
  });

  it("gives every vessel an MMSI whose MID is its flag's, and a call sign with its flag's ITU prefix", () => {
    expect(FLAGS.map((f) => f.code)).toEqual([...new Set(FLAGS.map((f) => f.code))]);
    for (const v of corpus.vessels) {
      const flag = flagByCode(v.flag);
      expect(v.flag).toMatch(/^[A-Z]{2}$/);
      expect(mmsiMatchesFlag(v.mmsi, flag), `${v.mmsi} ${v.flag}`).toBe(true);
      expect(
        flag.callPrefixes.some((p) => v.callSign.startsWith(p)),
        `${v.callSign} ${v.flag}`,
      ).toBe(true);
      const other = FLAGS.find((f) => !f.mids.includes(Number(v.mmsi.slice(0, 3)))) ?? flag;
      expect(mmsiMatchesFlag(v.mmsi, other)).toBe(false);
    }
  });

  it('annotates with the variants SMEs produce: case, separators, typos, plurals, word order', () => {
    const month1 = usedLabels(corpus, 1);
    for (const label of [
      'VESSEL_NAME',
      'vessel name',
      'vessel-name',
      'vesel_name',
      'crew_members',
      'crew_member',
      'IMO_NUMBER',
      'imo_number',
    ])
      expect(month1, label).toContain(label);
    // Word order and the new types arrive in month 2, with free-text proposals.
    expect(month1).not.toContain('name_vessel');
    expect(usedLabels(corpus, 2)).toContain('name_vessel');
    expect(usedLabels(corpus, 2)).toContain('CARGO_TYPE');
    const proposals = (month: number) =>
      corpus.pages
        .filter((p) => p.month === month)
        .flatMap((p) => p.responses.flatMap((r) => (r.proposal ? [r.proposal] : [])));
    expect(proposals(1)).toEqual([]);
    expect(new Set(proposals(2)).size).toBeGreaterThan(1);
  });

  it('offers in each month only the labels the responses use, so the stand-in accepts them', () => {
    for (const month of [1, 2] as const) {
      for (const dataset of argillaFixture(corpus, month).datasets ?? []) {
        const span = dataset.questions.find((q) => q.settings.type === 'span');
        const options = new Set(((span?.settings.options ?? []) as { value: string }[]).map((o) => o.value));
        for (const r of dataset.records ?? [])
          for (const response of r.responses ?? [])
            for (const s of (response.values?.entities?.value ?? []) as { label: string }[])
              expect(options).toContain(s.label);
      }
    }
  });

  it('puts every span over the noisy text an SME saw, never on surrounding whitespace', () => {
    for (const page of corpus.pages) {
      for (const s of page.spans) {
        const covered = page.text.slice(s.start, s.end);
        expect(covered.length).toBeGreaterThan(0);
        expect(covered).toBe(covered.trim());
      }
    }
  });

  it('adds OCR noise: swapped 0/O and 1/l, rn and m, dropped characters and broken lines', () => {
    const noisy = addOcrNoise(
      'IMO 9074729 registered owner Lindqvist Rederi AB of Hamburg, 10 crew members on board',
      mulberry32(7),
      0.5,
    ).text;
    expect(noisy).not.toBe('IMO 9074729 registered owner Lindqvist Rederi AB of Hamburg, 10 crew members on board');
    expect(corpus.pages.some((p) => /\n/.test(p.text.split('\n').slice(1).join(' ')) || /-\n/.test(p.text))).toBe(true);
    expect(addOcrNoise('no noise at all', mulberry32(7), 0).text).toBe('no noise at all');
  });

  it('has near-duplicate entity types the conflict detector flags', () => {
    const names = [...usedLabels(corpus, 1), ...usedLabels(corpus, 2)];
    const conflicts = detectConflicts({ newNames: names, knownNames: [], aliases: new Map(), decidedPairs: new Set() });
    const pairs = conflicts.map((c) => [c.newName, c.existingName].sort().join(' ~ '));
    expect(pairs).toContain('crew_member ~ crew_members');
    expect(pairs.some((p) => p.includes('vesel_name'))).toBe(true);
  });

  it('changes the columns between months: a new column, a near-duplicate and dropped ones', () => {
    const portCalls = (month: 1 | 2) =>
      corpus.files[month].filter((f) => f.key.startsWith('port_calls/')).map((f) => header(f.body));
    const m1 = new Set(portCalls(1).flat());
    const m2 = new Set(portCalls(2).flat());
    expect([...m1].sort()).toEqual([
      'arrival',
      'call_sign',
      'flag',
      'gross_tonnage',
      'imo_number',
      'port',
      'vessel_name',
    ]);
    expect(m2).toContain('berth');
    expect(m2).toContain('flag_state');
    expect(m2).toContain('vessel_nme');
    expect(m2).not.toContain('gross_tonnage');
    expect(m2).not.toContain('call_sign');
    // A header-only version of each file is what --reset uploads.
    for (const f of corpus.files[1].filter((f) => f.key.endsWith('.csv')))
      expect(text(f.empty)).toBe(`${header(f.body).join(',')}\n`);
  });

  it('writes Parquet that DuckDB reads: the register gains ism_manager and loses build_year in month 2', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const columns = async (bytes: Uint8Array) => {
        const path = `/tmp/demo-corpus-${process.pid}-${Math.random().toString(36).slice(2)}.parquet`;
        const { writeFileSync, rmSync } = await import('node:fs');
        writeFileSync(path, bytes);
        try {
          const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
          return { names: reader.columnNames(), rows: reader.getRows().length };
        } finally {
          rmSync(path);
        }
      };
      const register = (month: 1 | 2) => corpus.files[month].find((f) => f.key.startsWith('vessel_register/'));
      const m1 = await columns(register(1)?.body as Uint8Array);
      const m2 = await columns(register(2)?.body as Uint8Array);
      expect(m1.names).toContain('build_year');
      expect(m1.names).not.toContain('ism_manager');
      expect(m2.names).toContain('ism_manager');
      expect(m2.names).not.toContain('build_year');
      expect(m2.rows).toBeGreaterThan(m1.rows);
      expect((await columns(register(1)?.empty as Uint8Array)).rows).toBe(0);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
