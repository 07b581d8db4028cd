// Embeddings for conflicts by meaning: the Workers AI call and its output checks, the text embedded per
// name, the name_embeddings cache in the real embedded warehouse, and the SimHash index against brute force.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_EMBEDDING_MODEL,
  type EmbeddableName,
  embeddingText,
  embedTexts,
  neighboursFor,
  readEmbeddings,
  VectorIndex,
  writeEmbeddings,
} from '../../lib/discovery/embeddings.ts';
import { cosine, normalise } from '../../lib/discovery/vector-index.ts';
import type { Logger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { embeddingStandIn, fallbackVector } from '../support/ai-embeddings.ts';
import { migratedDatabase } from '../support/databases.ts';
import { InferenceUpstreamError } from '../support/workers-ai-standin.ts';

const MODEL = DEFAULT_EMBEDDING_MODEL;
const NOW = new Date('2026-12-01T10:00:00Z');

/** A deterministic stream in [0, 1) and Gaussians from it. */
function stream(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, gaussian };
}

function randomUnit(rand: ReturnType<typeof stream>, dims: number): Float32Array {
  return normalise(Array.from({ length: dims }, rand.gaussian));
}

/** A unit vector at cosine about `similarity` from `base` (unit). */
function near(rand: ReturnType<typeof stream>, base: Float32Array, similarity: number): Float32Array {
  const noise = randomUnit(rand, base.length);
  const along = cosine(noise, base);
  const orthogonal = normalise(noise.map((x, i) => x - along * (base[i] as number)));
  const s = Math.sqrt(1 - similarity * similarity);
  return normalise(base.map((x, i) => similarity * x + s * (orthogonal[i] as number)));
}

function recordingLog(): Logger & { warnings: { message: string; fields: unknown }[] } {
  const warnings: { message: string; fields: unknown }[] = [];
  return { info: () => {}, error: () => {}, warn: (message, fields) => warnings.push({ message, fields }), warnings };
}

describe('embedTexts', () => {
  it('sends { text } in batches of at most 100 and returns one L2-normalised Float32Array per text, in order', async () => {
    const ai = embeddingStandIn();
    const texts = Array.from({ length: 250 }, (_, i) => `name ${i}`);
    const vectors = await embedTexts(ai.binding, MODEL, texts);
    expect(ai.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(ai.calls.flat()).toEqual(texts);
    expect(vectors).toHaveLength(250);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(768);
      expect(Math.sqrt(cosine(v, v))).toBeCloseTo(1, 5);
    }
    expect([...(vectors[7] as Float32Array)]).toEqual([...normalise(fallbackVector('name 7'))]);
  });

  it('refuses output that is not { shape: [n, d], data: n vectors of d numbers } with a clear error', async () => {
    const cases: [unknown, string][] = [
      [{ response: 'hello' }, 'Workers AI (@cf/baai/bge-base-en-v1.5) answered without embeddings: shape: '],
      [{ shape: [2, 3], data: [[1, 2, 3]] }, '2 texts sent, shape [2, 3] and 1 vectors back'],
      [{ shape: [1, 3], data: [[1, 2, 3]] }, '2 texts sent, shape [1, 3] and 1 vectors back'],
      [
        {
          shape: [2, 3],
          data: [
            [1, 2, 3],
            [1, 2],
          ],
        },
        'vector 1 has 2 numbers, shape says 3',
      ],
      [{ shape: [2, 3], data: [[1, 2, 3], 'x'] }, 'data.1: '],
      [
        {
          shape: [2, 3],
          data: [
            [1, 2, 3],
            [0, 0, 0],
          ],
        },
        'vector 1 is all zeros',
      ],
      [{ request_id: 'abc' }, 'answered without embeddings'],
    ];
    for (const [answer, message] of cases) {
      const ai = embeddingStandIn({ answer: () => answer });
      await expect(embedTexts(ai.binding, MODEL, ['a', 'b'])).rejects.toThrow(message);
    }
  });

  it('passes on what the binding throws', async () => {
    const ai = embeddingStandIn({ models: ['@cf/other'] });
    await expect(embedTexts(ai.binding, MODEL, ['a'])).rejects.toBeInstanceOf(InferenceUpstreamError);
    expect(await embedTexts(ai.binding, '@cf/other', [])).toEqual([]);
  });
});

