// Optional embeddings of catalog names (Workers AI through the discovery Worker's `AI` binding): the text
// of each name embedded once per model and text, cached in the warehouse (name_embeddings), and the
// nearest names of each new one found through a SimHash index. Without the binding, or when Workers AI
// fails, there are simply no neighbours: every other conflict rule still runs.
import { z } from 'zod';
import { sha256Hex } from '../core/hash.ts';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { ConflictKind } from './catalog-tables/entity-conflicts.ts';
import { type Neighbour, normalise, VectorIndex } from './vector-index.ts';

export { type Neighbour, VectorIndex } from './vector-index.ts';

/** BAAI bge-base-en-v1.5 on Workers AI: 768 dimensions, 512 input tokens. */
export const DEFAULT_EMBEDDING_MODEL = '@cf/baai/bge-base-en-v1.5';

/** Texts per call: Workers AI's bge models take at most 100 texts in one request. */
export const EMBEDDING_BATCH = 100;

/** The one method of the Workers AI binding embeddings use (workers/discovery/ai.ts AiBinding fits it). */
export interface EmbeddingBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

/** What a Workers AI text-embedding model answers: `shape` [texts, dimensions], one row of `data` per text. */
export const EmbeddingOutput = z.object({
  shape: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]),
  data: z.array(z.array(z.number().finite())),
});
export type EmbeddingOutput = z.infer<typeof EmbeddingOutput>;

/**
 * Embeds `texts` with `model`, at most EMBEDDING_BATCH per call, in order; each vector L2-normalised.
 * Output that is not `{ shape: [n, d], data: number[n][d] }` for the n texts sent fails with an AppError
 * (upstream_refused) saying what was wrong; an error the binding throws is passed on as it is.
 */
export async function embedTexts(
  ai: EmbeddingBinding,
  model: string,
  texts: readonly string[],
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  let dims: number | undefined;
  for (let start = 0; start < texts.length; start += EMBEDDING_BATCH) {
    const batch = texts.slice(start, start + EMBEDDING_BATCH);
    const raw = await ai.run(model, { text: batch });
    const parsed = EmbeddingOutput.safeParse(raw);
    const bad = (why: string) =>
      new AppError('upstream_refused', `Workers AI (${model}) answered without embeddings: ${why}`);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw bad(`${issue?.path.join('.') || 'output'}: ${issue?.message ?? 'not { shape, data }'}`);
    }
    const { shape, data } = parsed.data;
    if (shape[0] !== batch.length || data.length !== batch.length) {
      throw bad(`${batch.length} texts sent, shape [${shape.join(', ')}] and ${data.length} vectors back`);
    }
    dims ??= shape[1];
    if (shape[1] !== dims) throw bad(`${shape[1]} dimensions after ${dims}`);
    for (const [i, row] of data.entries()) {
      if (row.length !== dims) throw bad(`vector ${start + i} has ${row.length} numbers, shape says ${dims}`);
      const unit = normalise(row);
      if (!unit.some((x) => x !== 0)) throw bad(`vector ${start + i} is all zeros`);
      out.push(unit);
    }
  }
  return out;
}

const EXAMPLES_EMBEDDED = 5;
const EXAMPLE_LENGTH = 60;

/**
 * The text embedded for a name: its words (separators and camelCase as spaces, lowercase), then the
 * description, then a few examples: `vessel name: The ship's registered name. Examples: "Ever Given", "Maersk Alabama"`.
 */
export function embeddingText(name: string, description: string | null, examples: readonly string[]): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[\s_\-./:[\]]+/g, ' ')
    .trim()
    .toLowerCase();
  const parts = [words || name];
  const about = description?.trim();
  if (about) parts[0] = `${parts[0]}: ${about}`;
  const shown = examples
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .slice(0, EXAMPLES_EMBEDDED)
    .map((e) => `"${e.length > EXAMPLE_LENGTH ? `${e.slice(0, EXAMPLE_LENGTH - 1)}…` : e}"`);
  if (shown.length > 0) parts.push(`Examples: ${shown.join(', ')}`);
  return parts.join('. ');
}

