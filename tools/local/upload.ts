// Putting files into the local R2 of `npm start` as R2 would receive them, and waiting for the ingest
// consumer's verdict: `npm run upload` and the Argilla backfill both go through here. Miniflare emits no
// event notifications, so the upload goes through the main Worker's local-only PUT /v1/objects, which
// stores the object and queues the notification R2 would send.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveR2Url } from '../embedded-warehouse/r2-paths.ts';
import type { LocalConfig } from './config.ts';
import { type DevVars, localPublicUrl } from './dev-vars.ts';

/** An expected failure, said in one line (the CLIs print it and exit 1). */
export class UploadError extends Error {
  override readonly name = 'UploadError';
}

/** Why a key cannot be uploaded as it is, or null. */
export function uploadKeyProblem(key: string, fileName = 'file.parquet'): string | null {
  if (key === '' || key.endsWith('/')) return `key '${key}' names no object: give a file name, e.g. ${fileName}`;
  // The key travels in a URL path, where `.`, `..` and empty segments would be rewritten on the way.
  if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return `key '${key}' has an empty, '.' or '..' segment, which a URL path cannot carry as it is`;
  }
  if (key.includes('\0')) return 'a key may not contain a NUL character';
  if (new TextEncoder().encode(key).length > 1024)
    return `key '${key.slice(0, 40)}...' is longer than R2's 1,024 bytes`;
  return null;
}

/** The main Worker of `npm start`: WORKER_PORT when set, else .dev.vars' loopback PUBLIC_URL (npm start keeps it on the Worker's port). */
export function localWorkerUrl(config: LocalConfig, devVars: DevVars): string {
  const started = localPublicUrl(devVars);
  return process.env.WORKER_PORT || !started ? `http://127.0.0.1:${config.ports.worker}` : started;
}

export interface LocalStack {
  /** The main Worker's base URL. */
  readonly base: string;
  /** API_TOKEN of .dev.vars (PUT /v1/objects is a write). */
  readonly token: string;
  /** Each bucket's directory the embedded warehouse reads r2:// URLs from (the `remote` strategy). */
  readonly r2Directories: Readonly<Record<string, string>>;
}

/** A stored object and the notification queued for it. */
export interface LocalUpload {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  /** The queued event's time: an ingest_log row of this upload has it. */
  readonly eventTime: string;
}

/**
 * Stores `body` as bucket/key in the running stack and queues its notification. A copy goes to the bucket's
 * directory first (the `remote` strategy reads it there, and the event may be handled at once); what was
 * there is put back if the upload is refused. Throws UploadError for every expected failure.
 */
export async function putLocalObject(
  stack: LocalStack,
  o: { readonly bucket: string; readonly key: string; readonly body: Uint8Array },
): Promise<LocalUpload> {
  const problem = uploadKeyProblem(o.key);
  if (problem) throw new UploadError(problem);
  let restore = () => {};
  if (stack.r2Directories[o.bucket]) {
    let mirror: string;
    try {
      mirror = resolveR2Url(`r2://${o.bucket}/${o.key}`, stack.r2Directories);
    } catch (error) {
      throw new UploadError(`key '${o.key}' cannot be stored locally: ${(error as Error).message}`);
    }
    const previous = existsSync(mirror) ? readFileSync(mirror) : null;
    mkdirSync(dirname(mirror), { recursive: true });
    writeFileSync(mirror, o.body);
    restore = () => (previous === null ? rmSync(mirror, { force: true }) : writeFileSync(mirror, previous));
  }
  let response: Response;
  try {
    response = await fetch(
      `${stack.base}/v1/objects/${encodeURIComponent(o.bucket)}/${o.key.split('/').map(encodeURIComponent).join('/')}`,
      { method: 'PUT', headers: { authorization: `Bearer ${stack.token}` }, body: o.body },
    );
  } catch {
    restore();
    throw new UploadError(`cannot reach the main Worker at ${stack.base}: is \`npm start\` running?`);
  }
  const body = (await response.json().catch(() => ({ error: { message: `HTTP ${response.status}, not JSON` } }))) as {
    etag?: string;
    size?: number;
    event?: { eventTime: string };
    error?: { message: string };
  };
  if (!response.ok) {
    restore();
    throw new UploadError(`upload refused (${response.status}): ${body.error?.message ?? JSON.stringify(body)}`);
  }
  return {
    bucket: o.bucket,
    key: o.key,
    etag: body.etag ?? '',
    size: body.size ?? o.body.byteLength,
    eventTime: body.event?.eventTime ?? '',
  };
}

