// Nearest neighbours by cosine among many unit vectors, never all pairs: sign-random-projection signatures
// (SimHash) split into bands find candidates, Hamming distance on the whole signature ranks them, and
// cosine on the vectors themselves settles the best few. Seeded, so the same vectors always give the same
// answers.
import { mulberry32 } from '../core/random.ts';

/** One neighbour of a query: a name and its cosine similarity. */
export interface Neighbour {
  readonly name: string;
  readonly similarity: number;
}

export interface VectorIndexOptions {
  /** Seed of the random hyperplanes. */
  readonly seed?: number;
  /** Signature bits: a multiple of 32 and of `bandBits` (default 256: 32 bands; 128 halves the work and misses more). */
  readonly bits?: number;
  /** Bits per band: a vector is a candidate when one band of its signature equals the query's (default 8). */
  readonly bandBits?: number;
  /** Coordinates each hyperplane looks at (default 32): sparse planes make a signature cheap at 768 dims. */
  readonly planeSize?: number;
  /** Candidates (the nearest by Hamming distance) whose cosine is computed per query (default 64). */
  readonly candidates?: number;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The vector scaled to length 1 (a copy); a zero vector stays zero. */
export function normalise(vector: ArrayLike<number>): Float32Array {
  const out = vector instanceof Float32Array ? new Float32Array(vector) : Float32Array.from(vector);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += (out[i] as number) * (out[i] as number);
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
  return out;
}

/** Cosine of two unit vectors (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * An index of unit vectors by name. Each vector gets a signature of `bits` signs of random projections
 * (SimHash: two vectors at angle θ agree on a bit with probability 1 - θ/π); the signature is cut into
 * bands and a vector is a candidate of a query when one band matches exactly. Candidates are ranked by
 * Hamming distance over the whole signature and the nearest `candidates` are compared by cosine.
 * Signatures are taken from the mean of the vectors added before the first query (see seal()). Vectors are kept as int8 with a scale each (768 bytes at 768 dimensions, a quarter of float32), so
 * 50,000 names fit a Worker's memory; the cosine it reports is within about 0.002 of the float one.
 */
export class VectorIndex {
  readonly dims: number;
  private readonly bits: number;
  private readonly words: number;
  private readonly bandBits: number;
  private readonly bands: number;
  private readonly candidates: number;
  private readonly planeSize: number;
  private readonly planeIndex: Int32Array;
  private readonly planeWeight: Float32Array;
  private readonly names: string[] = [];
  private codes: Int8Array;
  private scales: Float32Array;
  private signatures: Uint32Array;
  /** band -> bucket (the band's bits) -> vector ids. */
  private readonly tables: number[][][];
  private seen: Uint32Array;
  private stamp = 0;
  /** Sum of the vectors added, for the center signatures are taken from. */
  private readonly sum: Float64Array;
  /** Set on the first query: the mean of the vectors added by then (adds after it keep it). */
  private center: Float32Array | undefined;
  /** Vectors added since the last query, not yet signed and in the bands. */
  private signed = 0;

  constructor(dims: number, options: VectorIndexOptions = {}) {
    this.dims = dims;
    this.bits = options.bits ?? 256;
    this.bandBits = options.bandBits ?? 8;
    if (this.bits % 32 !== 0 || this.bits % this.bandBits !== 0 || this.bandBits > 16) {
      throw new Error(`VectorIndex: bits (${this.bits}) must be a multiple of 32 and of bandBits (<= 16)`);
    }
    this.words = this.bits / 32;
    this.bands = this.bits / this.bandBits;
    this.candidates = options.candidates ?? 64;
    this.planeSize = Math.min(dims, options.planeSize ?? 32);
    const rand = mulberry32(options.seed ?? 0x5eed);
    const gaussian = () => {
      // Box-Muller; 1 - u keeps the logarithm finite.
      const u = 1 - rand();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    };
    this.planeIndex = new Int32Array(this.bits * this.planeSize);
    this.planeWeight = new Float32Array(this.bits * this.planeSize);
    const order = Int32Array.from({ length: dims }, (_, i) => i);
    for (let b = 0; b < this.bits; b++) {
      // The first planeSize of a partial Fisher-Yates shuffle: distinct coordinates per plane.
      for (let j = 0; j < this.planeSize; j++) {
        const pick = j + Math.floor(rand() * (dims - j));
        const t = order[j] as number;
        order[j] = order[pick] as number;
        order[pick] = t;
        this.planeIndex[b * this.planeSize + j] = order[j] as number;
        this.planeWeight[b * this.planeSize + j] = gaussian();
      }
    }
    this.tables = Array.from({ length: this.bands }, () => Array.from({ length: 1 << this.bandBits }, () => []));
    this.codes = new Int8Array(dims * 1024);
    this.scales = new Float32Array(1024);
    this.signatures = new Uint32Array(this.words * 1024);
    this.seen = new Uint32Array(1024);
    this.sum = new Float64Array(dims);
  }

  get size(): number {
    return this.names.length;
  }

  /** Adds a vector (any length: it is normalised) under `name`. */
  add(name: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.dims) {
      throw new Error(`VectorIndex: "${name}" has ${vector.length} dimensions, the index ${this.dims}`);
    }
    const unit = normalise(vector);
    const id = this.names.push(name) - 1;
    if (id >= this.scales.length) this.grow(this.scales.length * 2);
    let max = 0;
    for (let i = 0; i < this.dims; i++) max = Math.max(max, Math.abs(unit[i] as number));
    const scale = max > 0 ? max / 127 : 1;
    this.scales[id] = scale;
    const base = id * this.dims;
    const codes = this.codes;
    const inverse = 1 / scale;
    for (let i = 0; i < this.dims; i++) {
      const x = (unit[i] as number) * inverse;
      codes[base + i] = x >= 0 ? (x + 0.5) | 0 : (x - 0.5) | 0;
    }
    const sum = this.sum;
    for (let i = 0; i < this.dims; i++) sum[i] = (sum[i] as number) + (unit[i] as number);
  }

