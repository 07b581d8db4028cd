// `npm run bench -- conflicts`: conflict detection scored on a labelled set of name pairs
// (test/fixtures/conflict-pairs.json), spelling only next to the vocabulary and value rules, and next to
// those with an embedding stand-in; precision and recall overall and per reason kind. (2,000 new names
// against 50,000 known with the rules on: tools/bench/discovery.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type Conflict, type DetectInput, detectConflicts, type ReasonKind } from '../../lib/discovery/conflicts.ts';
import { defaultVocabulary } from '../../lib/discovery/vocabulary.ts';
import { table } from './harness.ts';

export const ConflictPair = z.strictObject({
  a: z.string().min(1),
  b: z.string().min(1),
  label: z.enum(['duplicate', 'distinct']),
  kind: z.enum(['entity_type', 'field']),
  why: z.string().min(1),
  examples: z.strictObject({ a: z.array(z.string()), b: z.array(z.string()) }).optional(),
});
export type ConflictPair = z.infer<typeof ConflictPair>;

export const PAIRS_FILE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'conflict-pairs.json');

export function readPairs(file = PAIRS_FILE): ConflictPair[] {
  return z.object({ about: z.string(), pairs: z.array(ConflictPair) }).parse(JSON.parse(readFileSync(file, 'utf8')))
    .pairs;
}

/** What a detector said of one pair: the conflict, if it raised one. */
export type PairDetector = (pair: ConflictPair) => Conflict | undefined;

export interface Score {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
  /** Per reason kind: pairs it fired on, how many of them are duplicates, and its share of all duplicates. */
  readonly byKind: ReadonlyMap<ReasonKind, { fired: number; precision: number; recall: number }>;
  readonly found: ReadonlySet<ConflictPair>;
  readonly wrong: readonly ConflictPair[];
  readonly missed: readonly ConflictPair[];
}

/** Scores a detector on labelled pairs: a pair is predicted a duplicate when it raises a conflict. */
export function scorePairs(pairs: readonly ConflictPair[], detect: PairDetector): Score {
  const found = new Set<ConflictPair>();
  const wrong: ConflictPair[] = [];
  const missed: ConflictPair[] = [];
  const kinds = new Map<ReasonKind, { fired: number; right: number }>();
  const duplicates = pairs.filter((p) => p.label === 'duplicate').length;
  for (const pair of pairs) {
    const conflict = detect(pair);
    const duplicate = pair.label === 'duplicate';
    if (conflict) {
      found.add(pair);
      if (!duplicate) wrong.push(pair);
      for (const kind of new Set(conflict.reasons.map((r) => r.kind))) {
        const k = kinds.get(kind) ?? { fired: 0, right: 0 };
        k.fired++;
        if (duplicate) k.right++;
        kinds.set(kind, k);
      }
    } else if (duplicate) missed.push(pair);
  }
  const tp = found.size - wrong.length;
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    truePositives: tp,
    falsePositives: wrong.length,
    falseNegatives: missed.length,
    precision: ratio(tp, found.size),
    recall: ratio(tp, duplicates),
    byKind: new Map(
      [...kinds].map(([kind, k]) => [
        kind,
        { fired: k.fired, precision: ratio(k.right, k.fired), recall: ratio(k.right, duplicates) },
      ]),
    ),
    found,
    wrong,
    missed,
  };
}

/** The pair as one run would see it: `a` new, `b` known, their examples. */
function inputOf(pair: ConflictPair): DetectInput {
  return {
    newNames: [pair.a],
    knownNames: [pair.b],
    aliases: new Map(),
    decidedPairs: new Set(),
  };
}

export const spellingOnly: PairDetector = (pair) => detectConflicts(inputOf(pair))[0];

export const withRules: PairDetector = (pair) =>
  detectConflicts({
    ...inputOf(pair),
    vocabulary: defaultVocabulary(),
    examples: new Map([
      [pair.a, pair.examples?.a ?? []],
      [pair.b, pair.examples?.b ?? []],
    ]),
  })[0];

const TRIGRAM_DIMS = 256;