/** A row of GET /api/ingestions, as far as a verdict needs it. */
export interface Ingestion {
  readonly key: string;
  readonly etag: string;
  readonly eventTime: string | null;
  readonly status: string;
  readonly attempts: number;
  readonly rows: number | null;
  readonly target: string | null;
  readonly strategy: string | null;
  readonly error: string | null;
}

/** An object to wait for: its key and eTag, and its event's time when known (the same bytes may have been uploaded before). */
export interface AwaitedObject {
  readonly key: string;
  readonly etag: string;
  readonly eventTime?: string;
}

export interface WaitOptions {
  /** The Worker whose GET /api/ingestions answers. */
  readonly base: string;
  readonly bucket: string;
  /** Sent as a bearer token (needed when READ_AUTH=token). */
  readonly token?: string;
  /** Read the log from this instant on (default: 5 minutes before the earliest event time, else before now). */
  readonly since?: Date;
  /** Give up after this long without news (a verdict, or a retrying row's new attempt or error); default 120 s. */
  readonly idleMs?: number;
  readonly pollMs?: number;
  readonly onPoll?: () => void;
  /** A retrying row with a new error. */
  readonly onRetry?: (object: AwaitedObject, row: Ingestion) => void;
  readonly onVerdict?: (object: AwaitedObject, row: Ingestion) => void;
}

export interface WaitResult {
  /** The final row of each object that got a verdict (loaded, failed, ignored, deleted), by key. */
  readonly verdicts: ReadonlyMap<string, Ingestion>;
  /** Objects still without a verdict when waiting stopped, with their last retrying row's error if any. */
  readonly pending: readonly { readonly object: AwaitedObject; readonly lastError: string | null }[];
}

/**
 * Polls the ingestion log until every object has a verdict, or nothing new was heard for `idleMs`. A
 * `retrying` row is not a verdict: the consumer tries again and its outcome replaces the row.
 */
export async function waitForIngestions(objects: readonly AwaitedObject[], o: WaitOptions): Promise<WaitResult> {
  const idleMs = o.idleMs ?? 120_000;
  const pollMs = o.pollMs ?? 1000;
  const waiting = new Map(objects.map((obj) => [obj.key, obj]));
  const verdicts = new Map<string, Ingestion>();
  const lastRetry = new Map<string, string>();
  const lastAttempt = new Map<string, number>();
  // The log is read from a little before the first event: rows start when the consumer takes the message.
  const times = objects.flatMap((obj) => (obj.eventTime ? [Date.parse(obj.eventTime)] : []));
  const since = new Date((times.length > 0 ? Math.min(...times) : Date.now()) - 5 * 60_000).toISOString().slice(0, 19);
  let heard = Date.now();
  while (waiting.size > 0 && Date.now() - heard < idleMs) {
    await new Promise((r) => setTimeout(r, pollMs));
    o.onPoll?.();
    const rows = await readIngestions(o, since);
    // The Worker may be restarting: a failed poll is tried again until the deadline.
    if (rows === null) continue;
    for (const row of rows) {
      const obj = waiting.get(row.key);
      if (!obj || row.etag !== obj.etag) continue;
      if (obj.eventTime && (row.eventTime === null || Date.parse(row.eventTime) !== Date.parse(obj.eventTime)))
        continue;
      if (row.status === 'retrying') {
        if (lastAttempt.get(row.key) !== row.attempts) heard = Date.now();
        lastAttempt.set(row.key, row.attempts);
        if (lastRetry.get(row.key) !== (row.error ?? '')) {
          lastRetry.set(row.key, row.error ?? '');
          heard = Date.now();
          o.onRetry?.(obj, row);
        }
        continue;
      }
      waiting.delete(row.key);
      verdicts.set(row.key, row);
      heard = Date.now();
      o.onVerdict?.(obj, row);
    }
  }
  return {
    verdicts,
    pending: [...waiting.values()].map((object) => ({
      object,
      lastError: lastRetry.get(object.key) ?? null,
    })),
  };
}

/** Every ingest_log row of the bucket since `since`, newest first; null when the Worker did not answer. */
async function readIngestions(o: WaitOptions, since: string): Promise<Ingestion[] | null> {
  const rows: Ingestion[] = [];
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  for (let offset = 0; ; offset += 1000) {
    const url = `${o.base}/api/ingestions?bucket=${encodeURIComponent(o.bucket)}&since=${since}&limit=1000&offset=${offset}`;
    const res = await fetch(url, { headers }).catch(() => null);
    if (!res?.ok) return null;
    const body = (await res.json().catch(() => null)) as { ingestions?: Ingestion[] } | null;
    if (!body?.ingestions) return null;
    rows.push(...body.ingestions);
    if (body.ingestions.length < 1000) return rows;
  }
}
