// Near-duplicate names: every new name against every known name of the same kind, through an index (by
// length and trigram), never all pairs. Pure: the caller brings the names, aliases and past decisions.
import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { compareCodePoints } from '../core/order.ts';
import { MeaningIndex } from './meaning.ts';
import { distancesFrom, normaliseName, wordKey } from './similarity.ts';
import type { Vocabulary } from './vocabulary.ts';

export type ConflictReason =
  | { readonly kind: 'same_after_normalising'; readonly normalised: string }
  | { readonly kind: 'same_words'; readonly words: string }
  | { readonly kind: 'alias'; readonly alias: string; readonly of: string }
  | { readonly kind: 'similar'; readonly similarity: number; readonly distance: number }
  /** A vocabulary rule (vocabulary/maritime.yaml, version `vocabulary`) took the names to one concept. */
  | { readonly kind: 'synonym' | 'abbreviation'; readonly rule: string; readonly vocabulary: number }
  /** One name is the other plus a generic word (`owner` / `owner name`). */
  | { readonly kind: 'generic_suffix'; readonly suffix: string; readonly vocabulary: number }
  /** Their example values overlap: `shared` values, `overlap` of the smaller set. */
  | {
      readonly kind: 'shared_values';
      readonly shared: number;
      readonly overlap: number;
      readonly values: readonly string[];
    }
  /** Different annotators gave the same spans of the same records the two names. */
  | { readonly kind: 'co_annotated'; readonly spans: number }
  /** Their embeddings (name, description and examples) are this close (cosine), by `model`. */
  | { readonly kind: 'embedding'; readonly similarity: number; readonly model: string };

export type ReasonKind = ConflictReason['kind'];

/** Checks a reason read back from the warehouse (entity_conflicts.reasons). */
export const ConflictReason: z.ZodType<ConflictReason> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('same_after_normalising'), normalised: z.string() }),
  z.object({ kind: z.literal('same_words'), words: z.string() }),
  z.object({ kind: z.literal('alias'), alias: z.string(), of: z.string() }),
  z.object({ kind: z.literal('similar'), similarity: z.number(), distance: z.number() }),
  z.object({ kind: z.literal('synonym'), rule: z.string(), vocabulary: z.number() }),
  z.object({ kind: z.literal('abbreviation'), rule: z.string(), vocabulary: z.number() }),
  z.object({ kind: z.literal('generic_suffix'), suffix: z.string(), vocabulary: z.number() }),
  z.object({
    kind: z.literal('shared_values'),
    shared: z.number(),
    overlap: z.number(),
    values: z.array(z.string()),
  }),
  z.object({ kind: z.literal('co_annotated'), spans: z.number() }),
  z.object({ kind: z.literal('embedding'), similarity: z.number(), model: z.string() }),
]);

export interface Conflict {
  readonly newName: string;
  readonly existingName: string;
  /** 1 for identical after normalising; else the Levenshtein similarity of the normalised names. */
  readonly score: number;
  readonly reasons: readonly ConflictReason[];
}

export interface ConflictOptions {
  /** Similarity (1 - distance / longer length) from which two names are flagged. */
  readonly threshold: number;
  /** Names this short (normalised) or shorter only match exactly: one letter is a different word. */
  readonly shortLength: number;
  /** shared_values: at least this many example values in common ... */
  readonly sharedValues?: number;
  /** ... and at least this share of the smaller set of examples. */
  readonly sharedOverlap?: number;
  /** From this share (and one value more than sharedValues) shared values raise a conflict alone. */
  readonly sharedAloneOverlap?: number;
  /** co_annotated: spans that different annotators gave the two names, from which it raises a conflict. */
  readonly coAnnotatedSpans?: number;
  /** embedding: cosine similarity from which it raises a conflict alone ... */
  readonly embeddingThreshold?: number;
  /** ... and from which it supports a less certain rule. */
  readonly embeddingSupport?: number;
}

export const DEFAULT_CONFLICT_OPTIONS: ConflictOptions = {
  threshold: 0.85,
  shortLength: 5,
  sharedValues: 2,
  sharedOverlap: 0.5,
  sharedAloneOverlap: 0.8,
  coAnnotatedSpans: 2,
  embeddingThreshold: 0.92,
  embeddingSupport: 0.8,
};

/**
 * Names that differ only in their numbers ("address line 1" / "address line 2", "key 007" / "key 070")
 * are numbered siblings, made different on purpose: similarity alone does not flag them.
 */