/**
 * The embedding stand-in: hashed character trigrams of the name (separators as spaces) and its examples,
 * L2-normalised. Not a language model: it shows what the embedding reason adds, with vectors any test can
 * reproduce.
 */
export function trigramVector(name: string, examples: readonly string[]): Float64Array {
  const v = new Float64Array(TRIGRAM_DIMS);
  const text = ` ${[name.replace(/[_\-./]+/g, ' ').toLowerCase(), ...examples.map((e) => e.toLowerCase())].join(' | ')} `;
  for (let i = 0; i + 3 <= text.length; i++) {
    let h = 2166136261;
    for (let k = i; k < i + 3; k++) h = Math.imul(h ^ text.charCodeAt(k), 16777619);
    const j = (h >>> 0) % TRIGRAM_DIMS;
    v[j] = (v[j] as number) + 1;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) (v[i] as number) /= norm;
  return v;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

export const withStandIn: PairDetector = (pair) => {
  const similarity = cosine(
    trigramVector(pair.a, pair.examples?.a ?? []),
    trigramVector(pair.b, pair.examples?.b ?? []),
  );
  return detectConflicts({
    ...inputOf(pair),
    vocabulary: defaultVocabulary(),
    examples: new Map([
      [pair.a, pair.examples?.a ?? []],
      [pair.b, pair.examples?.b ?? []],
    ]),
    neighbours: new Map([[pair.a, [{ name: pair.b, similarity }]]]),
    embeddingModel: 'stand-in:trigram-256',
  })[0];
};

export async function benchConflicts(): Promise<void> {
  const pairs = readPairs();
  const duplicates = pairs.filter((p) => p.label === 'duplicate').length;
  console.log(
    `${pairs.length} labelled pairs (${duplicates} duplicates, ${pairs.length - duplicates} distinct, ${pairs.filter((p) => p.examples).length} with example values): ${PAIRS_FILE}`,
  );
  const detectors: [string, PairDetector][] = [
    ['spelling only', spellingOnly],
    ['+ vocabulary and values', withRules],
    ['+ embeddings (stand-in: hashed character trigrams, not a language model)', withStandIn],
  ];
  const scores = detectors.map(([name, d]) => [name, scorePairs(pairs, d)] as const);
  const f = (x: number) => x.toFixed(3);
  const rows: string[][] = [['detector', 'precision', 'recall', 'found', 'wrong', 'missed']];
  for (const [name, s] of scores) {
    rows.push([
      name,
      f(s.precision),
      f(s.recall),
      String(s.truePositives),
      String(s.falsePositives),
      String(s.falseNegatives),
    ]);
  }
  console.log(`\n${table(rows)}`);
  const full = scores[1]?.[1] as Score;
  const spelling = scores[0]?.[1] as Score;
  const kinds: string[][] = [['reason kind', 'fired on', 'precision', 'recall (of all duplicates)', 'detector']];
  for (const [name, s] of scores.slice(0, 3)) {
    for (const [kind, k] of [...s.byKind].sort((a, b) => b[1].fired - a[1].fired)) {
      kinds.push([kind, String(k.fired), f(k.precision), f(k.recall), name]);
    }
  }
  console.log(`\n${table(kinds)}`);
  const lost = [...spelling.found].filter((p) => p.label === 'duplicate' && !full.found.has(p));
  console.log(`\nspelling-only duplicates the full detector loses: ${lost.length} (target 0)`);
  const target = full.precision >= 0.9 && full.recall >= 0.9;
  console.log(`without embeddings: precision >= 0.9 and recall >= 0.9 ${target ? 'met' : 'MISSED'}`);
  const list = (xs: readonly ConflictPair[]) => xs.map((p) => `${p.a} / ${p.b}`).join(', ') || 'none';
  console.log(`false positives (vocabulary and values): ${list(full.wrong)}`);
  console.log(`false negatives (vocabulary and values): ${list(full.missed)}`);

  console.log('2,000 new vs 50,000 known names with these rules on: npm run bench -- discovery');
}
