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
  const v = value.trim().toLowerCase().replace(/\s+/g, ' ');
  if (v.length < 3 || v === 'true' || v === 'false' || v === 'null' || v === 'none' || v === 'n/a') return null;
  return v;
}

const conceptKey = (words: readonly string[]) => [...words].sort().join(' ');

export class MeaningIndex {
  private readonly byKey = new Map<string, Entry[]>();
  /** Key of the words without their last (a generic suffix) -> entries, and the suffix. */
  private readonly byBase = new Map<string, { entry: Entry; suffix: string; alone: boolean }[]>();
  private readonly byValue = new Map<string, string[]>();
  private readonly valuesOf = new Map<string, ReadonlySet<string>>();

  private readonly vocabulary: Vocabulary | undefined;
  private readonly examples: ReadonlyMap<string, readonly string[]> | undefined;
  private readonly options: MeaningOptions;

  constructor(
    vocabulary: Vocabulary | undefined,
    examples: ReadonlyMap<string, readonly string[]> | undefined,
    options: MeaningOptions,
  ) {
    this.vocabulary = vocabulary;
    this.examples = examples;
    this.options = options;
  }

  private entry(name: string): Entry {
    const normalised = normaliseName(name);
    if (!this.vocabulary) return { name, words: normalised.split(' '), key: conceptKey([normalised]), fired: [] };
    const { words, fired } = this.vocabulary.concept(normalised);
    return { name, words, key: conceptKey(words), fired };
  }

  private values(name: string): ReadonlySet<string> {
    const known = this.valuesOf.get(name);
    if (known) return known;
    const set = new Set<string>();
    for (const v of this.examples?.get(name) ?? []) {
      const i = informative(v);
      if (i !== null) set.add(i);
    }
    this.valuesOf.set(name, set);
    return set;
  }

  add(name: string): void {
    const e = this.entry(name);
    if (this.vocabulary) {
      push(this.byKey, e.key, e);
      const last = e.words[e.words.length - 1] as string;
      const suffix = e.words.length > 1 ? this.vocabulary.suffix(last) : null;
      if (suffix) push(this.byBase, conceptKey(e.words.slice(0, -1)), { entry: e, suffix: last, alone: suffix.alone });
    }
    for (const v of this.values(name)) push(this.byValue, v, name);
  }

  /** Evidence between `name` and the names added so far, by the other name. */
  evidence(
    name: string,
    neighbours: readonly { readonly name: string; readonly similarity: number }[],
    model: string,
  ): Map<string, Evidence[]> {
    const out = new Map<string, Evidence[]>();
    const note = (other: string, e: Evidence) => {
      if (other !== name) push(out, other, e);
    };
    const self = this.entry(name);
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
      const last = self.words[self.words.length - 1] as string;
      const suffix = self.words.length > 1 ? this.vocabulary.suffix(last) : null;
      if (suffix) {
        for (const other of this.byKey.get(conceptKey(self.words.slice(0, -1))) ?? []) {
          const fired = rules(other);
          const certain = suffix.alone && fired.every((f) => f.alone);
          note(other.name, {
            reason: { kind: 'generic_suffix', suffix: last, vocabulary: version },
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
