// The ingestion ObjectStore over R2 bindings (bucket name -> binding).
import { AppError, errorMessage } from '../../lib/errors.ts';
import {
  ObjectChangedError,
  type ObjectHead,
  type ObjectStore,
  PROMPT_DISCOVERY,
} from '../../lib/ingest/object-store.ts';

export function createR2Store(buckets: ReadonlyMap<string, R2Bucket>): ObjectStore {
  const bucketFor = (name: string): R2Bucket => {
    const bucket = buckets.get(name);
    if (!bucket) throw new AppError('internal', `no R2 binding for bucket '${name}'`);
    return bucket;
  };
  // R2 failures are transient: the queue retries; a missing version is a different, final answer.
  const r2 = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ObjectChangedError || error instanceof AppError) throw error;
      throw new AppError('storage_unavailable', `R2 ${what} failed: ${errorMessage(error)}`, { cause: error });
    }
  };
  return {
    head: (bucket, key) =>
      r2('head', async (): Promise<ObjectHead | null> => {
        const object = await bucketFor(bucket).head(key);
        if (!object) return null;
        const prompt = object.customMetadata?.[PROMPT_DISCOVERY.key] === PROMPT_DISCOVERY.value;
        return { etag: object.etag, size: object.size, ...(prompt ? { promptDiscovery: true } : {}) };
      }),
    range: (bucket, key, etag, offset, length) =>
      r2('range read', async () => {
        const object = await bucketFor(bucket).get(key, { range: { offset, length }, onlyIf: { etagMatches: etag } });
        if (!object || !('body' in object))
          throw new ObjectChangedError(`${bucket}/${key} is no longer version ${etag}`);
        return new Uint8Array(await object.arrayBuffer());
      }),
    stream: (bucket, key, etag) =>
      r2('read', async () => {
        const object = await bucketFor(bucket).get(key, { onlyIf: { etagMatches: etag } });
        if (!object || !('body' in object))
          throw new ObjectChangedError(`${bucket}/${key} is no longer version ${etag}`);
        return object.body;
      }),
  };
}
