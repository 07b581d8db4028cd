// Local stand-ins for "a file landed in R2" and "an object was deleted from R2" (miniflare emits no event
// notifications): store or delete the object, then enqueue the body R2 would have sent. The builders are
// also used by the benches and tests that deliver files to the consumer themselves.
import { AppError } from '../errors.ts';
import { keyProblem, type R2Event } from './event.ts';

export function localObjectEvent(o: {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  now: Date;
  /** Who the event claims to come from: 'local' unless a bench or test names itself. */
  account?: string;
}): R2Event {
  return {
    account: o.account ?? 'local',
    action: 'PutObject',
    bucket: o.bucket,
    object: { key: o.key, size: o.size, eTag: o.etag },
    eventTime: o.now.toISOString(),
  };
}

/** The notification R2 sends when an object is deleted (no size or eTag). */
export function localDeleteEvent(o: {
  bucket: string;
  key: string;
  now: Date;
  /** As for localObjectEvent. */
  account?: string;
}): R2Event {
  return {
    account: o.account ?? 'local',
    action: 'DeleteObject',
    bucket: o.bucket,
    object: { key: o.key },
    eventTime: o.now.toISOString(),
  };
}

/** The three methods of one bucket a local upload uses (an R2 bucket binding has them). */
export interface UploadBucket {
  /** Null when the object was not stored. */
  put(key: string, body: ArrayBuffer): Promise<{ readonly etag: string; readonly size: number } | null>;
  /** Null when there is no such object. */
  head(key: string): Promise<object | null>;
  delete(key: string): Promise<void>;
}

export interface LocalUploadDeps {
  /** The bucket the request names. */
  readonly bucket: UploadBucket;
  /** Enqueues a notification on the ingest queue. */
  readonly send: (event: R2Event) => Promise<void>;
  readonly clock: () => Date;
}

export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly event: R2Event;
}

/**
 * Stores `key` in the bucket and enqueues R2's PutObject notification for it. A key that names no
 * object or that no load could carry is refused (bad_request) before `body` is read.
 */
export async function uploadObject(
  deps: LocalUploadDeps,
  request: { readonly bucket: string; readonly key: string; readonly body: () => Promise<ArrayBuffer> },
): Promise<UploadedObject> {
  const { bucket, key } = request;
  const problem = key.endsWith('/') ? 'the key ends with / and names no object' : keyProblem(key);
  if (problem) throw new AppError('bad_request', `key refused: ${problem}`);
  const object = await deps.bucket.put(key, await request.body());
  if (!object) throw new AppError('internal', `R2 did not store ${bucket}/${key}`);
  const event = localObjectEvent({ bucket, key, size: object.size, etag: object.etag, now: deps.clock() });
  await deps.send(event);
  return { bucket, key, etag: object.etag, size: object.size, event };
}

export interface DeletedObject {
  readonly bucket: string;
  readonly key: string;
  readonly event: R2Event;
}

/** Deletes `key` from the bucket and enqueues R2's DeleteObject notification; not_found when it is absent. */
export async function deleteObject(
  deps: LocalUploadDeps,
  request: { readonly bucket: string; readonly key: string },
): Promise<DeletedObject> {
  const { bucket, key } = request;
  if (!(await deps.bucket.head(key))) throw new AppError('not_found', `no object ${bucket}/${key}`);
  await deps.bucket.delete(key);
  const event = localDeleteEvent({ bucket, key, now: deps.clock() });
  await deps.send(event);
  return { bucket, key, event };
}
