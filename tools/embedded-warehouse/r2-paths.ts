// Maps `r2://<bucket>/<key>` URLs in SQL to files under a local directory per bucket.
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';

export class R2PathError extends Error {
  override readonly name = 'R2PathError';
}

export type R2Directories = Readonly<Record<string, string>>;

/**
 * The local path for an r2:// URL (globs such as `*.parquet` pass through for DuckDB to expand).
 * Throws R2PathError for an unknown bucket or a key that escapes the bucket directory.
 */
export function resolveR2Url(url: string, buckets: R2Directories): string {
  const match = /^r2:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new R2PathError(`invalid R2 URL '${url}': expected r2://<bucket>/<key>`);
  const bucket = match[1] as string;
  const key = match[2] as string;
  const dir = buckets[bucket];
  if (dir === undefined) {
    const known = Object.keys(buckets).sort().join(', ') || 'none';
    throw new R2PathError(`unknown R2 bucket '${bucket}' (configured buckets: ${known})`);
  }
  const root = resolve(dir);
  if (isAbsolute(key) || key.split('/').includes('..')) {
    throw new R2PathError(`R2 key '${key}' may not be absolute or contain '..'`);
  }
  const path = normalize(join(root, key));
  if (!path.startsWith(root + sep)) throw new R2PathError(`R2 key '${key}' escapes bucket '${bucket}'`);
  return path;
}

/** Parses `bucket=dir,bucket2=dir2` (the WAREHOUSE_R2_DIRS format). */
export function parseR2Directories(spec: string, baseDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`invalid R2 directory mapping '${trimmed}': expected bucket=directory`);
    out[trimmed.slice(0, eq)] = resolve(baseDir, trimmed.slice(eq + 1));
  }
  return out;
}
