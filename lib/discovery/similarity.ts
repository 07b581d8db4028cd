// Name normalisation and similarity: conservative and explainable, every match says why.
import { distance } from 'fastest-levenshtein';

/** Lower case, separators (space, _, -, ., /) as single spaces, each word singular. */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKC')
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