export function numberedSiblings(a: string, b: string): boolean {
  return a !== b && /\d/.test(a) && a.replace(/\d+/g, '#') === b.replace(/\d+/g, '#');
}

/** Order-independent key of a pair, as stored in entity_conflicts.pair. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

interface Entry {
  readonly name: string;
  readonly normalised: string;
  readonly words: string;
}

/** One normalised spelling and the names that have it ("VESSEL_NAME" and "vessel-name" share one). */
interface Form {
  readonly normalised: string;
  readonly entries: Entry[];
}

/**
 * The most edits a form of `length` can be from a name it is similar to: d <= (1 - t) * max(l, n) and
 * d >= |l - n| give d <= (1 - t) / t * l for the longer partner, which also covers the shorter one.
 */
function maxEdits(length: number, threshold: number): number {
  return Math.floor(((1 - threshold) / threshold) * length + 1e-9);
}

const partitions = new Map<number, readonly [number, number][]>();

/** Even partition of a length into `parts` segments: [start, length] of each. */
function segments(length: number, parts: number): readonly [number, number][] {
  const key = length * 65536 + parts;
  const known = partitions.get(key);
  if (known) return known;
  const base = Math.floor(length / parts);
  const longer = length - base * parts;
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const size = i < parts - longer ? base : base + 1;
    out.push([start, size]);
    start += size;
  }
  if (partitions.size < 10_000) partitions.set(key, out);
  return out;
}

/**
 * An index of known names for similarity search, never all pairs. Names are indexed once per normalised
 * form. A form of length l is cut into maxEdits(l) + 2 segments; a name within that many edits leaves
 * at least two segments untouched (pigeonhole), each found in it as a substring shifted by no more than
 * the edits allow. A query looks up, for each length that can be similar to it, each segment's shifted
 * substrings, and only forms two segments found are candidates: names made of the same few words share
 * one segment with thousands of others, two with few. Levenshtein distance (bit-parallel, the query's
 * masks built once) settles each candidate. The partition filter of PassJoin (Li, Deng, Wang, Feng;
 * VLDB 2011), with one segment more than it needs.
 */
export class NameIndex {
  private readonly forms: Form[] = [];
  private readonly byNormalised = new Map<string, number>();
  private readonly byWords = new Map<string, Entry[]>();
  /** Only when asked for (normalisedOf): a map of every name costs a run of 50,000 names tens of ms. */
  private normalisedByName: Map<string, string> | undefined;
  /** length -> [segment number] -> segment text -> form ids. */
  private readonly bySegment = new Map<number, Map<string, number[]>[]>();
  /** Forms too short to cut (more segments than characters): candidates of every query near their length. */
  private readonly uncut = new Map<number, number[]>();
  /** seen[id] === stamp: form already hit by the current query; hits[id] segments of it, the last one lastHit[id]. */
  private seen = new Uint32Array(1024);
  private hits = new Uint8Array(1024);
  private lastHit = new Int32Array(1024);
  private stamp = 0;
  private readonly threshold: number;

  constructor(
    names: Iterable<string> = [],
    threshold: number = DEFAULT_CONFLICT_OPTIONS.threshold,
    keepNormalised = false,
  ) {
    this.threshold = threshold;
    if (keepNormalised) this.normalisedByName = new Map();
    for (const n of names) this.add(n);
  }

  add(name: string): void {
    const normalised = normaliseName(name);
    this.normalisedByName?.set(name, normalised);
    const entry = { name, normalised, words: wordKey(normalised) };
    push(this.byWords, entry.words, entry);
    const known = this.byNormalised.get(normalised);
    if (known !== undefined) {
      (this.forms[known] as Form).entries.push(entry);
      return;
    }
    const id = this.forms.push({ normalised, entries: [entry] }) - 1;
    this.byNormalised.set(normalised, id);
    const l = normalised.length;
    const parts = maxEdits(l, this.threshold) + 2;
    if (parts > l) push(this.uncut, l, id);
    else {
      const cut = this.bySegment.get(l) ?? Array.from({ length: parts }, () => new Map<string, number[]>());
      this.bySegment.set(l, cut);
      for (const [i, [start, size]] of segments(l, parts).entries()) {
        push(cut[i] as Map<string, number[]>, normalised.slice(start, start + size), id);
      }
    }
    if (id >= this.seen.length) {
      const size = this.seen.length * 2;
      const seen = new Uint32Array(size);
      seen.set(this.seen);
      this.seen = seen;
      this.hits = new Uint8Array(size);
      this.lastHit = new Int32Array(size);
    }
  }

