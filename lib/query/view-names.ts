// The naming rule of the typed views (docs/query.md#views): one identifier per structured_data source and
// one per field, derived from the names alone so a view keeps its name from one version to the next.
import { compareCodePoints } from '../core/order.ts';

/** The longest slug a view name keeps; a longer one is cut and marked with the hash. */
const SLUG_MAX = 40;

/** FNV-1a (32 bits) of a string's UTF-16 units, as 8 hex digits: tells apart names whose slugs meet. */
export function nameHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * `[a-z0-9_]` only: accents dropped (NFKD), lower case, every other run of characters one `_`, no `_` at
 * either end, at most SLUG_MAX characters.
 */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/_+$/, '');
}

/**
 * A source's view name: `src_<slug>` when the slug is the source's own name (nothing was lost), else
 * `src_<slug>_<hash of the name>` (`src_<hash>` when nothing is left of it), so `Manifests`, `manifests`
 * and `manifests!` get three names and each keeps its name whatever other sources appear.
 */
export function sourceViewName(source: string): string {
  const slug = slugOf(source);
  if (slug === source && slug !== '') return `src_${slug}`;
  return `src_${slug === '' ? '' : `${slug}_`}${nameHash(source)}`;
}

/**
 * View names of `sources`, in code point order of the sources; the rare name already taken (two hashes
 * that meet) gets `_2`, `_3`, ... in that order.
 */
export function sourceViewNames(sources: readonly string[]): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const source of [...new Set(sources)].sort(compareCodePoints)) {
    out.set(source, unique(sourceViewName(source), taken));
  }
  return out;
}

/**
 * `name`, or `name_2`, `name_3`, ... : the first not in `taken` (compared case-insensitively, as DuckDB
 * compares identifiers), which it is then added to.
 */
export function unique(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${name}_${n}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}
