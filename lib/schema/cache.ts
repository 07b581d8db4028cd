// The schema cache (Workers KV behind a two-method port): each version's rendered forms under immutable
// keys, and one pointer to the current version that only the publisher writes.
//
//   schema/v/<N>/<format>  "<contentHash>\n<contentType>\n<body>"   immutable: a version never changes
//   schema/current         {"version":N,"contentHash":"…","publishedAt":"…"}   written after the keys of N
//
// Readers fill missing version keys (the same bytes the publisher writes) but never the pointer, so a slow
// fill cannot roll it back. Every failure of the cache is logged and read around, never fatal.
import { z } from 'zod';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type SchemaDocument, SchemaFormat } from './document.ts';
import { renderSchema } from './formats/index.ts';

/** The few operations of KV the cache needs (strings in, strings out; null when absent). */
export interface SchemaCachePort {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

export const CURRENT_KEY = 'schema/current';

export const versionKey = (version: number, format: SchemaFormat) => `schema/v/${version}/${format}`;

export const CachePointer = z.object({
  version: z.number().int().min(1),
  contentHash: z.string(),
  publishedAt: z.iso.datetime(),
});
export type CachePointer = z.infer<typeof CachePointer>;

export interface CacheEntry {
  readonly contentHash: string;
  readonly contentType: string;
  readonly body: string;
}

export function encodeEntry(e: CacheEntry): string {
  return `${e.contentHash}\n${e.contentType}\n${e.body}`;
}

/** Null for a value not written by encodeEntry (read around, like a miss). */
export function decodeEntry(value: string): CacheEntry | null {
  const first = value.indexOf('\n');
  const second = first < 0 ? -1 : value.indexOf('\n', first + 1);
  if (second < 0) return null;
  return {
    contentHash: value.slice(0, first),
    contentType: value.slice(first + 1, second),
    body: value.slice(second + 1),
  };
}

/** A cache get that logs a failure and answers null. */
export async function safeGet(cache: SchemaCachePort, key: string, log: Logger): Promise<string | null> {
  try {
    return await cache.get(key);
  } catch (error) {
    log.error('schema cache: read failed, reading the warehouse', { key, error: errorMessage(error) });
    return null;
  }
}

export async function safePut(cache: SchemaCachePort, key: string, value: string, log: Logger): Promise<boolean> {
  try {
    await cache.put(key, value);
    return true;
  } catch (error) {
    log.error('schema cache: write failed', { key, error: errorMessage(error) });
    return false;
  }
}

export async function readPointer(cache: SchemaCachePort, log: Logger): Promise<CachePointer | null> {
  const text = await safeGet(cache, CURRENT_KEY, log);
  if (text === null) return null;
  try {
    return CachePointer.parse(JSON.parse(text));
  } catch (error) {
    log.error('schema cache: the pointer does not parse, ignored', { error: errorMessage(error) });
    return null;
  }
}

/** The document rendered in `format` as a cache entry; null when this build cannot render that format. */
export function renderEntry(doc: SchemaDocument, format: SchemaFormat, budget?: number): CacheEntry | null {
  try {
    const { body, contentType } = renderSchema(doc, format, budget === undefined ? {} : { budget });
    return { contentHash: doc.contentHash, contentType, body };
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_acceptable') return null;
    throw error;
  }
}

export interface PublishCacheResult {
  readonly version: number;
  readonly written: readonly SchemaFormat[];
  readonly failed: readonly string[];
  readonly pointer: boolean;
}

/**
 * Writes a just-published version: every format this build renders (prompt at its default budget), then
 * the pointer, last, so a reader that sees the pointer finds the forms (or fills a missing one itself).
 */
export async function publishToCache(
  cache: SchemaCachePort,
  doc: SchemaDocument,
  log: Logger,
): Promise<PublishCacheResult> {
  const written: SchemaFormat[] = [];
  const failed: string[] = [];
  for (const format of SchemaFormat.options) {
    let entry: CacheEntry | null;
    try {
      entry = renderEntry(doc, format);
    } catch (error) {
      log.error('schema cache: a format failed to render', { format, error: errorMessage(error) });
      failed.push(format);
      continue;
    }
    if (entry === null) continue;
    if (await safePut(cache, versionKey(doc.version, format), encodeEntry(entry), log)) written.push(format);
    else failed.push(format);
  }
  const pointer: CachePointer = { version: doc.version, contentHash: doc.contentHash, publishedAt: doc.publishedAt };
  const ok = await safePut(cache, CURRENT_KEY, JSON.stringify(pointer), log);
  return { version: doc.version, written, failed, pointer: ok };
}

/**
 * Brings the pointer to the latest snapshot when it names another (the publish's KV write failed, or a
 * namespace was emptied). Discovery runs it after every run, so a missed write heals within the hour.
 */
export async function syncCache(
  cache: SchemaCachePort,
  latest: () => Promise<SchemaDocument | null>,
  log: Logger,
): Promise<PublishCacheResult | null> {
  const doc = await latest();
  if (doc === null) return null;
  const pointer = await readPointer(cache, log);
  if (pointer?.version === doc.version && pointer.contentHash === doc.contentHash) return null;
  return publishToCache(cache, doc, log);
}