describe('embeddingText', () => {
  it('is the name in words, the description and at most five examples', () => {
    expect(embeddingText('VESSEL_NAME', null, [])).toBe('vessel name');
    expect(embeddingText('portOfLoading', 'Where the cargo was loaded.', ['Rotterdam', ' ', 'Antwerp'])).toBe(
      'port of loading: Where the cargo was loaded.. Examples: "Rotterdam", "Antwerp"',
    );
    expect(embeddingText('lot_size.min', '', ['1', '2', '3', '4', '5', '6'])).toBe(
      'lot size min. Examples: "1", "2", "3", "4", "5"',
    );
    expect(embeddingText('notes', null, ['x'.repeat(100)])).toBe(`notes. Examples: "${'x'.repeat(59)}…"`);
    expect(embeddingText('__', null, [])).toBe('__');
  });
});

describe('the name_embeddings cache and neighboursFor', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    ({ warehouse } = await migratedDatabase('embeddings'));
  });
  afterAll(async () => {
    await warehouse.close();
  });

  const rand = stream(42);
  const ship = randomUnit(rand, 768);
  const port = randomUnit(rand, 768);
  const fixed = new Map<string, Float32Array>([
    ['ship name', ship],
    ['vessel name', near(rand, ship, 0.95)],
    ['vessel name: The registered name of the ship.', near(rand, ship, 0.9)],
    ['port of loading', port],
    ['pol', near(rand, port, 0.93)],
  ]);
  const standIn = () => embeddingStandIn({ vectors: (text) => fixed.get(text) && [...(fixed.get(text) ?? [])] });
  const rows: EmbeddableName[] = [
    { name: 'SHIP_NAME', description: null, examples: [] },
    { name: 'PORT_OF_LOADING', description: null, examples: [] },
    {
      name: 'FLAG',
      description: 'Entity type annotated by subject-matter experts.',
      descriptionSource: 'deterministic',
      examples: [],
    },
    { name: 'VESSEL_NAME', description: null, examples: [] },
    { name: 'POL', description: null, examples: [] },
  ];
  const deps = (ai: ReturnType<typeof embeddingStandIn> | undefined, log: Logger = recordingLog()) => ({
    ai: ai?.binding,
    log,
    clock: () => NOW,
  });
  const scope = { kind: 'entity_type' as const, source: '', model: MODEL };

  it('without an AI binding returns no neighbours and touches nothing', async () => {
    const found = await neighboursFor(deps(undefined), warehouse, { ...scope, newNames: ['VESSEL_NAME'], rows });
    expect(found).toEqual(new Map());
    expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM name_embeddings')).toEqual([{ n: 0 }]);
  });

  it('embeds every name once, finds known and new neighbours (never itself), and caches the vectors', async () => {
    const ai = standIn();
    const found = await neighboursFor(deps(ai), warehouse, {
      ...scope,
      newNames: ['VESSEL_NAME', 'POL'],
      rows,
      floor: 0.8,
    });
    // New names are embedded first; FLAG's deterministic description is left out of its text.
    expect(ai.calls).toEqual([['vessel name', 'pol', 'ship name', 'port of loading', 'flag']]);
    expect([...found.keys()]).toEqual(['VESSEL_NAME', 'POL']);
    const vessel = found.get('VESSEL_NAME') ?? [];
    expect(vessel.map((n) => n.name)).toEqual(['SHIP_NAME']);
    expect(vessel[0]?.similarity).toBeCloseTo(0.95, 2);
    expect(found.get('POL')?.map((n) => n.name)).toEqual(['PORT_OF_LOADING']);
    const cached = await warehouse.query<{ name: string; dims: number; bytes: number; embedded_at: Date }>(
      `SELECT name, dims, octet_length(vector)::INTEGER AS bytes, embedded_at FROM name_embeddings ORDER BY name`,
    );
    expect(cached).toEqual(
      ['FLAG', 'POL', 'PORT_OF_LOADING', 'SHIP_NAME', 'VESSEL_NAME'].map((name) => ({
        name,
        dims: 768,
        bytes: 3072,
        embedded_at: NOW,
      })),
    );
    const back = await readEmbeddings(warehouse, scope, ['SHIP_NAME', 'NOBODY']);
    expect([...back.keys()]).toEqual(['SHIP_NAME']);
    expect([...(back.get('SHIP_NAME')?.vector ?? [])]).toEqual([...ship]);
  });

  it('embeds nothing the second time, and only a name whose text changed after that', async () => {
    const again = standIn();
    const found = await neighboursFor(deps(again), warehouse, { ...scope, newNames: ['VESSEL_NAME', 'POL'], rows });
    expect(again.calls).toEqual([]);
    expect(found.get('VESSEL_NAME')?.map((n) => n.name)).toEqual(['SHIP_NAME']);

    const described = rows.map((r) =>
      r.name === 'VESSEL_NAME' ? { ...r, description: 'The registered name of the ship.' } : r,
    );
    const changed = standIn();
    const after = await neighboursFor(deps(changed), warehouse, {
      ...scope,
      newNames: ['VESSEL_NAME'],
      rows: described,
    });
    expect(changed.calls).toEqual([['vessel name: The registered name of the ship.']]);
    expect(after.get('VESSEL_NAME')?.[0]?.similarity).toBeCloseTo(0.9, 2);
    expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM name_embeddings')).toEqual([{ n: 5 }]);
  });

  it('keeps scopes and models apart', async () => {
    const field = { kind: 'field' as const, source: 'vessels', model: MODEL };
    const ai = standIn();
    await neighboursFor(deps(ai), warehouse, { ...field, newNames: ['SHIP_NAME'], rows: [rows[0] as EmbeddableName] });
    expect(ai.calls).toEqual([['ship name']]);
    expect((await readEmbeddings(warehouse, field, ['SHIP_NAME', 'VESSEL_NAME'])).size).toBe(1);
    expect((await readEmbeddings(warehouse, { ...scope, model: '@cf/other' }, ['SHIP_NAME'])).size).toBe(0);
  });

  it('writes over a vector of the same name and model', async () => {
    const other = { kind: 'field' as const, source: 'upsert', model: MODEL };
    const a = normalise([1, 0, 0]);
    const b = normalise([0, 1, 0]);
    await writeEmbeddings(warehouse, other, [{ name: 'x', textHash: 'h1', vector: a }], NOW);
    await writeEmbeddings(warehouse, other, [{ name: 'x', textHash: 'h2', vector: b }], NOW);
    const back = await readEmbeddings(warehouse, other, ['x']);
    expect(back.get('x')?.textHash).toBe('h2');
    expect([...(back.get('x')?.vector ?? [])]).toEqual([0, 1, 0]);
  });

  it('when Workers AI fails: a warning, no neighbours, nothing written', async () => {
    const log = recordingLog();
    const failing = embeddingStandIn({
      answer: () => new InferenceUpstreamError('3040: Capacity temporarily exceeded'),
    });
    const found = await neighboursFor(deps(failing, log), warehouse, {
      kind: 'entity_type',
      source: '',
      model: MODEL,
      newNames: ['BRAND_NEW'],
      rows: [...rows, { name: 'BRAND_NEW', description: null, examples: [] }],
    });
    expect(found).toEqual(new Map());
    expect(log.warnings).toEqual([
      {
        message: 'discovery: embeddings failed; conflicts without them this run',
        fields: {
          model: MODEL,
          kind: 'entity_type',
          source: '',
          names: 2,
          error: '3040: Capacity temporarily exceeded',
        },
      },
    ]);
    expect((await readEmbeddings(warehouse, scope, ['BRAND_NEW'])).size).toBe(0);
  });

  it('embeds at most maxEmbedded texts in one call, new names first', async () => {
    const many = { kind: 'field' as const, source: 'budget', model: MODEL };
    const known = Array.from({ length: 30 }, (_, i) => ({ name: `known_${i}`, description: null, examples: [] }));
    const ai = standIn();
    await neighboursFor(deps(ai), warehouse, {
      ...many,
      newNames: ['fresh'],
      rows: [...known, { name: 'fresh', description: null, examples: [] }],
      maxEmbedded: 10,
    });
    expect(ai.calls.flat()).toEqual(['fresh', ...known.slice(0, 9).map((k) => k.name.replace('_', ' '))]);
  });
});

