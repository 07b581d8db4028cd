// Name normalisation and similarity: conservative and explainable, every match says why.
import { distance } from 'fastest-levenshtein';

/** Lower case, separators (space, _, -, ., /) as single spaces, each word singular. */
export function normaliseName(name: string): string {
  // NFKC changes nothing in ASCII, and most names are ASCII.
  return (/^[ -~]*$/.test(name) ? name : name.normalize('NFKC'))
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_\-./]+/)
    .filter((w) => w !== '')
    .map(singular)
    .join(' ');
}

/** A deliberately small English singulariser: enough for entity and column names. */
export function singular(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|x|ch|sh|zz)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/** The words in sorted order, so "name vessel" and "vessel name" meet. */
export function wordKey(normalised: string): string {
  return normalised.split(' ').sort().join(' ');
}

/** 1 - Levenshtein distance / length of the longer string. */
export function similarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  return 1 - distance(a, b) / longer;
}

const masks = new Uint32Array(0x10000);

/**
 * Levenshtein distances from one pattern to many texts. Myers' bit-parallel algorithm (J. ACM 1999, in
 * Hyyrö's formulation for edit distance) keeps a column of the DP matrix as two bit vectors, so a text
 * costs a few word operations per character; the pattern's match masks are built once, not per text.
 * Patterns longer than 32 UTF-16 units fall back to fastest-levenshtein.
 */
export function distancesFrom<T>(pattern: string, work: (distanceTo: (text: string) => number) => T): T {
  const n = pattern.length;
  if (n === 0 || n > 32) return work((text) => distance(pattern, text));
  for (let i = 0; i < n; i++) {
    const c = pattern.charCodeAt(i);
    masks[c] = (masks[c] as number) | (1 << i);
  }
  const last = 1 << (n - 1);
  try {
    return work((text) => {
      let pv = -1;
      let mv = 0;
      let score = n;
      for (let j = 0; j < text.length; j++) {
        let eq = masks[text.charCodeAt(j)] as number;
        const xv = eq | mv;
        eq |= ((eq & pv) + pv) ^ pv;
        mv |= ~(eq | pv);
        pv &= eq;
        if (mv & last) score++;
        if (pv & last) score--;
        mv = (mv << 1) | 1;
        pv = (pv << 1) | ~(xv | mv);
        mv &= xv;
      }
      return score;
    });
  } finally {
    for (let i = 0; i < n; i++) masks[pattern.charCodeAt(i)] = 0;
  }
}
