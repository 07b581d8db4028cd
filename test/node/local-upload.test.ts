// Local uploads and deletes (lib/ingest/local-upload.ts) over an in-memory bucket: what is stored, what is
// enqueued, and what is refused. The main Worker's routes run the same code over local R2 (ingest.test.ts).
import { describe, expect, it } from 'vitest';
import type { R2Event } from '../../lib/ingest/event.ts';
import { deleteObject, type UploadBucket, uploadObject } from '../../lib/ingest/local-upload.ts';

const NOW = new Date('2026-11-21T12:00:00.000Z');

function memoryBucket(): UploadBucket & { readonly objects: Map<string, ArrayBuffer> } {
  const objects = new Map<string, ArrayBuffer>();
  return {
    objects,
    put: async (key, body) => {
      objects.set(key, body);
      return { etag: `etag-${objects.size}`, size: body.byteLength };
    },
    head: async (key) => (objects.has(key) ? {} : null),
    delete: async (key) => {
      objects.delete(key);
    },
  };
}

function deps(bucket: UploadBucket = memoryBucket()) {
  const sent: R2Event[] = [];
  return { sent, deps: { bucket, send: async (e: R2Event) => void sent.push(e), clock: () => NOW } };
}

describe('local uploads', () => {
  it('stores the object and enqueues the PutObject notification R2 would send', async () => {
    const bucket = memoryBucket();
    const { sent, deps: d } = deps(bucket);
    const body = new TextEncoder().encode('a,b\n1,2\n').buffer as ArrayBuffer;
    const stored = await uploadObject(d, { bucket: 'vessel-csv', key: 'uploads/m.csv', body: async () => body });
    const event: R2Event = {
      account: 'local',
      action: 'PutObject',
      bucket: 'vessel-csv',
      object: { key: 'uploads/m.csv', size: 8, eTag: 'etag-1' },
      eventTime: '2026-11-21T12:00:00.000Z',
    };
    expect(stored).toEqual({ bucket: 'vessel-csv', key: 'uploads/m.csv', etag: 'etag-1', size: 8, event });
    expect(sent).toEqual([event]);
    expect(bucket.objects.get('uploads/m.csv')).toBe(body);
  });

  it('refuses a folder key or one no statement can carry before reading the body, and sends nothing', async () => {
    const { sent, deps: d } = deps();
    const body = async (): Promise<ArrayBuffer> => {
      throw new Error('the body was read');
    };
    for (const [key, message] of [
      ['uploads/', 'key refused: the key ends with / and names no object'],
      ['a\0b.csv', 'key refused: the key contains a NUL character, which no SQL statement can carry'],
      [`${'k'.repeat(1100)}.csv`, 'key refused: the key is longer than 1,024 bytes (R2 allows no more)'],
    ] as const) {
      await expect(uploadObject(d, { bucket: 'vessel-csv', key, body })).rejects.toMatchObject({
        code: 'bad_request',
        message,
      });
    }
    expect(sent).toEqual([]);
  });

  it('reports a bucket that stored nothing as an internal error, and sends nothing', async () => {
    const { sent, deps: d } = deps({ ...memoryBucket(), put: async () => null });
    await expect(
      uploadObject(d, { bucket: 'vessel-csv', key: 'a.csv', body: async () => new ArrayBuffer(1) }),
    ).rejects.toMatchObject({ code: 'internal', message: 'R2 did not store vessel-csv/a.csv' });
    expect(sent).toEqual([]);
  });
});

describe('local deletes', () => {
  it('deletes the object and enqueues the DeleteObject notification; 404 for an object that is not there', async () => {
    const bucket = memoryBucket();
    const { sent, deps: d } = deps(bucket);
    await uploadObject(d, { bucket: 'vessel-csv', key: 'a.csv', body: async () => new ArrayBuffer(1) });
    sent.length = 0;
    const event: R2Event = {
      account: 'local',
      action: 'DeleteObject',
      bucket: 'vessel-csv',
      object: { key: 'a.csv' },
      eventTime: '2026-11-21T12:00:00.000Z',
    };
    expect(await deleteObject(d, { bucket: 'vessel-csv', key: 'a.csv' })).toEqual({
      bucket: 'vessel-csv',
      key: 'a.csv',
      event,
    });
    expect(bucket.objects.has('a.csv')).toBe(false);
    await expect(deleteObject(d, { bucket: 'vessel-csv', key: 'a.csv' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'no object vessel-csv/a.csv',
    });
    expect(sent).toEqual([event]);
  });
});