/** Which cached vectors: one kind, one source ('' for entity types), one model. */
export interface EmbeddingScope {
  readonly kind: ConflictKind;
  readonly source: string;
  readonly model: string;
}

export interface CachedEmbedding {
  readonly textHash: string;
  readonly vector: Float32Array;
}

const CachedRow = z.object({
  name: z.string(),
  text_hash: z.string(),
  dims: z.number().int().positive(),
  vector: z.instanceof(Uint8Array),
});

/** Names per cache read: their vectors are 3 KB each at 768 dimensions. */
const READ_CHUNK = 1000;

/** A float32 vector as the little-endian bytes name_embeddings.vector holds. */
export function vectorBytes(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] as number, true);
  return bytes;
}

function bytesVector(bytes: Uint8Array, dims: number): Float32Array {
  if (bytes.length !== dims * 4) throw new Error(`name_embeddings: a vector of ${bytes.length} bytes for ${dims} dims`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(dims);
  for (let i = 0; i < dims; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Cached vectors of `names` in `scope`, read `READ_CHUNK` names at a time; each chunk is handed to
 * `each` (when given) before the next is read, so 50,000 names never sit in memory as float32 at once.
 */
export async function readEmbeddings(
  tx: WarehouseSession,
  scope: EmbeddingScope,
  names: readonly string[],
  each?: (name: string, cached: CachedEmbedding) => void,
): Promise<Map<string, CachedEmbedding>> {
  const out = new Map<string, CachedEmbedding>();
  const unique = [...new Set(names)];
  for (let start = 0; start < unique.length; start += READ_CHUNK) {
    const chunk = unique.slice(start, start + READ_CHUNK);
    const rows = await tx.query(
      `SELECT name, text_hash, dims, vector FROM name_embeddings
       WHERE kind = ${quoteLiteral(scope.kind)} AND source = ${quoteLiteral(scope.source)}
         AND model = ${quoteLiteral(scope.model)} AND name IN (${chunk.map(quoteLiteral).join(', ')})`,
    );
    for (const raw of rows) {
      const row = CachedRow.parse(raw);
      const cached = { textHash: row.text_hash, vector: bytesVector(row.vector, row.dims) };
      if (each) each(row.name, cached);
      else out.set(row.name, cached);
    }
  }
  return out;
}

/** One vector to cache: the name, the hash of the text it embeds (embeddingText), the vector. */
export interface NewEmbedding {
  readonly name: string;
  readonly textHash: string;
  readonly vector: Float32Array;
}

const WRITE_CHUNK = 100;

/** Writes vectors into name_embeddings, replacing a name's older vector of the same model. */
export async function writeEmbeddings(
  tx: WarehouseSession,
  scope: EmbeddingScope,
  rows: readonly NewEmbedding[],
  now: Date,
): Promise<void> {
  for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
    const chunk = rows.slice(start, start + WRITE_CHUNK);
    const head = [scope.kind, scope.source].map(quoteLiteral).join(', ');
    const values = chunk.map(
      (r, i) =>
        `(${head}, ${quoteLiteral(r.name)}, ${quoteLiteral(scope.model)}, ${quoteLiteral(r.textHash)}, ${r.vector.length}, $${i + 2}::BLOB, $1::TIMESTAMPTZ)`,
    );
    await tx.execute(
      `INSERT INTO name_embeddings (kind, source, name, model, text_hash, dims, vector, embedded_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (kind, source, name, model) DO UPDATE SET
         text_hash = excluded.text_hash, dims = excluded.dims, vector = excluded.vector,
         embedded_at = excluded.embedded_at`,
      [now, ...chunk.map((r) => vectorBytes(r.vector))],
    );
  }
}

/** A catalog name as neighboursFor embeds it. */
export interface EmbeddableName {
  readonly name: string;
  readonly description: string | null;
  /** 'deterministic' descriptions (catalog.ts) are boilerplate every name shares: not embedded. */
  readonly descriptionSource?: string | null;
  readonly examples: readonly string[];
}

export interface NeighbourDeps {
  /** The discovery Worker's `AI` binding; without it there are no neighbours. */
  readonly ai?: EmbeddingBinding | undefined;
  readonly log: Logger;
  readonly clock: () => Date;
}

export interface NeighbourRequest extends EmbeddingScope {
  /** Names first seen in this run: the ones that get neighbours. */
  readonly newNames: readonly string[];
  /** Every name of the scope (known and new) with its description and examples. */
  readonly rows: readonly EmbeddableName[];
  /** Neighbours per new name (default 5) ... */
  readonly k?: number;
  /** ... with cosine at least this (default 0.8). */
  readonly floor?: number;
  /**
   * Texts embedded in one call of neighboursFor at most (default 2,000), new names first: a catalog's
   * first run with embeddings embeds its known names over several runs instead of all in one transaction.
   */
  readonly maxEmbedded?: number;
}

/**
 * The nearest names (known ones and the other new ones, never itself) of each new name by embedding,
 * `k` at most, cosine >= `floor`. Vectors come from name_embeddings when its text_hash is the text's;
 * the others are embedded (only those) and written back. No binding: an empty map. Workers AI failing:
 * a warning and an empty map. A warehouse failure is thrown (the run's transaction is lost anyway).
 */
export async function neighboursFor(
  deps: NeighbourDeps,
  tx: WarehouseSession,
  request: NeighbourRequest,
): Promise<Map<string, Neighbour[]>> {
  const out = new Map<string, Neighbour[]>();
  const { ai } = deps;
  if (!ai || request.newNames.length === 0) return out;
  const k = request.k ?? 5;
  const floor = request.floor ?? 0.8;
  const byName = new Map<string, EmbeddableName>();
  for (const r of request.rows) byName.set(r.name, r);
  for (const n of request.newNames) if (!byName.has(n)) byName.set(n, { name: n, description: null, examples: [] });
  const hashes = new Map<string, { text: string; hash: string }>();
  for (const r of byName.values()) {
    const description = r.descriptionSource === 'deterministic' ? null : r.description;
    const text = embeddingText(r.name, description, r.examples);
    hashes.set(r.name, { text, hash: await sha256Hex(text) });
  }
  const fresh = new Set(request.newNames);
  let index: VectorIndex | undefined;
  const queries = new Map<string, Float32Array>();
  const add = (name: string, vector: Float32Array) => {
    index ??= new VectorIndex(vector.length);
    if (vector.length !== index.dims) return;
    index.add(name, vector);
    if (fresh.has(name)) queries.set(name, vector);
  };
  const current = new Set<string>();
  await readEmbeddings(tx, request, [...byName.keys()], (name, cached) => {
    if (hashes.get(name)?.hash !== cached.textHash) return;
    current.add(name);
    add(name, cached.vector);
  });
  const stale = [...byName.keys()].filter((n) => !current.has(n));
  const missing = [...stale.filter((n) => fresh.has(n)), ...stale.filter((n) => !fresh.has(n))].slice(
    0,
    request.maxEmbedded ?? 2000,
  );
  if (missing.length > 0) {
    let vectors: Float32Array[];
    try {
      vectors = await embedTexts(
        ai,
        request.model,
        missing.map((n) => hashes.get(n)?.text ?? n),
      );
    } catch (error) {
      deps.log.warn('discovery: embeddings failed; conflicts without them this run', {
        model: request.model,
        kind: request.kind,
        source: request.source,
        names: missing.length,
        error: errorMessage(error),
      });
      return out;
    }
    const rows = missing.map((name, i) => ({
      name,
      textHash: hashes.get(name)?.hash ?? '',
      vector: vectors[i] as Float32Array,
    }));
    await writeEmbeddings(tx, request, rows, deps.clock());
    for (const r of rows) add(r.name, r.vector);
  }
  const found = index as VectorIndex | undefined;
  if (!found) return out;
  for (const name of request.newNames) {
    const vector = queries.get(name);
    if (!vector) continue;
    const near = found
      .nearest(vector, k + 1, floor)
      .filter((n) => n.name !== name)
      .slice(0, k)
      .map((n) => ({ name: n.name, similarity: Math.round(n.similarity * 10000) / 10000 }));
    if (near.length > 0) out.set(name, near);
  }
  return out;
}
