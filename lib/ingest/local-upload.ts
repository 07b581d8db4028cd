// The notification body R2 sends for a new object, for local uploads (miniflare emits none) and for the
// benches and tests that deliver files to the consumer themselves.
import type { R2Event } from './event.ts';

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
