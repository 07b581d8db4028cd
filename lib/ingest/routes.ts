// Which bucket (and key prefix) loads into which table, from the INGEST_ROUTES variable.
import { z } from 'zod';

export const TARGETS = ['raw_documents', 'annotations', 'structured_data'] as const;
export type Target = (typeof TARGETS)[number];

export const IngestRoute = z.object({
  bucket: z.string().min(1),
  /** Only keys starting with this load through the route; the longest matching prefix wins. */
  prefix: z.string().default(''),
  target: z.enum(TARGETS),
  /** The main Worker's R2 binding for the bucket (wrangler.toml); loads outside a Worker read files otherwise. */
  binding: z.string().min(1).optional(),
});
export type IngestRoute = z.infer<typeof IngestRoute>;

export const IngestRoutes = z.array(IngestRoute).min(1);

/** Parses INGEST_ROUTES (JSON); throws with a readable message for a bad configuration. */
export function parseRoutes(json: string): IngestRoute[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('INGEST_ROUTES is not valid JSON');
  }
  const parsed = IngestRoutes.safeParse(raw);
  if (!parsed.success) throw new Error(`INGEST_ROUTES is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function routeFor(routes: readonly IngestRoute[], bucket: string, key: string): IngestRoute | null {
  let best: IngestRoute | null = null;
  for (const r of routes) {
    if (r.bucket !== bucket || !key.startsWith(r.prefix)) continue;
    if (!best || r.prefix.length > best.prefix.length) best = r;
  }
  return best;
}

export type FileFormat = 'parquet' | 'csv';

export function formatOf(key: string): FileFormat | null {
  const lower = key.toLowerCase();
  if (lower.endsWith('.parquet') || lower.endsWith('.parq')) return 'parquet';
  if (lower.endsWith('.csv')) return 'csv';
  return null;
}

/** structured_data.source: the key's first folder, or the file name without extension at top level. */
export function sourceOf(key: string): string {
  const slash = key.indexOf('/');
  if (slash > 0) return key.slice(0, slash);
  const dot = key.lastIndexOf('.');
  return dot > 0 ? key.slice(0, dot) : key;
}
