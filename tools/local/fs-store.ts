// Local R2 buckets as directories (Node only): the object store the ingest consumer reads when it runs in
// Node, for benchmarks and tests that load through the real consumer without workerd.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { ObjectChangedError, type ObjectHead, type ObjectStore } from '../../lib/ingest/object-store.ts';

/** An ObjectStore over `bucket -> directory`; eTags are MD5s of the content, as R2's are for simple uploads. */
export function directoryStore(directories: Readonly<Record<string, string>>): ObjectStore {
  const path = (bucket: string, key: string) => {
    const dir = directories[bucket];
    const rel = normalize(key);
    if (!dir || rel.startsWith('..')) throw new Error(`no local bucket for ${bucket}/${key}`);
    return join(dir, rel);
  };
  const etags = new Map<string, { mtimeMs: number; size: number; etag: string }>();
  const head = async (bucket: string, key: string): Promise<ObjectHead | null> => {
    const file = path(bucket, key);
    const info = await stat(file).catch(() => null);
    if (!info) return null;
    const cached = etags.get(file);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size)
      return { etag: cached.etag, size: info.size };
    const etag = createHash('md5')
      .update(await readFile(file))
      .digest('hex');
    etags.set(file, { mtimeMs: info.mtimeMs, size: info.size, etag });
    return { etag, size: info.size };
  };
  const pinned = async (bucket: string, key: string, etag: string) => {
    const now = await head(bucket, key);
    if (!now || now.etag !== etag) throw new ObjectChangedError(`${bucket}/${key} changed`);
    return path(bucket, key);
  };
  return {
    head,
    async range(bucket, key, etag, offset, length) {
      const handle = await open(await pinned(bucket, key, etag), 'r');
      try {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async stream(bucket, key, etag) {
      const bytes = await readFile(await pinned(bucket, key, etag));
      return Readable.toWeb(Readable.from([new Uint8Array(bytes)])) as ReadableStream<Uint8Array>;
    },
  };
}
