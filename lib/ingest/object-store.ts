// Object storage as ingestion sees it (R2 in Workers; a map in tests). Reads pin the object version.

export interface ObjectHead {
  readonly etag: string;
  readonly size: number;
  /** The writer asked for a discovery run as soon as the object is loaded (PROMPT_DISCOVERY). */
  readonly promptDiscovery?: boolean;
}

/**
 * R2 custom metadata with which a writer (a webhook-triggered Argilla sync) asks for a discovery run right
 * after the object loads, instead of waiting for the discovery queue's debounce.
 */
export const PROMPT_DISCOVERY = { key: 'discovery', value: 'prompt' } as const;

export interface ObjectStore {
  /** Null when the object does not exist. */
  head(bucket: string, key: string): Promise<ObjectHead | null>;
  /** Bytes [offset, offset + length) of the version `etag`; throws ObjectChangedError if it is gone. */
  range(bucket: string, key: string, etag: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole version `etag` as a stream; throws ObjectChangedError if it is gone. */
  stream(bucket: string, key: string, etag: string): Promise<ReadableStream<Uint8Array>>;
}

/** The object was replaced or deleted while we were reading it: a newer event will load the new version. */
export class ObjectChangedError extends Error {
  override readonly name = 'ObjectChangedError';
}
