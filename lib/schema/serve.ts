// Answers a request for a schema document (current, at an instant, at a version) in one format: from the
// KV cache when it can, from the warehouse otherwise, with ETag / Cache-Control / Vary and 304s.
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import {
  type CacheEntry,
  decodeEntry,
  encodeEntry,
  readPointer,
  renderEntry,
  type SchemaCachePort,
  safeGet,
  safePut,
  versionKey,
} from './cache.ts';
import type { SchemaDocument, SchemaFormat } from './document.ts';
import { documentAt, documentForVersion, latestDocument, versionAt } from './read.ts';

export interface SchemaServeDeps {
  readonly warehouse: WarehouseSession;
  /** Null: no cache bound; every request reads the warehouse. */
  readonly cache: SchemaCachePort | null;
  readonly log: Logger;
  /** Work that may finish after the response (cache fills). */
  readonly defer: (work: Promise<unknown>) => void;
}

export type SchemaTarget =
  | { readonly kind: 'current' }
  | { readonly kind: 'at'; readonly instant: Date; readonly text: string }
  | { readonly kind: 'version'; readonly version: number };

export interface SchemaRequest {
  readonly target: SchemaTarget;
  readonly format: SchemaFormat;
  readonly budget?: number | undefined;
  readonly ifNoneMatch?: string | undefined;
  /** `Cache-Control: no-cache` from the client: read the warehouse, leave the cache alone. */
  readonly noCache: boolean;
}

export interface SchemaResponse {
  readonly status: 200 | 304;
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** The strong ETag of a version in a format: its content hash, suffixed for anything but JSON. */
export function etagFor(contentHash: string, format: SchemaFormat, budget?: number): string {
  if (format === 'json') return `"${contentHash}"`;
  return `"${contentHash}-${format}${format === 'prompt' && budget !== undefined ? `-${budget}` : ''}"`;
}

/** Whether an If-None-Match header matches the ETag (weak comparison, as RFC 9110 asks for GET). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => strip(t) === '*' || strip(t) === strip(etag));
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

function notFound(target: SchemaTarget): AppError {
  switch (target.kind) {
    case 'current':
      return new AppError('not_found', 'no schema snapshot has been published yet');
    case 'at':
      return new AppError('not_found', `no schema snapshot was published at or before ${target.text}`);
    case 'version':
      return new AppError('not_found', `no schema version ${target.version}`);
  }
}

/** The document for `request`, in its format, or a 304. Throws not_found (404) when there is none. */
export async function serveSchema(deps: SchemaServeDeps, request: SchemaRequest): Promise<SchemaResponse> {
  const { target, format, budget } = request;
  // Only the default forms are cached; a prompt with its own budget is rendered from the cached JSON.
  const cachedForm = format !== 'prompt' || budget === undefined;
  const cache = request.noCache ? null : deps.cache;
  const respond = (version: number, entry: CacheEntry, source: 'kv' | 'warehouse'): SchemaResponse => {
    const etag = etagFor(entry.contentHash, format, budget);
    const headers = {
      etag,
      'cache-control': target.kind === 'version' ? IMMUTABLE : REVALIDATE,
      vary: 'Accept',
      ...(entry.contentType === '' ? {} : { 'content-type': entry.contentType }),
      'x-schema-version': String(version),
      'x-schema-source': source,
    };
    return matchesEtag(request.ifNoneMatch, etag)
      ? { status: 304, body: null, headers }
      : { status: 200, body: entry.body, headers };
  };
  const fromDocument = (doc: SchemaDocument): SchemaResponse => {
    const entry = render(doc, format, budget);
    if (cache) fill(deps, cache, doc, format, cachedForm ? entry : null);
    return respond(doc.version, entry, 'warehouse');
  };

  if (cache === null) {
    const doc = await readDocument(deps.warehouse, target);
    if (!doc) throw notFound(target);
    return fromDocument(doc);
  }

  // Which version, and its hash when known without reading the form.
  let version: number;
  let hash: string | null = null;
  const pointer = target.kind === 'version' ? null : await readPointer(cache, deps.log);
  if (target.kind === 'version') version = target.version;
  else if (pointer && (target.kind === 'current' || target.instant.getTime() >= Date.parse(pointer.publishedAt))) {
    version = pointer.version;
    hash = pointer.contentHash;
  } else if (target.kind === 'current') {
    const doc = await latestDocument(deps.warehouse);
    if (!doc) throw notFound(target);
    return fromDocument(doc);
  } else {
    const at = await versionAt(deps.warehouse, target.instant);
    if (!at) throw notFound(target);
    version = at.version;
    hash = at.contentHash;
  }
  if (hash !== null) {
    const etag = etagFor(hash, format, budget);
    if (matchesEtag(request.ifNoneMatch, etag)) {
      return respond(version, { contentHash: hash, contentType: '', body: '' }, 'kv');
    }
  }

  const text = await safeGet(cache, versionKey(version, cachedForm ? format : 'json'), deps.log);
  const entry = text === null ? null : decodeEntry(text);
  if (entry) {
    if (cachedForm) return respond(version, entry, 'kv');
    const doc = JSON.parse(entry.body) as SchemaDocument;
    return respond(version, render(doc, format, budget), 'kv');
  }
  const doc = await documentForVersion(deps.warehouse, version);
  if (!doc) throw notFound(target.kind === 'version' ? target : { kind: 'version', version });
  return fromDocument(doc);
}

function readDocument(db: WarehouseSession, target: SchemaTarget): Promise<SchemaDocument | null> {
  switch (target.kind) {
    case 'current':
      return latestDocument(db);
    case 'at':
      return documentAt(db, target.instant);
    case 'version':
      return documentForVersion(db, target.version);
  }
}

function render(doc: SchemaDocument, format: SchemaFormat, budget: number | undefined): CacheEntry {
  const entry = renderEntry(doc, format, budget);
  if (entry === null) throw new AppError('not_acceptable', `format ${format} is not available`);
  return entry;
}

/** Fills the version's immutable keys read from the warehouse (never the pointer: only the publisher writes it). */
function fill(
  deps: SchemaServeDeps,
  cache: SchemaCachePort,
  doc: SchemaDocument,
  format: SchemaFormat,
  entry: CacheEntry | null,
): void {
  const puts: Promise<boolean>[] = [];
  if (entry) puts.push(safePut(cache, versionKey(doc.version, format), encodeEntry(entry), deps.log));
  if (format !== 'json') {
    const json = renderEntry(doc, 'json');
    if (json) puts.push(safePut(cache, versionKey(doc.version, 'json'), encodeEntry(json), deps.log));
  }
  deps.defer(Promise.all(puts));
}
