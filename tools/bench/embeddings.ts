// `npm run bench -- embeddings`: the SimHash index (lib/discovery/vector-index.ts) at 50,000 names of 768
// dimensions and 2,000 queries, against brute force on a sample of the queries. Two corpora: isotropic
// random vectors, and anisotropic ones (every vector shares a component, as real sentence embeddings do:
// two unrelated names sit at cosine about 0.5). Each query is planted at cosine 0.75-0.95 from one name.
import { cosine, normalise, VectorIndex } from '../../lib/discovery/vector-index.ts';
import { mulberry32 } from '../demo/prng.ts';

const NAMES = Math.round(50_000 * Number(process.env.BENCH_SCALE ?? 1));
const QUERIES = 2000;
const DIMS = 768;
/** Queries also answered by brute force, for its time and the index's agreement with it. */
const EXACT = Number(process.env.BENCH_EXACT ?? 200);

function gaussians(seed: number) {
  const rand = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function corpus(seed: number, shared: number) {
  const g = gaussians(seed);
  const rand = mulberry32(seed + 1);
  const common = normalise(Array.from({ length: DIMS }, g));
  const unit = () => {
    const noise = normalise(Array.from({ length: DIMS }, g));
    return normalise(noise.map((x, i) => x + shared * (common[i] as number)));
  };
  const vectors = Array.from({ length: NAMES }, unit);
  const queries = Array.from({ length: QUERIES }, () => {
    const target = Math.floor(rand() * NAMES);
    const base = vectors[target] as Float32Array;
    const similarity = 0.75 + 0.2 * rand();
    const noise = unit();
    const along = cosine(noise, base);
    const orthogonal = normalise(noise.map((x, i) => x - along * (base[i] as number)));
    const s = Math.sqrt(1 - similarity * similarity);
    return {
      target,
      similarity,
      vector: normalise(base.map((x, i) => similarity * x + s * (orthogonal[i] as number))),
    };
  });
  return { vectors, queries };
}

function measure(label: string, shared: number): void {
  const { vectors, queries } = corpus(7, shared);
  let pairs = 0;
  let sum = 0;
  for (let i = 0; i + 1 < Math.min(vectors.length, 2000); i += 2) {
    sum += cosine(vectors[i] as Float32Array, vectors[i + 1] as Float32Array);
    pairs++;
  }
  const started = performance.now();
  const index = new VectorIndex(DIMS, {
    candidates: Number(process.env.BENCH_CANDIDATES ?? 64),
    bits: Number(process.env.BENCH_BITS ?? 256),
    bandBits: Number(process.env.BENCH_BAND ?? 8),
    planeSize: Number(process.env.BENCH_PLANE ?? 32),
  });
  for (const [i, v] of vectors.entries()) index.add(`n${i}`, v);
  const added = performance.now();
  // The first query signs every vector (the signatures' center is the mean of what was added).
  index.nearest((queries[0] as { vector: Float32Array }).vector, 1, 0.5);
  const built = performance.now();
  let planted = 0;
  // Found first, of the queries planted at cosine >= 0.85 (the likelier duplicates) and below.
  const close = { found: 0, of: 0 };
  const answers = queries.map((q) => {
    const found = index.nearest(q.vector, 5, 0.5);
    const hit = found[0]?.name === `n${q.target}`;
    if (hit) planted++;
    if (q.similarity >= 0.85) {
      close.of++;
      if (hit) close.found++;
    }
    return found;
  });
  const queried = performance.now();
  let agree = 0;
  for (let i = 0; i < EXACT; i++) {
    const exact = index.nearestExhaustively((queries[i] as { vector: Float32Array }).vector, 1, 0.5);
    if (exact[0]?.name === answers[i]?.[0]?.name) agree++;
  }
  const exhaustive = ((performance.now() - queried) / EXACT) * QUERIES;
  console.log(
    `${label}: ${NAMES} names x ${QUERIES} queries (${DIMS} dims; unrelated pairs at cosine ${(sum / pairs).toFixed(2)})\n` +
      `  build ${(built - started).toFixed(0)} ms (adding ${(added - started).toFixed(0)}, signing ${(built - added).toFixed(0)}), ` +
      `queries ${(queried - built).toFixed(0)} ms (${(((queried - built) / QUERIES) * 1000).toFixed(0)} µs each), ` +
      `total ${(queried - started).toFixed(0)} ms; brute force ~${exhaustive.toFixed(0)} ms ` +
      `(${(exhaustive / (queried - started)).toFixed(0)}x the total)\n` +
      `  planted neighbour found first: ${((planted / QUERIES) * 100).toFixed(1)}% ` +
      `(${((close.found / close.of) * 100).toFixed(1)}% of those at cosine >= 0.85, ` +
      `${(((planted - close.found) / (QUERIES - close.of)) * 100).toFixed(1)}% below); ` +
      `same top-1 as brute force: ${((agree / EXACT) * 100).toFixed(1)}% of ${EXACT}`,
  );
}

export async function benchEmbeddings(): Promise<void> {
  measure('isotropic', 0);
  measure('anisotropic', 1);
}
