// Why a load failed, as the consumer acts on it: a bad file (recorded, dead-lettered), an object that changed
// or went away (ignored: its own event settles it), a concurrent load or a warehouse in trouble (retried).
import { AppError } from '../errors.ts';
import { normaliseEtag } from './event.ts';
import type { Strategy } from './load/types.ts';
import type { ObjectHead } from './object-store.ts';
import { ObjectChangedError } from './object-store.ts';
import { BadFileError } from './plan.ts';

/** What the failed load was, and the facts gathered since it failed (each only once asked for). */
export interface LoadErrorContext {
  /** `bucket/key`, as messages name the object. */
  readonly file: string;
  /** The (normalised) eTag of the version that was being loaded. */
  readonly etag: string;
  readonly strategy: Strategy;
  /** The object's head after the failure, null when it is gone; absent until asked for. */
  readonly headNow?: ObjectHead | null;
  /** Whether the warehouse reaches the object at the size R2 reported (warehouseReaches); absent until asked for. */
  readonly reachable?: boolean;
}

export type LoadErrorOutcome =
  /** The file can never load as it is: recorded as failed under `code` and dead-lettered. */
  | { readonly kind: 'bad_file'; readonly error: string; readonly code: string }
  /** Another version replaced the object while it was read: ignored, the newer version loads on its own event. */
  | { readonly kind: 'object_changed'; readonly reason: string }
  /** The object was deleted while it was loaded: ignored. */
  | { readonly kind: 'object_gone'; readonly reason: string }
  /** Another load of this object committed first: recorded as retrying; the retry settles against it. */
  | { readonly kind: 'concurrent_load'; readonly detail: string }
  /** The warehouse could not load it for a reason of its own (I/O, memory, not migrated): recorded as retrying. */
  | {
      readonly kind: 'warehouse_failed';
      readonly detail: string;
      readonly sqlstate: string | undefined;
      readonly message: string;
    }
  /** A transient warehouse error (unreachable, timed out, auth, serialization): thrown on, and retried. */
  | { readonly kind: 'transient' }
  /** Anything else: thrown on, and retried as unexpected. */
  | { readonly kind: 'unknown' }
  /** Undecided until the context holds this fact. */
  | { readonly kind: 'ask'; readonly fact: 'headNow' | 'reachable' };

/** A concurrent load of the same object committed first: a unique violation, a serialization failure. */
const TRANSIENT_WHILE_RECORDING = new Set(['23505', '40001']);

const CHANGED_WHILE_READ = 'the object changed while it was being read; the newer version loads on its own event';

/**
 * What a load's failure means, from the error and the context alone (pure): the first match wins, in this
 * order. An error the warehouse raised for a reason other than the data may be about the object instead
 * (remote reads it by name): that asks for the object's head now, and for a remote I/O error (58030),
 * whether the warehouse reaches the object at all.
 */
export function classifyLoadError(error: unknown, context: LoadErrorContext): LoadErrorOutcome {
  if (error instanceof ObjectChangedError) return { kind: 'object_changed', reason: CHANGED_WHILE_READ };
  if (error instanceof BadFileError) return { kind: 'bad_file', error: error.message, code: 'bad_file' };
  if (!(error instanceof AppError)) return { kind: 'unknown' };
  if (error.retryable) return { kind: 'transient' };
  if (error.sqlstate !== undefined && TRANSIENT_WHILE_RECORDING.has(error.sqlstate)) {
    return { kind: 'concurrent_load', detail: 'another load of this object was committed at the same time' };
  }
  if (error.code !== 'warehouse_query') return { kind: 'unknown' };
  const { file } = context;
  if (isDataError(error.sqlstate)) {
    return {
      kind: 'bad_file',
      error: `${file}: the warehouse refused the data: ${reason(error.message)}`,
      code: error.sqlstate ?? 'warehouse_query',
    };
  }
  if (context.headNow === undefined) return { kind: 'ask', fact: 'headNow' };
  if (context.headNow === null) {
    return { kind: 'object_gone', reason: 'the object no longer exists (deleted while it was being loaded)' };
  }
  if (normaliseEtag(context.headNow.etag) !== context.etag)
    return { kind: 'object_changed', reason: CHANGED_WHILE_READ };
  if (context.strategy === 'remote' && error.sqlstate === '58030') {
    if (context.reachable === undefined) return { kind: 'ask', fact: 'reachable' };
    if (context.reachable) {
      return {
        kind: 'bad_file',
        error: `${file}: the warehouse reads the object but cannot load it: ${reason(error.message)}`,
        code: error.sqlstate,
      };
    }
  }
  return {
    kind: 'warehouse_failed',
    detail: `${file}: the warehouse could not load it: ${reason(error.message)}`,
    sqlstate: error.sqlstate,
    message: error.message,
  };
}

/**
 * Whether a warehouse error condemns the data itself, so that the same file fails the same way every
 * time: data exceptions (22: a value that does not convert, a corrupt or truncated file), constraint
 * violations other than a concurrent duplicate (23: NOT NULL, CHECK) and features the file needs that the
 * warehouse does not have (0A000: an unsupported compression or encoding). Anything else (an I/O error
 * reading the object, memory, a missing table before a migration, an internal error) is about the
 * warehouse's state, so it is retried and given up only after GIVE_UP_AFTER_ATTEMPTS deliveries (consumer.ts).
 */
export function isDataError(sqlstate: string | undefined): boolean {
  if (sqlstate === undefined || sqlstate === '23505') return false;
  return sqlstate.startsWith('22') || sqlstate.startsWith('23') || sqlstate === '0A000';
}

/**
 * A warehouse error as the reason a file failed: DuckDB's message without the statement excerpt it
 * appends ("LINE 1: INSERT INTO ..."), which shows the loader's SQL, not the file's problem.
 */
function reason(message: string): string {
  return message.split(/\n\s*LINE \d+:/)[0]?.trim() ?? message;
}
