// The ingest queue consumer: one verdict per R2 event (ack or retry), never an ack before the rows are
// committed, bad files recorded and dead-lettered, and one discovery message per batch that loaded data.

import { retryDelaySeconds } from '../core/backoff.ts';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { ingestBatched } from './batch.ts';
import { classifyLoadError, type LoadErrorContext, type LoadErrorOutcome } from './classify-error.ts';
import { describeUnknown, isDelete, keyProblem, normaliseEtag, R2Event } from './event.ts';
import {
  claimHead,
  clearUnsettled,
  type IngestLogEntry,
  type IngestStatus,
  isSettled,
  priorOutcome,
  recordIngest,
  recordOutcome,
} from './ingest-log.ts';
import { loadPush } from './load/push.ts';
import { loadRemote, warehouseReaches } from './load/remote.ts';
import {
  DEFAULT_PUSH_OPTIONS,
  type LoadRequest,
  type LoadResult,
  type PushOptions,
  type Strategy,
} from './load/types.ts';
import { ObjectChangedError, type ObjectHead, type ObjectStore } from './object-store.ts';
import { recordLoadFields } from './profile.ts';
import { type FileFormat, formatOf, type IngestRoute, routeFor, sourceOf, type Target } from './routes.ts';

export interface IngestDeps {
  readonly warehouse: Warehouse;
  readonly store: ObjectStore;
  readonly routes: readonly IngestRoute[];
  readonly strategy: Strategy;
  readonly push?: PushOptions;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly log: Logger;
  /** Sends a permanently failed event to the dead-letter queue. */
  readonly deadLetter: (letter: DeadLetter) => Promise<void>;
  /** Tells the discovery Worker that data was loaded (one call per batch). */
  readonly notifyDiscovery: (note: DiscoveryNote) => Promise<void>;
}

export interface IncomingMessage {
  readonly id: string;
  /** 1 on first delivery. */
  readonly attempts: number;
  readonly body: unknown;
}

export type Verdict =
  | { readonly id: string; readonly action: 'ack' }
  | { readonly id: string; readonly action: 'retry'; readonly delaySeconds: number };

export interface DeadLetter {
  /** bad_file: the file can never load as it is. gave_up: it kept failing for another reason. */
  readonly reason: 'bad_file' | 'gave_up';
  readonly error: string;
  readonly event: unknown;
  readonly attempts: number;
  readonly failedAt: string;
}

export interface LoadedBatch {
  readonly target: Target;
  readonly batchId: string;
  readonly loadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly rows: number;
  /** Its writer asked for a discovery run right after the load (object-store.ts PROMPT_DISCOVERY). */
  readonly prompt?: boolean;
}

export interface DiscoveryNote {
  readonly kind: 'ingested';
  readonly loads: readonly LoadedBatch[];
  readonly sentAt: string;
}

export type Outcome =
  | { readonly kind: 'loaded'; readonly load: LoadedBatch; readonly peakBytes: number }
  | { readonly kind: 'duplicate' | 'deleted' | 'ignored' | 'failed' | 'unknown'; readonly detail: string }
  | { readonly kind: 'retry'; readonly detail: string };

export interface BatchReport {
  readonly verdicts: readonly Verdict[];
  readonly outcomes: readonly (Outcome & { readonly id: string })[];
  readonly counts: Readonly<Record<Outcome['kind'], number>>;
}

/**
 * The strategy for one object. DuckDB reads a `?` in an r2:// URL as the start of query parameters
 * ("Invalid query parameters found"), however it is escaped, and a path's empty, `.` and `..` segments
 * are normalised away or refused; so under `remote` such a key loads with `push`: the Worker reads it
 * through the R2 binding, by its exact key.
 */
export function strategyFor(configured: Strategy, key: string): Strategy {
  if (configured !== 'remote') return configured;
  const unsafe = key.includes('?') || key.split('/').some((s) => s === '' || s === '.' || s === '..');
  return unsafe ? 'push' : configured;
}

/**
 * Deliveries after which a message that keeps failing is given up: recorded as failed and dead-lettered
 * with its last error. The queue delivers a message at most 1 + max_retries times (wrangler.toml: 10) and
 * then dead-letters it on its own, without a record; giving up one delivery earlier keeps the record.
 */
