// Vocabulary rules (vocabulary/maritime.yaml, compiled to vocabulary.json): synonyms, abbreviations and
// generic suffixes that say two names mean one thing although their spelling differs. A name becomes its
// concept: its normalised words without stop words, each phrase of the vocabulary replaced by its group's
// first phrase. Two names with one concept are flagged with the rules that took them there.
import { z } from 'zod';
import { normaliseName } from './similarity.ts';
import compiled from './vocabulary.json' with { type: 'json' };

/** The vocabulary as its file gives it (vocabulary/*.yaml). */
export const VocabularyFile = z.strictObject({
  version: z.number().int().min(1),
  stop_words: z.array(z.string().min(1)).default([]),
  synonyms: z
    .array(z.strictObject({ words: z.array(z.string().min(1)).min(2), certain: z.boolean().default(true) }))
    .default([]),
  abbreviations: z
    .record(z.string(), z.string().min(1))
    .default({})
    .superRefine((abbreviations, ctx) => {
      for (const short of Object.keys(abbreviations)) {
        if (!/^[^\s_\-./]+$/.test(short)) {
          ctx.addIssue({ code: 'custom', path: [short], message: `the abbreviation '${short}' must be one word` });
        }
      }
    }),
  suffixes: z.array(z.strictObject({ word: z.string().min(1), alone: z.boolean().default(true) })).default([]),
});
export type VocabularyFile = z.infer<typeof VocabularyFile>;

/** One rule as reasons name it: which file version, and what it says. */
export interface FiredRule {
  readonly kind: 'synonym' | 'abbreviation';
  /** The rule as written: `vessel = ship` or `dwt = deadweight tonnage`. */
  readonly rule: string;
  readonly certain: boolean;
}

interface Phrase {
  /** The group's first phrase (normalised): what the phrase stands for in a concept. */
  readonly concept: string;
  readonly rule: FiredRule | null;
}

export interface Concept {
  /** Words after stop words, phrases and abbreviations (space-separated). */
  readonly words: readonly string[];
  /** Rules that changed a word of the name on the way. */
  readonly fired: readonly FiredRule[];
}

const NONE: readonly FiredRule[] = [];

/** The vocabulary ready to apply: phrases by their first word, longest first. */
export class Vocabulary {
  readonly version: number;
  private readonly stop: ReadonlySet<string>;
  private readonly phrases = new Map<string, { words: string[]; phrase: Phrase }[]>();
  private readonly suffixes = new Map<string, boolean>();

  constructor(file: VocabularyFile) {
    this.version = file.version;
    const norm = (s: string) => normaliseName(s);
    this.stop = new Set(file.stop_words.map(norm));
    const add = (surface: string, phrase: Phrase) => {
      const words = norm(surface)
        .split(' ')
        .filter((w) => w !== '' && !this.stop.has(w));
      if (words.length === 0) return;
      const list = this.phrases.get(words[0] as string) ?? [];
      list.push({ words, phrase });
      list.sort((a, b) => b.words.length - a.words.length);
      this.phrases.set(words[0] as string, list);
    };
    // Abbreviations first: a synonym group may then name the phrase an abbreviation stands for.
    const expansions = new Map<string, string>();
    for (const [short, long] of Object.entries(file.abbreviations)) expansions.set(norm(short), norm(long));
    const groupOf = new Map<string, string>();
    for (const g of file.synonyms) {
      const concept = norm(g.words[0] as string);
      for (const w of g.words) groupOf.set(norm(w), concept);
    }
    for (const g of file.synonyms) {
      const concept = norm(g.words[0] as string);
      add(g.words[0] as string, { concept, rule: null });
      for (const w of g.words.slice(1)) {
        add(w, { concept, rule: { kind: 'synonym', rule: `${g.words[0]} = ${w}`, certain: g.certain } });
      }
    }
    for (const [short, long] of expansions) {
      add(short, {
        concept: groupOf.get(long) ?? long,
        rule: { kind: 'abbreviation', rule: `${short} = ${long}`, certain: true },
      });
    }
    for (const s of file.suffixes) this.suffixes.set(norm(s.word), s.alone);
  }

  /** The concept of a normalised name. */
  concept(normalised: string): Concept {
    const words = normalised.split(' ');
    // Most names hold no word of the vocabulary: their words are their concept.
    if (!words.some((w) => this.stop.has(w) || this.phrases.has(w))) return { words, fired: NONE };
    const kept = words.filter((w) => w !== '' && !this.stop.has(w));
    const out: string[] = [];
    const fired: FiredRule[] = [];
    for (let i = 0; i < kept.length; ) {
      const match = (this.phrases.get(kept[i] as string) ?? []).find((p) => p.words.every((w, k) => kept[i + k] === w));
      if (!match) {
        out.push(kept[i] as string);
        i++;
        continue;
      }
      // The concept itself may hold an abbreviation's expansion: its words, then.
      out.push(...match.phrase.concept.split(' ').filter((w) => !this.stop.has(w)));
      if (match.phrase.rule) fired.push(match.phrase.rule);
      i += match.words.length;
    }
    return { words: out, fired };
  }

  /** Whether `word` is a generic suffix, and if so whether it raises a conflict alone. */
  suffix(word: string): { alone: boolean } | null {
    const alone = this.suffixes.get(word);
    return alone === undefined ? null : { alone };
  }
}

let shipped: Vocabulary | undefined;

/** The vocabulary the project ships (vocabulary/maritime.yaml), parsed on first use. */
export function defaultVocabulary(): Vocabulary {
  shipped ??= new Vocabulary(VocabularyFile.parse(compiled));
  return shipped;
}
