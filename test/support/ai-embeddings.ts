// A stand-in for the Workers AI binding (env.AI) serving text-embedding models, shaped like the real one:
// `run(model, { text })` answers `{ shape: [n, d], data, pooling }` for a string or a list of strings, and
// refuses what the service refuses (an unknown model, no `text`, more than 100 texts) with the errors the
// binding throws. A test gives fixed vectors per text; any other text gets a deterministic vector of its
// own (a hash of the text seeds it). It counts calls and texts.
import { InferenceUpstreamError } from './workers-ai-standin.ts';

export const EMBEDDING_STANDIN_DIMS = 768;

export interface EmbeddingStandIn {
  readonly binding: { run(model: string, inputs: Record<string, unknown>): Promise<unknown> };
  /** Each call's texts, in order. */
  readonly calls: string[][];
  /** Texts embedded over all calls. */
  readonly embedded: () => number;
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A deterministic vector for `text` (not normalised, as the service's are only roughly). */
export function fallbackVector(text: string, dims = EMBEDDING_STANDIN_DIMS): number[] {
  let a = hashSeed(text);
  const out: number[] = [];
  for (let i = 0; i < dims; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5);
  }
  return out;
}

export function embeddingStandIn(
  options: {
    /** Fixed vectors by exact text (or by a function of the text). */
    readonly vectors?: ReadonlyMap<string, readonly number[]> | ((text: string) => readonly number[] | undefined);
    readonly models?: readonly string[];
    readonly dims?: number;
    /** Replaces the answer (bad output, a thrown error) of each call. */
    readonly answer?: (texts: readonly string[], call: number) => unknown;
  } = {},
): EmbeddingStandIn {
  const models = options.models ?? ['@cf/baai/bge-base-en-v1.5'];
  const dims = options.dims ?? EMBEDDING_STANDIN_DIMS;
  const calls: string[][] = [];
  const fixed = (text: string) =>
    typeof options.vectors === 'function' ? options.vectors(text) : options.vectors?.get(text);
  const run = async (model: string, inputs: Record<string, unknown>): Promise<unknown> => {
    if (!models.includes(model)) throw new InferenceUpstreamError(`5007: No such model ${model} or task`, 'AiError');
    const { text } = inputs;
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new InferenceUpstreamError(
        "5006: Bad input: Error: oneOf at '/' not met, 0 matches: required properties at '/' are 'text'",
        'AiError',
      );
    }
    if (texts.length > 100) {
      throw new InferenceUpstreamError(
        `5006: Bad input: Error: oneOf at '/' not met, 0 matches: Array at '/text' has ${texts.length} items, at most 100 allowed`,
        'AiError',
      );
    }
    const list = texts as string[];
    calls.push(list);
    if (options.answer) {
      const answer = options.answer(list, calls.length);
      if (answer instanceof Error) throw answer;
      return answer;
    }
    return {
      shape: [list.length, dims],
      data: list.map((t) => [...(fixed(t) ?? fallbackVector(t, dims))]),
      pooling: 'mean',
    };
  };
  return { binding: { run }, calls, embedded: () => calls.reduce((n, c) => n + c.length, 0) };
}