export const GIVE_UP_AFTER_ATTEMPTS = 10;

/** Handles one batch of R2 event notifications. Never throws: every message gets a verdict. */
export async function ingestBatch(
  messages: readonly IncomingMessage[],
  deps: IngestDeps,
  /**
   * Called with each message's verdict as soon as it is settled, so the caller acks a committed file
   * at once: a batch of long loads that outlives the invocation then costs the others no delivery.
   */
  settled: (verdict: Verdict) => void = () => {},
): Promise<BatchReport> {
  const started = deps.clock().getTime();
  const verdicts: Verdict[] = [];
  const outcomes: (Outcome & { id: string })[] = [];
  // Under remote, the batch's small Parquet files first, in a few statements (batch.ts); then each other one.
  const batched = await ingestBatched(messages, deps);
  const order = [...messages.filter((m) => batched.has(m.id)), ...messages.filter((m) => !batched.has(m.id))];
  for (const message of order) {
    let outcome: Outcome;
    try {
      outcome = batched.get(message.id) ?? (await handleMessage(message, deps));
    } catch (error) {
      // Retried with backoff either way, and given up after GIVE_UP_AFTER_ATTEMPTS deliveries.
      if (error instanceof AppError && error.retryable) {
        deps.log.warn('ingest: transient failure, will retry', {
          messageId: message.id,
          attempts: message.attempts,
          error: error.message,
        });
      } else {
        deps.log.error('ingest: unexpected failure, will retry', { messageId: message.id, error: errorMessage(error) });
      }
      outcome = { kind: 'retry', detail: errorMessage(error) };
    }
    if (outcome.kind === 'retry' && message.attempts >= GIVE_UP_AFTER_ATTEMPTS)
      outcome = await giveUp(message, outcome.detail, deps);
    outcomes.push({ ...outcome, id: message.id });
    const verdict: Verdict =
      outcome.kind === 'retry'
        ? { id: message.id, action: 'retry', delaySeconds: retryDelaySeconds(message.attempts) }
        : { id: message.id, action: 'ack' };
    verdicts.push(verdict);
    settled(verdict);
  }
  // In the batch's order, whichever path settled each message.
  const position = new Map(messages.map((m, i) => [m.id, i]));
  const at = (id: string) => position.get(id) ?? 0;
  verdicts.sort((a, b) => at(a.id) - at(b.id));
  outcomes.sort((a, b) => at(a.id) - at(b.id));
  const loads = outcomes.flatMap((o) => (o.kind === 'loaded' ? [o.load] : []));
  if (loads.length > 0) {
    try {
      await deps.notifyDiscovery({ kind: 'ingested', loads, sentAt: deps.clock().toISOString() });
    } catch (error) {
      // The rows are committed; the hourly discovery run picks them up anyway.
      deps.log.error('ingest: could not notify discovery', { error: errorMessage(error) });
    }
  }
  const counts = { loaded: 0, duplicate: 0, deleted: 0, ignored: 0, failed: 0, unknown: 0, retry: 0 };
  for (const o of outcomes) counts[o.kind]++;
  deps.log.info('ingest: batch done', {
    messages: messages.length,
    ...counts,
    durationMs: deps.clock().getTime() - started,
  });
  return { verdicts, outcomes, counts };
}

/** One message, as a sequence of steps; each may settle it with an outcome before the load. */
async function handleMessage(message: IncomingMessage, deps: IngestDeps): Promise<Outcome> {
  const started = deps.clock();
  const read = readEvent(message.body);
  if (!read.ok) return acknowledgeUnknown(deps, message, read.detail, started);
  if (isDelete(read.event)) return recordDelete(deps, message, read.event, started);
  const load = await admitLoad(deps, message, read.event, started);
  if (load.kind !== 'admitted') return load;
  let result: LoadResult;
  try {
    result = await loadObject(deps, load);
  } catch (error) {
    return settleFailedLoad(deps, load, error);
  }
  return reportLoaded(deps, load, result);
}

type ReadEvent = { readonly ok: true; readonly event: R2Event } | { readonly ok: false; readonly detail: string };

