// Near-duplicate names: every new name against every known name of the same kind, through an index (by
// length and trigram), never all pairs. Pure: the caller brings the names, aliases and past decisions.
import { distance } from 'fastest-levenshtein';
import { normaliseName, wordKey } from './similarity.ts';
import { compare } from './snapshot.ts';

export type ConflictReason =
  | { readonly kind: 'same_after_normalising'; readonly normalised: string }
  | { readonly kind: 'same_words'; readonly words: string }
  | { readonly kind: 'alias'; readonly alias: string; readonly of: string }
  | { readonly kind: 'similar'; readonly similarity: number; readonly distance: number };

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
}

export const DEFAULT_CONFLICT_OPTIONS: ConflictOptions = { threshold: 0.85, shortLength: 5 };

/** Order-independent key of a pair, as stored in entity_conflicts.pair. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

interface Entry {
  readonly name: string;
  readonly normalised: string;
  readonly words: string;
}

const GRAM = 3;

function grams(s: string): Set<string> {
  const padded = `  ${s} `;
  const out = new Set<string>();
  for (let i = 0; i + GRAM <= padded.length; i++) out.add(padded.slice(i, i + GRAM));
  return out;
}

/**
 * An index of known names for similarity search. A candidate within edit distance k of a query of length
 * n shares at least (n + 2) - 3k trigrams with it (each edit breaks at most three), and its length is
 * within k: both are checked before any Levenshtein distance is computed.
 */
export class NameIndex {
  private readonly entries: Entry[] = [];
  private readonly byNormalised = new Map<string, Entry[]>();
  private readonly byWords = new Map<string, Entry[]>();
  private readonly byGram = new Map<string, number[]>();
  private readonly byLength = new Map<number, number[]>();

  constructor(names: Iterable<string> = []) {
    for (const n of names) this.add(n);
  }

  add(name: string): void {
    const normalised = normaliseName(name);
    const entry = { name, normalised, words: wordKey(normalised) };
    const id = this.entries.push(entry) - 1;
    push(this.byNormalised, normalised, entry);
    push(this.byWords, entry.words, entry);
    for (const g of grams(normalised)) push(this.byGram, g, id);
    push(this.byLength, normalised.length, id);
  }

  sameNormalised(normalised: string): readonly Entry[] {
    return this.byNormalised.get(normalised) ?? [];
  }

  sameWords(words: string): readonly Entry[] {
    return this.byWords.get(words) ?? [];
  }

  /** Entries whose normalised form is within `maxDistance` edits of `normalised`. */
  near(normalised: string, maxDistance: number): { entry: Entry; distance: number }[] {
    if (maxDistance <= 0) return [];
    const counts = new Map<number, number>();
    const queryGrams = grams(normalised);
    for (const g of queryGrams) {
      for (const id of this.byGram.get(g) ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // So short a query may share no trigram with a near name: those come from the length index.
    if (queryGrams.size <= 3 * maxDistance) {
      for (let n = normalised.length - maxDistance; n <= normalised.length + maxDistance; n++) {
        for (const id of this.byLength.get(n) ?? []) if (!counts.has(id)) counts.set(id, 0);
      }
    }
    const out: { entry: Entry; distance: number }[] = [];
    for (const [id, shared] of counts) {
      const entry = this.entries[id] as Entry;
      const longer = Math.max(entry.normalised.length, normalised.length);
      if (Math.abs(entry.normalised.length - normalised.length) > maxDistance) continue;
      if (shared < Math.max(queryGrams.size, grams(entry.normalised).size) - 3 * maxDistance) continue;
      const d = distance(entry.normalised, normalised);
      if (d <= maxDistance && d > 0 && d <= longer) out.push({ entry, distance: d });
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
}

/**
 * Conflicts between each new name and the known names (and the other new names), at most one per pair,
 * sorted by score. A new name that is itself an alias is reported against its canonical name.
 */
export function detectConflicts(input: DetectInput, options: ConflictOptions = DEFAULT_CONFLICT_OPTIONS): Conflict[] {
  const index = new NameIndex(input.knownNames);
  const aliasIndex = new Map<string, { alias: string; of: string }>();
  for (const [alias, of] of input.aliases) aliasIndex.set(normaliseName(alias), { alias, of });
  const weight = (n: string) => input.weight?.get(n) ?? 0;
  const found = new Map<string, Conflict>();

  const report = (newName: string, existingName: string, score: number, reason: ConflictReason) => {
    if (newName === existingName) return;
    const key = pairKey(newName, existingName);
    if (input.decidedPairs.has(key)) return;
    const previous = found.get(key);
    if (previous) {
      found.set(key, { ...previous, score: Math.max(previous.score, score), reasons: [...previous.reasons, reason] });
      return;
    }
    found.set(key, { newName, existingName, score, reasons: [reason] });
  };

  // New names join the index as they are checked, so new duplicates of each other are found too, with the
  // more frequent one (then the alphabetically first) as the existing side.
  const since = (n: string) => input.firstSeen?.get(n) ?? Number.POSITIVE_INFINITY;
  const ordered = [...new Set(input.newNames)].sort(
    (a, b) => weight(b) - weight(a) || since(a) - since(b) || compare(a, b),
  );
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
      const maxDistance = Math.floor(((1 - options.threshold) * normalised.length) / options.threshold + 1e-9);
      for (const { entry, distance: d } of index.near(normalised, maxDistance)) {
        if (entry.normalised.length <= options.shortLength) continue;
        const score = 1 - d / Math.max(entry.normalised.length, normalised.length);
        if (score + 1e-12 >= options.threshold) {
          report(name, entry.name, round(score), { kind: 'similar', similarity: round(score), distance: d });
        }
      }
    }
    index.add(name);
  }
  return [...found.values()].sort(
    (a, b) => b.score - a.score || compare(a.newName, b.newName) || compare(a.existingName, b.existingName),
  );
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
      if (a.length <= options.shortLength || b.length <= options.shortLength) continue;
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
  }
}