  /** The normalised form of an indexed name (computed again if the name is not indexed). */
  normalisedOf(name: string): string {
    return this.normalisedByName?.get(name) ?? normaliseName(name);
  }

  sameNormalised(normalised: string): readonly Entry[] {
    const id = this.byNormalised.get(normalised);
    return id === undefined ? [] : (this.forms[id] as Form).entries;
  }

  sameWords(words: string): readonly Entry[] {
    return this.byWords.get(words) ?? [];
  }

  /**
   * Entries whose normalised form differs from `normalised` and is similar to it: 1 - distance / longer
   * length >= the index's threshold.
   */
  similar(normalised: string): { entry: Entry; distance: number; similarity: number }[] {
    return distancesFrom(normalised, (distanceTo) => this.search(normalised, distanceTo));
  }

  private search(normalised: string, distanceTo: (text: string) => number) {
    const out: { entry: Entry; distance: number; similarity: number }[] = [];
    const n = normalised.length;
    this.stamp += 1;
    const verify = (id: number) => {
      const form = this.forms[id] as Form;
      const d = distanceTo(form.normalised);
      const similarity = 1 - d / Math.max(n, form.normalised.length);
      if (d > 0 && similarity + 1e-12 >= this.threshold) {
        for (const entry of form.entries) out.push({ entry, distance: d, similarity });
      }
    };
    const shortest = Math.ceil(n * this.threshold - 1e-9);
    const longest = Math.floor(n / this.threshold + 1e-9);
    for (let l = Math.max(0, shortest); l <= longest; l++) {
      for (const id of this.uncut.get(l) ?? []) verify(id);
      const edits = maxEdits(l, this.threshold);
      const grow = n - l;
      const cut = this.bySegment.get(l);
      if (!cut || Math.abs(grow) > edits) continue;
      // An untouched segment moved by d has at least |d| edits before it and |grow - d| after it.
      const slack = Math.floor((edits - Math.abs(grow)) / 2);
      const lo = Math.min(0, grow) - slack;
      const hi = Math.max(0, grow) + slack;
      segments(l, edits + 2).forEach(([start, size], i) => {
        const texts = cut[i] as Map<string, number[]>;
        for (let at = Math.max(0, start + lo); at <= Math.min(n - size, start + hi); at++) {
          const ids = texts.get(normalised.slice(at, at + size));
          if (!ids) continue;
          for (const id of ids) {
            if (this.seen[id] !== this.stamp) {
              this.seen[id] = this.stamp;
              this.hits[id] = 1;
              this.lastHit[id] = i;
            } else if (this.lastHit[id] !== i) {
              this.lastHit[id] = i;
              // Two distinct segments found: a candidate (once).
              if (this.hits[id] === 1) {
                this.hits[id] = 2;
                verify(id);
              }
            }
          }
        }
      });
    }
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export interface DetectInput {
  /** Names first seen in this run. */
  readonly newNames: readonly string[];
  /** Names already in the catalog (any status). */
  readonly knownNames: readonly string[];
  /** alias -> canonical name, from past merges. */
  readonly aliases: ReadonlyMap<string, string>;
  /** pairKey()s of pairs already raised or decided: never raised again. */
  readonly decidedPairs: ReadonlySet<string>;
  /** Occurrences per name: of two new names the more frequent one is the "existing" side. */
  readonly weight?: ReadonlyMap<string, number>;
  /** First sighting (epoch ms) per name: between equally frequent new names the older one is "existing". */
  readonly firstSeen?: ReadonlyMap<string, number>;
  /** Vocabulary rules (synonyms, abbreviations, generic suffixes); without it, spelling only. */
  readonly vocabulary?: Vocabulary;
  /** Example values per name (spans annotated, column values), for shared_values. */
  readonly examples?: ReadonlyMap<string, readonly string[]>;
  /** pairKey() -> spans different annotators gave the two names (entity types), for co_annotated. */
  readonly coAnnotated?: ReadonlyMap<string, number>;
  /** Nearest names by embedding, per new name (embeddings.ts), and the model that made them. */
  readonly neighbours?: ReadonlyMap<string, readonly { readonly name: string; readonly similarity: number }[]>;
  readonly embeddingModel?: string;
}

/**
 * Conflicts between each new name and the known names (and the other new names), at most one per pair,
 * sorted by score. A new name that is itself an alias is reported against its canonical name.
 */
export function detectConflicts(input: DetectInput, options: ConflictOptions = DEFAULT_CONFLICT_OPTIONS): Conflict[] {
  const beyondSpelling = Boolean(input.vocabulary || input.examples || input.neighbours || input.coAnnotated?.size);
  const index = new NameIndex(input.knownNames, options.threshold, beyondSpelling);
  const aliasIndex = new Map<string, { alias: string; of: string }>();
  for (const [alias, of] of input.aliases) aliasIndex.set(normaliseName(alias), { alias, of });
  const weight = (n: string) => input.weight?.get(n) ?? 0;
  const found = new Map<string, Conflict>();

  const report = (newName: string, existingName: string, score: number, reason: ConflictReason): void => {
    if (newName === existingName) return;
    const canonical = input.aliases.size === 0 ? existingName : canonicalOf(existingName, input.aliases);
    if (canonical !== existingName) {
      // A merged name stands for its canonical one: one conflict, against that, saying why.
      if (canonical === newName) return;
      add(newName, canonical, score, { kind: 'alias', alias: existingName, of: canonical });
    }
    add(newName, canonical, score, reason);
  };
  const add = (newName: string, existingName: string, score: number, reason: ConflictReason): void => {
    const key = pairKey(newName, existingName);
    if (input.decidedPairs.has(key)) return;
    const previous = found.get(key);
    if (!previous) {
      found.set(key, { newName, existingName, score, reasons: [reason] });
      return;
    }
    const same = previous.reasons.some((r) => sameReason(r, reason));
    const reasons = same ? previous.reasons : [...previous.reasons, reason];
    found.set(key, { ...previous, score: Math.max(previous.score, score), reasons });
  };

  // New names join the index as they are checked, so new duplicates of each other are found too, with the
  // more frequent one (then the alphabetically first) as the existing side.
  const since = (n: string) => input.firstSeen?.get(n) ?? Number.POSITIVE_INFINITY;
  const ordered = [...new Set(input.newNames)].sort(
    (a, b) => weight(b) - weight(a) || since(a) - since(b) || compareCodePoints(a, b),
  );
  // Beyond spelling: only with something to go on.
  const meaning = beyondSpelling
    ? new MeaningIndex(
        input.vocabulary,
        input.examples,
        {
          sharedValues: options.sharedValues ?? 2,
          sharedOverlap: options.sharedOverlap ?? 0.5,
          sharedAloneOverlap: options.sharedAloneOverlap ?? 0.8,
          coAnnotatedSpans: options.coAnnotatedSpans ?? 2,
          embeddingThreshold: options.embeddingThreshold ?? 0.92,
          embeddingSupport: options.embeddingSupport ?? 0.8,
        },
        input.newNames,
      )
    : null;
  if (meaning) for (const k of input.knownNames) meaning.add(k, index.normalisedOf(k));
  const indexed = new Set(beyondSpelling ? input.knownNames : []);
  const coAnnotated = new Map<string, { other: string; spans: number }[]>();
  for (const [key, spans] of input.coAnnotated ?? []) {
    const [a, b] = key.split('\u0000') as [string, string];
    push(coAnnotated, a, { other: b, spans });
    push(coAnnotated, b, { other: a, spans });
  }
  const canonical = (n: string) => (input.aliases.size === 0 ? n : canonicalOf(n, input.aliases));

  for (const name of ordered) {
    const normalised = normaliseName(name);
    const words = wordKey(normalised);
    const alias = aliasIndex.get(normalised);
    if (alias && alias.of !== name) report(name, alias.of, 1, { kind: 'alias', alias: alias.alias, of: alias.of });
    for (const e of index.sameNormalised(normalised))
      report(name, e.name, 1, { kind: 'same_after_normalising', normalised });
    for (const e of index.sameWords(words)) {
      if (e.normalised !== normalised) report(name, e.name, 1, { kind: 'same_words', words });
    }
    if (normalised.length > options.shortLength) {
      for (const { entry, distance: d, similarity } of index.similar(normalised)) {
        if (entry.normalised.length <= options.shortLength || numberedSiblings(normalised, entry.normalised)) continue;
        report(name, entry.name, round(similarity), { kind: 'similar', similarity: round(similarity), distance: d });
      }
    }
    index.add(name);
    if (meaning) {
      const neighbours = input.neighbours?.get(name) ?? [];
      const evidence = meaning.evidence(name, normalised, neighbours, input.embeddingModel ?? 'unknown');
      for (const { other, spans } of coAnnotated.get(name) ?? []) {
        const e = meaning.coAnnotation(spans);
        if (e && indexed.has(other)) push(evidence, other, e);
      }
      for (const [other, list] of evidence) {
        // A less certain rule needs support: spelling, or evidence of another kind.
        const spelt = found.has(pairKey(name, canonical(other)));
        const kinds = new Set(list.map((e) => e.reason.kind));
        if (!spelt && !list.some((e) => e.alone) && kinds.size < 2) continue;
        for (const e of list) report(name, other, round(e.score), e.reason);
      }
      meaning.add(name, normalised);
    }
    indexed.add(name);
  }
  return [...found.values()].sort(
    (a, b) =>
      b.score - a.score || compareCodePoints(a.newName, b.newName) || compareCodePoints(a.existingName, b.existingName),
  );
}

function sameReason(a: ConflictReason, b: ConflictReason): boolean {
  switch (a.kind) {
    case 'alias':
      return b.kind === 'alias' && a.alias === b.alias && a.of === b.of;
    case 'similar':
      return b.kind === 'similar' && a.similarity === b.similarity && a.distance === b.distance;
    case 'same_words':
      return b.kind === 'same_words' && a.words === b.words;
    case 'same_after_normalising':
      return b.kind === 'same_after_normalising' && a.normalised === b.normalised;
    default:
      return JSON.stringify(a) === JSON.stringify(b);
  }
}

/** The name `name` stands for after following merges; a cycle of aliases (there should be none) stops it. */
function canonicalOf(name: string, aliases: ReadonlyMap<string, string>): string {
  const seen = new Set([name]);
  let current = name;
  for (let next = aliases.get(current); next !== undefined && !seen.has(next); next = aliases.get(current)) {
    seen.add(next);
    current = next;
  }
  return current;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** All-pairs detection, for the benchmark's baseline and the tests' oracle. */
export function detectConflictsNaively(
  input: DetectInput,
  options: ConflictOptions = DEFAULT_CONFLICT_OPTIONS,
): Conflict[] {
  const out: Conflict[] = [];
  for (const name of input.newNames) {
    const a = normaliseName(name);
    for (const known of input.knownNames) {
      const b = normaliseName(known);
      if (name === known || input.decidedPairs.has(pairKey(name, known))) continue;
      if (a === b) {
        out.push({
          newName: name,
          existingName: known,
          score: 1,
          reasons: [{ kind: 'same_after_normalising', normalised: a }],
        });
        continue;
      }
      if (a.length <= options.shortLength || b.length <= options.shortLength || numberedSiblings(a, b)) continue;
      const d = distance(a, b);
      const score = 1 - d / Math.max(a.length, b.length);
      if (score + 1e-12 >= options.threshold) {
        out.push({
          newName: name,
          existingName: known,
          score: round(score),
          reasons: [{ kind: 'similar', similarity: round(score), distance: d }],
        });
      }
    }
  }
  return out;
}

/** One line per reason, for people. */
export function describeReason(r: ConflictReason): string {
  switch (r.kind) {
    case 'same_after_normalising':
      return `same name once case, separators and plurals are ignored ("${r.normalised}")`;
    case 'same_words':
      return `same words in another order ("${r.words}")`;
    case 'alias':
      return `"${r.alias}" was merged into "${r.of}" before`;
    case 'similar':
      return `${Math.round(r.similarity * 100)}% similar (${r.distance} edit${r.distance === 1 ? '' : 's'} apart)`;
    case 'synonym':
      return `synonyms in the vocabulary: "${r.rule}" (vocabulary v${r.vocabulary})`;
    case 'abbreviation':
      return `an abbreviation in the vocabulary: "${r.rule}" (vocabulary v${r.vocabulary})`;
    case 'generic_suffix':
      return `one is the other plus the generic word "${r.suffix}" (vocabulary v${r.vocabulary})`;
    case 'shared_values': {
      const shown = r.values.slice(0, 3).map((v) => `"${v}"`);
      return `${r.shared} example value${r.shared === 1 ? '' : 's'} in common (${Math.round(r.overlap * 100)}% of the smaller set: ${shown.join(', ')}${r.values.length > 3 ? ', …' : ''})`;
    }
    case 'co_annotated':
      return `different annotators gave ${r.spans} identical span${r.spans === 1 ? '' : 's'} one name and the other`;
    case 'embedding':
      return `${Math.round(r.similarity * 100)}% alike in meaning (embeddings by ${r.model})`;
  }
}