/** The body as an R2 event notification the consumer can act on: a delete, or a create with an eTag. */
function readEvent(body: unknown): ReadEvent {
  const parsed = R2Event.safeParse(body);
  if (!parsed.success) {
    return { ok: false, detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  }
  if (!isDelete(parsed.data) && parsed.data.object.eTag === undefined) {
    return { ok: false, detail: 'create event without an eTag' };
  }
  return { ok: true, event: parsed.data };
}

/** A message that is not an R2 event: logged, recorded as ignored if the warehouse takes the record, acked. */
async function acknowledgeUnknown(
  deps: IngestDeps,
  message: IncomingMessage,
  detail: string,
  started: Date,
): Promise<Outcome> {
  const { bucket, key } = describeUnknown(message.body);
  deps.log.warn('ingest: message is not an R2 event notification, acking', {
    messageId: message.id,
    bucket,
    key,
    detail,
  });
  await recordSafely(
    deps,
    base(deps, { bucket, key, etag: `unknown:${message.id}`, action: 'unknown', attempts: message.attempts, started }),
    'ignored',
    detail,
  );
  return { kind: 'unknown', detail };
}

/** A delete, recorded once; the rows loaded from the object are kept. */
async function recordDelete(
  deps: IngestDeps,
  message: IncomingMessage,
  event: R2Event,
  started: Date,
): Promise<Outcome> {
  const { bucket } = event;
  const { key } = event.object;
  const etag = `deleted@${event.eventTime}`;
  const eventTime = new Date(event.eventTime);
  if (isSettled((await priorOutcome(deps.warehouse, { bucket, key, etag, eventTime })).status))
    return { kind: 'duplicate', detail: 'delete already recorded' };
  await recordOutcome(deps.warehouse, {
    ...entryFor(deps, message, event, etag, started),
    status: 'deleted',
    finishedAt: deps.clock(),
  });
  return { kind: 'deleted', detail: `${bucket}/${key} deleted (${event.action}); loaded rows are kept` };
}

/** A load that threw: what deciding its outcome needs. */
interface FailedLoad {
  readonly message: IncomingMessage;
  readonly bucket: string;
  readonly key: string;
  /** Normalised. */
  readonly etag: string;
  readonly strategy: Strategy;
  /** The object's size, as its head reported it before the load. */
  readonly size: number;
  /** Its ingest_log entry (target and strategy known), for whatever outcome the load comes to. */
  readonly entry: Base;
}

/** An object version that passed every check before its load, with what the load needs. */
interface AdmittedLoad extends FailedLoad {
  readonly kind: 'admitted';
  readonly eventTime: Date;
  readonly started: Date;
  readonly target: Target;
  readonly format: FileFormat;
  readonly loadId: string;
  /** The object's writer asked for a prompt discovery run. */
  readonly prompt: boolean;
}

/**
 * The checks before a load, in order: is this event settled already, which route takes the object, is the
 * version the event names still the object's own and not older than the one loaded. An outcome when one of
 * them settles the event.
 */
async function admitLoad(
  deps: IngestDeps,
  message: IncomingMessage,
  event: R2Event,
  started: Date,
): Promise<AdmittedLoad | Outcome> {
  const { bucket } = event;
  const { key } = event.object;
  const etag = normaliseEtag(event.object.eTag as string);
  const eventTime = new Date(event.eventTime);
  const entry = entryFor(deps, message, event, etag, started);
  // Idempotent per event. The same bytes uploaded again later are a new event: they load if another version
  // came in between (a revert) and are a recorded no-op otherwise. A failure or an ignore is not final: a
  // later delivery (a replay from the dead-letter queue) tries again.
  // The object's head is asked for meanwhile (R2 and the warehouse in parallel); used only if it gets that far.
  const heading = deps.store.head(bucket, key);
  heading.catch(() => {});
  const prior = await priorOutcome(deps.warehouse, { bucket, key, etag, eventTime });
  if (isSettled(prior.status)) return { kind: 'duplicate', detail: `already ${prior.status}` };
  const routed = await routeObject(deps, message, entry);
  if (routed.kind !== 'routed') return routed;
  const head = await heading;
  if (!head) return ignore(deps, routed.entry, 'the object no longer exists (deleted before it could be loaded)');
  const stale = staleVersion(head, etag, eventTime, prior.newestLoaded);
  if (stale !== null) return ignore(deps, routed.entry, stale);
  return {
    kind: 'admitted',
    message,
    bucket,
    key,
    etag,
    eventTime,
    started,
    target: routed.target,
    format: routed.format,
    strategy: routed.strategy,
    size: head.size,
    loadId: deps.newId(),
    entry: routed.entry,
    prompt: head.promptDiscovery === true,
  };
}

interface Routed {
  readonly kind: 'routed';
  readonly target: Target;
  readonly format: FileFormat;
  readonly strategy: Strategy;
  readonly entry: Base;
}

/** The table, format and strategy the object loads with, or the outcome of an object no route loads. */
async function routeObject(deps: IngestDeps, message: IncomingMessage, entry: Base): Promise<Routed | Outcome> {
  const { bucket, key } = entry;
  const route = routeFor(deps.routes, bucket, key);
  if (!route)
    return ignore(deps, entry, `no ingest route for bucket '${bucket}'${key.includes('/') ? ` and key '${key}'` : ''}`);
  const format = formatOf(key);
  if (!format) return ignore(deps, entry, 'not a .parquet or .csv file', route.target);
  const strategy = strategyFor(deps.strategy, key);
  const routed = { ...entry, target: route.target, strategy };
  const problem =
    keyProblem(key) ??
    (format === 'csv' && route.target !== 'structured_data'
      ? `CSV loads only into structured_data; ${route.target} takes Parquet`
      : null);
  if (problem) return fail(deps, message, routed, `${bucket}/${key}: ${problem}`, 'bad_file');
  return { kind: 'routed', target: route.target, format, strategy, entry: routed };
}

/**
 * Why the version an event names is not the one to load, or null: another version replaced it, a later
 * event of the object is loaded already, or the same content is the object's newest loaded version.
 */
export function staleVersion(
  head: ObjectHead,
  etag: string,
  eventTime: Date,
  newest: { readonly eventTime: Date; readonly etag: string } | null,
): string | null {
  if (normaliseEtag(head.etag) !== etag)
    return 'a newer version of the object replaced this one; its own event loads it';
  if (newest !== null && newest.eventTime > eventTime) {
    return `a later event of this object (${newest.eventTime.toISOString()}) is already loaded; this one came late`;
  }
  if (newest !== null && newest.etag === etag) {
    return `the same content (eTag ${etag}) is the object's newest loaded version, from the event of ${newest.eventTime.toISOString()}; nothing to load`;
  }
  return null;
}

/**
 * Loads the object in one transaction with everything that records it (its head claim, the fields of its
 * JSON column, its ingest_log row): all of it is committed, or none. Statements that do not wait for each
 * other's answers go out together (postgres.js pipelines them on the transaction's connection): the claim
 * with the loader's first questions, and the records after the load with each other, so a file costs
 * BEGIN, the first questions, the load, the records and COMMIT (test/node/ingest-round-trips.test.ts).
 */
async function loadObject(deps: IngestDeps, load: AdmittedLoad): Promise<LoadResult> {
  const { bucket, key, etag, eventTime, loadId, started, target } = load;
  return deps.warehouse.transaction(async (tx) => {
    // First on the wire, so that a concurrent load of the same object conflicts before either reads the file.
    const claimed = claimHead(tx, { bucket, key, etag, eventTime, loadId });
    claimed.catch(() => {});
    const request: LoadRequest = {
      target,
      format: load.format,
      bucket,
      key,
      etag,
      size: load.size,
      loadId,
      now: started,
      eventTime,
      source: sourceOf(key),
    };
    let loaded: LoadResult;
    try {
      loaded =
        load.strategy === 'push'
          ? await loadPush(tx, deps.store, request, deps.push ?? DEFAULT_PUSH_OPTIONS)
          : await loadRemote(tx, request);
    } catch (error) {
      // A failed claim fails what came after it in the transaction: its error is the one that says why.
      await claimed;
      throw error;
    }
    await claimed;
    const records = [
      recordLoadFields(tx, { loadId, target, source: request.source, now: started }, loaded.profile),
      clearUnsettled(tx, load.entry),
      recordIngest(tx, {
        ...load.entry,
        id: loadId,
        batchId: loaded.batchId,
        schemaVersion: loaded.schemaVersion,
        rows: loaded.rows,
        bytes: load.size,
        status: 'loaded',
        finishedAt: deps.clock(),
      }),
    ];
    for (const r of records) r.catch(() => {});
    if (load.strategy === 'remote') {
      // The warehouse reads the object by name, not by version: if another version replaced it since the
      // head, the rows may be that version's, under this one's eTag. Its own event loads it. (The records
      // are in flight meanwhile; the rollback undoes them.)
      const after = await deps.store.head(bucket, key);
      if (after && normaliseEtag(after.etag) !== etag) throw new ObjectChangedError(`${bucket}/${key} changed`);
    }
    await Promise.all(records);
    return loaded;
  });
}

/** The outcome of a load that threw, as classifyLoadError decides it. */
async function settleFailedLoad(deps: IngestDeps, load: FailedLoad, error: unknown): Promise<Outcome> {
  const decided = await classifyFailure(deps, load, error);
  switch (decided.kind) {
    case 'object_changed':
    case 'object_gone':
      return ignore(deps, load.entry, decided.reason);
    case 'bad_file':
      return fail(deps, load.message, load.entry, decided.error, decided.code);
    case 'concurrent_load':
      // This event delivered twice, or another event of the object, committed first: the retry sees it and
      // settles this one against it.
      return retrying(deps, load.entry, decided.detail);
    case 'warehouse_failed':
      deps.log.warn('ingest: the warehouse could not load the file, will retry', {
        messageId: load.message.id,
        attempts: load.message.attempts,
        bucket: load.bucket,
        key: load.key,
        sqlstate: decided.sqlstate,
        error: decided.message,
      });
      return retrying(deps, load.entry, decided.detail);
    case 'transient':
    case 'unknown':
      // ingestBatch retries it with backoff, and gives up after GIVE_UP_AFTER_ATTEMPTS deliveries.
      throw error;
  }
}

/** classifyLoadError, given each fact it asks for: the object's head now, whether the warehouse reaches it. */
async function classifyFailure(
  deps: IngestDeps,
  load: FailedLoad,
  error: unknown,
): Promise<Exclude<LoadErrorOutcome, { kind: 'ask' }>> {
  const { bucket, key } = load;
  let context: LoadErrorContext = { file: `${bucket}/${key}`, etag: load.etag, strategy: load.strategy };
  for (;;) {
    const decided = classifyLoadError(error, context);
    if (decided.kind !== 'ask') return decided;
    context =
      decided.fact === 'headNow'
        ? { ...context, headNow: await deps.store.head(bucket, key) }
        : { ...context, reachable: await warehouseReaches(deps.warehouse, { bucket, key, size: load.size }) };
  }
}

/** Logs a committed load; its outcome goes into the batch's note to discovery. */
function reportLoaded(deps: IngestDeps, load: AdmittedLoad, result: LoadResult): Outcome {
  const { bucket, key, target, loadId } = load;
  deps.log.info('ingest: loaded', {
    bucket,
    key,
    target,
    rows: result.rows,
    strategy: load.strategy,
    batchId: result.batchId,
    peakBytes: result.peakBytes,
    ...(result.warehouseWaitMs !== undefined ? { warehouseWaitMs: result.warehouseWaitMs } : {}),
  });
  return {
    kind: 'loaded',
    load: {
      target,
      batchId: result.batchId,
      loadId,
      bucket,
      key,
      rows: result.rows,
      ...(load.prompt ? { prompt: true } : {}),
    },
    peakBytes: result.peakBytes,
  };
}

type Base = Omit<IngestLogEntry, 'status' | 'finishedAt'>;

function base(
  deps: IngestDeps,
  e: { bucket: string; key: string; etag: string; action: string; attempts: number; started: Date; eventTime?: Date },
): Base {
  return {
    id: deps.newId(),
    bucket: e.bucket,
    key: e.key,
    etag: e.etag,
    action: e.action,
    target: null,
    strategy: null,
    batchId: null,
    schemaVersion: null,
    rows: null,
    bytes: null,
    error: null,
    errorCode: null,
    attempts: e.attempts,
    eventTime: e.eventTime ?? null,
    startedAt: e.started,
  };
}

/** The entry of an event's object version, before its outcome. */
function entryFor(deps: IngestDeps, message: IncomingMessage, event: R2Event, etag: string, started: Date): Base {
  return base(deps, {
    bucket: event.bucket,
    key: event.object.key,
    etag,
    action: event.action,
    attempts: message.attempts,
    started,
    eventTime: new Date(event.eventTime),
  });
}

async function ignore(deps: IngestDeps, entry: Base, reason: string, target?: Target): Promise<Outcome> {
  await recordOutcome(deps.warehouse, {
    ...entry,
    ...(target ? { target } : {}),
    status: 'ignored',
    error: reason,
    finishedAt: deps.clock(),
  });
  deps.log.info('ingest: ignored', { bucket: entry.bucket, key: entry.key, reason });
  return { kind: 'ignored', detail: reason };
}

function letter(deps: IngestDeps, message: IncomingMessage, reason: DeadLetter['reason'], error: string): DeadLetter {
  return { reason, error, event: message.body, attempts: message.attempts, failedAt: deps.clock().toISOString() };
}

async function fail(
  deps: IngestDeps,
  message: IncomingMessage,
  entry: Base,
  error: string,
  code: string,
): Promise<Outcome> {
  // Dead-lettered before it is recorded: if either step fails the message is retried, never lost
  // (at worst the dead-letter queue sees it twice).
  await deps.deadLetter(letter(deps, message, 'bad_file', error));
  await recordOutcome(deps.warehouse, { ...entry, status: 'failed', error, errorCode: code, finishedAt: deps.clock() });
  deps.log.warn('ingest: rejected a bad file', { bucket: entry.bucket, key: entry.key, error });
  return { kind: 'failed', detail: error };
}

/**
 * The last delivery of a message that kept failing: dead-lettered with its last error, then recorded as
 * failed if the warehouse takes the record (it may be the thing that is down), and acked. If even the
 * dead-letter queue refuses it, it is retried and the queue dead-letters it on its own.
 */
async function giveUp(message: IncomingMessage, detail: string, deps: IngestDeps): Promise<Outcome> {
  const parsed = R2Event.safeParse(message.body);
  const where = parsed.success
    ? { bucket: parsed.data.bucket, key: parsed.data.object.key }
    : describeUnknown(message.body);
  const file = `${where.bucket}/${where.key}: `;
  const error = `${file}gave up after ${message.attempts} deliveries: ${detail.startsWith(file) ? detail.slice(file.length) : detail}`;
  try {
    await deps.deadLetter(letter(deps, message, 'gave_up', error));
  } catch (e) {
    deps.log.error('ingest: could not dead-letter a message that kept failing', {
      messageId: message.id,
      error: errorMessage(e),
    });
    return { kind: 'retry', detail };
  }
  if (parsed.success && !isDelete(parsed.data) && parsed.data.object.eTag !== undefined) {
    const event = parsed.data;
    const route = routeFor(deps.routes, event.bucket, event.object.key);
    const entry = entryFor(deps, message, event, normaliseEtag(event.object.eTag as string), deps.clock());
    try {
      await recordOutcome(deps.warehouse, {
        ...entry,
        target: route?.target ?? null,
        strategy: strategyFor(deps.strategy, event.object.key),
        status: 'failed',
        error,
        errorCode: 'gave_up',
        finishedAt: deps.clock(),
      });
    } catch (e) {
      deps.log.error('ingest: could not record a message given up', { messageId: message.id, error: errorMessage(e) });
    }
  }
  deps.log.error('ingest: gave up on a message, dead-lettered', { messageId: message.id, ...where, error });
  return { kind: 'failed', detail: error };
}

/** A retry, recorded as `retrying` with its reason and attempt until the event settles. */
async function retrying(deps: IngestDeps, entry: Base, detail: string): Promise<Outcome> {
  await recordSafely(deps, entry, 'retrying', detail);
  return { kind: 'retry', detail };
}

/** Records an outcome without letting a recording failure change it (for messages we cannot act on). */
async function recordSafely(deps: IngestDeps, entry: Base, status: IngestStatus, detail: string): Promise<void> {
  try {
    await recordOutcome(deps.warehouse, { ...entry, status, error: detail, finishedAt: deps.clock() });
  } catch (error) {
    deps.log.error('ingest: could not record an outcome', { error: errorMessage(error) });
  }
}