describe('VectorIndex', () => {
  /** n random unit vectors and, per query, one planted at cosine 0.75-0.95 from a random one of them. */
  function planted(n: number, queries: number, dims: number, seed: number) {
    const rand = stream(seed);
    const vectors = Array.from({ length: n }, () => randomUnit(rand, dims));
    const qs = Array.from({ length: queries }, () => {
      const target = Math.floor(rand.next() * n);
      return { target, vector: near(rand, vectors[target] as Float32Array, 0.75 + 0.2 * rand.next()) };
    });
    return { vectors, queries: qs };
  }

  it('finds the true nearest (by brute force) for at least 95% of queries among 2,000 vectors of 768', () => {
    const { vectors, queries } = planted(2000, 300, 768, 1);
    const index = new VectorIndex(768);
    for (const [i, v] of vectors.entries()) index.add(`n${i}`, v);
    let hits = 0;
    for (const q of queries) {
      let best = -1;
      let bestSimilarity = Number.NEGATIVE_INFINITY;
      vectors.forEach((v, i) => {
        const s = cosine(q.vector, v);
        if (s > bestSimilarity) [best, bestSimilarity] = [i, s];
      });
      const found = index.nearest(q.vector, 3, 0.5);
      if (found[0]?.name === `n${best}`) {
        hits++;
        expect(found[0]?.similarity).toBeCloseTo(bestSimilarity, 2);
      }
    }
    expect(hits / queries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('still finds them when every vector shares a large component, as real sentence embeddings do', () => {
    const rand = stream(5);
    const common = randomUnit(rand, 768);
    const vectors = Array.from({ length: 2000 }, () =>
      normalise(randomUnit(rand, 768).map((x, i) => x + (common[i] as number))),
    );
    // Unrelated vectors sit at cosine about 0.5 here; duplicates at 0.85-0.95.
    expect(cosine(vectors[0] as Float32Array, vectors[1] as Float32Array)).toBeCloseTo(0.5, 1);
    const index = new VectorIndex(768);
    for (const [i, v] of vectors.entries()) index.add(`n${i}`, v);
    let hits = 0;
    for (let q = 0; q < 300; q++) {
      const target = Math.floor(rand.next() * vectors.length);
      const query = near(rand, vectors[target] as Float32Array, 0.85 + 0.1 * rand.next());
      if (index.nearest(query, 1, 0.5)[0]?.name === `n${target}`) hits++;
    }
    expect(hits / 300).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps to k and the floor, most similar first, and answers the same with the same seed', () => {
    const { vectors, queries } = planted(500, 20, 64, 2);
    const a = new VectorIndex(64, { seed: 9 });
    const b = new VectorIndex(64, { seed: 9 });
    vectors.forEach((v, i) => {
      a.add(`n${i}`, v);
      b.add(`n${i}`, v);
    });
    for (const q of queries) {
      const found = a.nearest(q.vector, 2, 0.7);
      expect(found.length).toBeLessThanOrEqual(2);
      for (const n of found) expect(n.similarity).toBeGreaterThanOrEqual(0.7);
      expect(found.map((n) => n.similarity)).toEqual([...found.map((n) => n.similarity)].sort((x, y) => y - x));
      expect(b.nearest(q.vector, 2, 0.7)).toEqual(found);
    }
    expect(a.nearest(new Float32Array(63), 2, 0)).toEqual([]);
    expect(() => a.add('bad', new Float32Array(3))).toThrow('"bad" has 3 dimensions, the index 64');
  });

  it('indexes 50,000 vectors and answers 2,000 queries, still finding the planted neighbour', () => {
    const dims = 768;
    const { vectors, queries } = planted(50_000, 2000, dims, 3);
    const index = new VectorIndex(dims);
    for (const [i, v] of vectors.entries()) index.add(`n${i}`, v);
    expect(index.size).toBe(50_000);
    let hits = 0;
    for (const q of queries) if (index.nearest(q.vector, 1, 0.5)[0]?.name === `n${q.target}`) hits++;
    expect(hits / queries.length).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
