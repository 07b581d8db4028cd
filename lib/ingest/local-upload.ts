// The notification body R2 sends for a new object, for local uploads (miniflare emits none).
import type { R2Event } from './event.ts';

export function localObjectEvent(o: { bucket: string; key: string; size: number; etag: string; now: Date }): R2Event {
  return {
    account: 'local',
    action: 'PutObject',
    bucket: o.bucket,
    object: { key: o.key, size: o.size, eTag: o.etag },
    eventTime: o.now.toISOString(),
  };
}