  /**
   * Signs the vectors added since the last query and puts them in the bands. The first time, it fixes the
   * center: real sentence embeddings share a large component (unrelated names at cosine 0.5), which would
   * give most vectors the same signs; taken from the mean, the signs tell them apart again.
   */
  private seal(): void {
    if (this.signed === this.names.length) return;
    if (!this.center) {
      const count = this.names.length;
      this.center = Float32Array.from(this.sum, (x) => x / count);
    }
    const unit = new Float32Array(this.dims);
    for (let id = this.signed; id < this.names.length; id++) {
      const base = id * this.dims;
      const scale = this.scales[id] as number;
      for (let i = 0; i < this.dims; i++) unit[i] = (this.codes[base + i] as number) * scale;
      const signature = this.signature(unit);
      this.signatures.set(signature, id * this.words);
      for (let band = 0; band < this.bands; band++) {
        ((this.tables[band] as number[][])[this.bucket(signature, band)] as number[]).push(id);
      }
    }
    this.signed = this.names.length;
  }

  /** The `k` nearest names to `vector` with cosine >= `floor`, the most similar first (then by name). */
  nearest(vector: ArrayLike<number>, k: number, floor: number): Neighbour[] {
    if (vector.length !== this.dims || k <= 0 || this.names.length === 0) return [];
    this.seal();
    const unit = normalise(vector);
    const signature = this.signature(unit);
    this.stamp += 1;
    if (this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    // Candidates by Hamming distance, a counting sort: byDistance[d] lists the ids d bits away.
    const byDistance: number[][] = Array.from({ length: this.bits + 1 }, () => []);
    for (let band = 0; band < this.bands; band++) {
      for (const id of this.tables[band]?.[this.bucket(signature, band)] ?? []) {
        if (this.seen[id] === this.stamp) continue;
        this.seen[id] = this.stamp;
        let d = 0;
        const at = id * this.words;
        for (let w = 0; w < this.words; w++)
          d += popcount(((signature[w] as number) ^ (this.signatures[at + w] as number)) >>> 0);
        (byDistance[d] as number[]).push(id);
      }
    }
    const out: Neighbour[] = [];
    let compared = 0;
    for (let d = 0; d <= this.bits && compared < this.candidates; d++) {
      for (const id of byDistance[d] as number[]) {
        if (compared >= this.candidates) break;
        compared++;
        const similarity = this.cosineTo(unit, id);
        if (similarity >= floor) out.push({ name: this.names[id] as string, similarity });
      }
    }
    out.sort((a, b) => b.similarity - a.similarity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out.slice(0, k);
  }

  /** Every stored vector against the query, for tests and the benchmark's baseline. */
  nearestExhaustively(vector: ArrayLike<number>, k: number, floor: number): Neighbour[] {
    const unit = normalise(vector);
    const out: Neighbour[] = [];
    for (let id = 0; id < this.names.length; id++) {
      const similarity = this.cosineTo(unit, id);
      if (similarity >= floor) out.push({ name: this.names[id] as string, similarity });
    }
    out.sort((a, b) => b.similarity - a.similarity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out.slice(0, k);
  }

  private cosineTo(unit: Float32Array, id: number): number {
    const codes = this.codes;
    const dims = this.dims;
    const base = id * dims;
    let sum = 0;
    for (let i = 0; i < dims; i++) sum += (unit[i] as number) * (codes[base + i] as number);
    return sum * (this.scales[id] as number);
  }

  /** The signs of the random projections of `unit` less the center. */
  private signature(unit: Float32Array): Uint32Array {
    const out = new Uint32Array(this.words);
    const center = this.center as Float32Array;
    const size = this.planeSize;
    const index = this.planeIndex;
    const weight = this.planeWeight;
    for (let b = 0; b < this.bits; b++) {
      let s = 0;
      const end = (b + 1) * size;
      for (let j = b * size; j < end; j++) {
        const i = index[j] as number;
        s += (weight[j] as number) * ((unit[i] as number) - (center[i] as number));
      }
      if (s > 0) out[b >>> 5] = ((out[b >>> 5] as number) | (1 << (b & 31))) >>> 0;
    }
    return out;
  }

  private bucket(signature: Uint32Array, band: number): number {
    const start = band * this.bandBits;
    const word = signature[start >>> 5] as number;
    // bandBits divides 32 when it is a power of two; otherwise a band may straddle two words.
    const offset = start & 31;
    let value = word >>> offset;
    if (offset + this.bandBits > 32) value |= (signature[(start >>> 5) + 1] as number) << (32 - offset);
    return value & ((1 << this.bandBits) - 1);
  }

  private grow(capacity: number): void {
    const codes = new Int8Array(this.dims * capacity);
    codes.set(this.codes);
    this.codes = codes;
    const scales = new Float32Array(capacity);
    scales.set(this.scales);
    this.scales = scales;
    const signatures = new Uint32Array(this.words * capacity);
    signatures.set(this.signatures);
    this.signatures = signatures;
    const seen = new Uint32Array(capacity);
    seen.set(this.seen);
    this.seen = seen;
  }
}
