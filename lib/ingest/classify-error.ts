// Why a load failed, as the consumer acts on it: a bad file (recorded, dead-lettered), an object that changed
// (ignored), a conflict or a warehouse in trouble (retried).

/** A concurrent load of the same object committed first: a unique violation, a serialization failure. */
export const TRANSIENT_WHILE_RECORDING = new Set(['23505', '40001']);

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
export function reason(message: string): string {
  return message.split(/\n\s*LINE \d+:/)[0]?.trim() ?? message;
}
