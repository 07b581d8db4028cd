// R2 event notification bodies, exactly as R2 delivers them to a queue.
import { z } from 'zod';

export const CREATE_ACTIONS = ['PutObject', 'CopyObject', 'CompleteMultipartUpload'] as const;
export const DELETE_ACTIONS = ['DeleteObject', 'LifecycleDeletion'] as const;

export const R2Event = z.object({
  account: z.string(),
  action: z.enum([...CREATE_ACTIONS, ...DELETE_ACTIONS]),
  bucket: z.string().min(1),
  object: z.object({
    key: z.string().min(1),
    // Absent on deletes.
    size: z.number().int().nonnegative().optional(),
    eTag: z.string().min(1).optional(),
  }),
  eventTime: z.iso.datetime({ offset: true }),
  copySource: z.object({ bucket: z.string(), object: z.string() }).optional(),
});
export type R2Event = z.infer<typeof R2Event>;

export function isDelete(event: R2Event): boolean {
  return (DELETE_ACTIONS as readonly string[]).includes(event.action);
}

/** R2 reports eTags without quotes in events and sometimes with them elsewhere. */
export function normaliseEtag(etag: string): string {
  return etag.replace(/^W\//, '').replaceAll('"', '');
}

/**
 * Why a key cannot be loaded, or null: statements carry the key in their text, where a NUL ends it; R2
 * stores keys of at most 1,024 bytes.
 */
export function keyProblem(key: string): string | null {
  if (key.includes('\0')) return 'the key contains a NUL character, which no SQL statement can carry';
  if (new TextEncoder().encode(key).length > 1024) return 'the key is longer than 1,024 bytes (R2 allows no more)';
  return null;
}

/** Best-effort bucket/key of a body that failed validation, for the log. */
export function describeUnknown(body: unknown): { bucket: string; key: string } {
  const b = body as { bucket?: unknown; object?: { key?: unknown } } | null;
  return {
    bucket: typeof b?.bucket === 'string' ? b.bucket : '',
    key: typeof b?.object?.key === 'string' ? b.object.key : '',
  };
}
