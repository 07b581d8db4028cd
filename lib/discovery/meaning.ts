// Evidence beyond spelling that two names are one thing: the vocabulary's rules (synonyms, abbreviations,
// generic suffixes), example values they share, spans that different annotators gave both, and embeddings.
// Each piece of evidence is a reason of its own; each says whether it may raise a conflict alone or only
// supports another reason. Lookups go through maps keyed by concept and by value, never all pairs.
import type { ConflictReason } from './conflicts.ts';
import { normaliseName } from './similarity.ts';
import type { FiredRule, Vocabulary } from './vocabulary.ts';

export interface MeaningOptions {
  readonly sharedValues: number;
  readonly sharedOverlap: number;
  /** Shared values raise a conflict alone from this overlap (and sharedValues + 1 values) on. */
  readonly sharedAloneOverlap: number;
  readonly coAnnotatedSpans: number;
  readonly embeddingThreshold: number;
  readonly embeddingSupport: number;
}

/** What one piece of evidence says about a pair. */
export interface Evidence {
  readonly reason: ConflictReason;
  /** Raises a conflict alone; otherwise only with another reason. */
  readonly alone: boolean;
  /** How sure it is, for sorting (0-1). */
  readonly score: number;
}

interface Entry {
  readonly name: string;
  readonly words: readonly string[];
  readonly key: string;
  readonly fired: readonly FiredRule[];
}

/** Values too common to say anything about a name: one or two characters, booleans, nulls. */
function informative(value: string): string | null {
  let v = value.trim().toLowerCase();
  if (/\s\s|[\t\n\r]/.test(v)) v = v.replace(/\s+/g, ' ');
  if (v.length < 3 || v === 'true' || v === 'false' || v === 'null' || v === 'none' || v === 'n/a') return null;
  return v;
}

const EMPTY: ReadonlySet<string> = new Set();

const conceptKey = (words: readonly string[]) =>
  words.length === 1 ? (words[0] as string) : [...words].sort().join(' ');

export class MeaningIndex {
  private readonly byKey = new Map<string, Entry[]>();
  /** Key of the words without their last (a generic suffix) -> entries, and the suffix. */
  private readonly byBase = new Map<string, { entry: Entry; suffix: string; alone: boolean }[]>();
  private readonly byValue = new Map<string, string[]>();
  private readonly valuesOf = new Map<string, ReadonlySet<string>>();

  private readonly vocabulary: Vocabulary | undefined;
  private readonly examples: ReadonlyMap<string, readonly string[]> | undefined;
  private readonly options: MeaningOptions;
  /** Values some name to be checked has: only these are indexed (a value no query has finds nothing). */
  private readonly wanted: ReadonlySet<string>;
  /** Likewise concept keys: a name whose key no query can meet is not indexed. */
  private readonly wantedKeys: ReadonlySet<string>;

  constructor(
    vocabulary: Vocabulary | undefined,
    examples: ReadonlyMap<string, readonly string[]> | undefined,
    options: MeaningOptions,
    queries: readonly string[],
  ) {
    this.vocabulary = vocabulary;
    this.examples = examples;
    this.options = options;
    const wanted = new Set<string>();
    if (examples) for (const q of queries) for (const v of this.values(q)) wanted.add(v);
    this.wanted = wanted;
    // Concept keys a query can meet: its own, and its own without a generic suffix.
    const keys = new Set<string>();
    if (vocabulary) {
      for (const q of queries) {
        const e = this.entry(q);
        keys.add(e.key);
        const base = this.baseOf(e);
        if (base) keys.add(base.key);
      }
    }
    this.wantedKeys = keys;
  }

  /** The key of the entry's words without its last, when that is a generic suffix. */
  private baseOf(e: Entry): { key: string; suffix: string; alone: boolean } | null {
    if (!this.vocabulary || e.words.length < 2) return null;
    const last = e.words[e.words.length - 1] as string;
    const suffix = this.vocabulary.suffix(last);
    return suffix ? { key: conceptKey(e.words.slice(0, -1)), suffix: last, alone: suffix.alone } : null;
  }

  private entry(name: string, normalised = normaliseName(name)): Entry {
    if (!this.vocabulary) return { name, words: [normalised], key: normalised, fired: [] };
    const { words, fired } = this.vocabulary.concept(normalised);
    return { name, words, key: conceptKey(words), fired };
  }

  private values(name: string): ReadonlySet<string> {
    const known = this.valuesOf.get(name);
    if (known) return known;
    const examples = this.examples?.get(name);
    if (!examples || examples.length === 0) return EMPTY;
    const set = new Set<string>();
    for (const v of examples) {
      const i = informative(v);
      if (i !== null) set.add(i);
    }
    this.valuesOf.set(name, set);
    return set;
  }

  /** Indexes a name (`normalised`: normaliseName(name), if the caller has it). */
  add(name: string, normalised?: string): void {
    if (this.vocabulary) {
      const e = this.entry(name, normalised);
      if (this.wantedKeys.has(e.key)) push(this.byKey, e.key, e);
      const base = this.baseOf(e);
      if (base && this.wantedKeys.has(base.key)) {
        push(this.byBase, base.key, { entry: e, suffix: base.suffix, alone: base.alone });
      }
    }
    if (this.wanted.size === 0 || !this.examples?.has(name)) return;
    for (const v of this.examples.get(name) ?? []) {
      const i = informative(v);
      if (i !== null && this.wanted.has(i)) push(this.byValue, i, name);
    }
  }

  /** Evidence between `name` and the names added so far, by the other name. */
  evidence(
    name: string,
    normalised: string,
    neighbours: readonly { readonly name: string; readonly similarity: number }[],
    model: string,
  ): Map<string, Evidence[]> {
    const out = new Map<string, Evidence[]>();
    const note = (other: string, e: Evidence) => {
      if (other !== name) push(out, other, e);
    };
    const self = this.entry(name, normalised);
    const version = this.vocabulary?.version ?? 0;
    const rules = (other: Entry): Evidence[] => {
      // The rules that fired on one side only: those are what took the names to one concept.
      const mine = new Set(self.fired.map((r) => r.rule));
      const theirs = new Set(other.fired.map((r) => r.rule));
      const differing = [
        ...self.fired.filter((r) => !theirs.has(r.rule)),
        ...other.fired.filter((r) => !mine.has(r.rule)),
      ];
      return [...new Map(differing.map((r) => [r.rule, r])).values()].map((r) => ({
        reason: { kind: r.kind, rule: r.rule, vocabulary: version },
        alone: r.certain,
        score: r.kind === 'abbreviation' ? 0.95 : 0.9,
      }));
    };
    if (this.vocabulary) {
      for (const other of this.byKey.get(self.key) ?? []) {
        const fired = rules(other);
        // Only when a rule did it: the same words in another order are spelling's (same_words).
        if (fired.length > 0) for (const e of fired) note(other.name, e);
      }
      // name + suffix = other
      for (const { entry, suffix, alone } of this.byBase.get(self.key) ?? []) {
        const fired = rules(entry);
        const certain = alone && fired.every((f) => f.alone);
        note(entry.name, {
          reason: { kind: 'generic_suffix', suffix, vocabulary: version },
          alone: certain,
          score: 0.85,
        });
        for (const f of fired) note(entry.name, { ...f, alone: false });
      }
      // name = other + suffix
      const base = this.baseOf(self);
      if (base) {
        for (const other of this.byKey.get(base.key) ?? []) {
          const fired = rules(other);
          const certain = base.alone && fired.every((f) => f.alone);
          note(other.name, {
            reason: { kind: 'generic_suffix', suffix: base.suffix, vocabulary: version },
            alone: certain,
            score: 0.85,
          });
          for (const f of fired) note(other.name, { ...f, alone: false });
        }
      }
    }
    const mine = this.values(name);
    if (mine.size > 0) {
      const common = new Map<string, string[]>();
      for (const v of mine) for (const other of this.byValue.get(v) ?? []) push(common, other, v);
      for (const [other, values] of common) {
        const overlap = values.length / Math.min(mine.size, this.values(other).size);
        // values(other) is computed only here, for the few names that share a value.
        if (values.length < this.options.sharedValues || overlap + 1e-12 < this.options.sharedOverlap) continue;
        const alone = values.length > this.options.sharedValues && overlap + 1e-12 >= this.options.sharedAloneOverlap;
        const reason: ConflictReason = {
          kind: 'shared_values',
          shared: values.length,
          overlap: Math.round(overlap * 10000) / 10000,
          values: values.sort().slice(0, 5),
        };
        note(other, { reason, alone, score: Math.min(0.9, overlap) });
      }
    }
    for (const n of neighbours) {
      if (n.similarity + 1e-12 < this.options.embeddingSupport) continue;
      const similarity = Math.round(n.similarity * 10000) / 10000;
      note(n.name, {
        reason: { kind: 'embedding', similarity, model },
        alone: n.similarity + 1e-12 >= this.options.embeddingThreshold,
        score: similarity,
      });
    }
    return out;
  }

  /** Co-annotation evidence for a pair, if strong enough. */
  coAnnotation(spans: number): Evidence | null {
    if (spans < this.options.coAnnotatedSpans) return null;
    return { reason: { kind: 'co_annotated', spans }, alone: true, score: 0.95 };
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
