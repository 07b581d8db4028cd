// How a sync's rows are cut into files (pure): whole responses only, so that a response's rows always
// travel together, and a file over its byte bound is halved until it fits.
import type { AnnotationRow } from './flatten.ts';

/** One response's share of a file: its rows (span rows or a tombstone; none for a response without rows). */
export interface FileUnit<W> {
  readonly rows: readonly AnnotationRow[];
  /** The state saved once the unit's rows are written (null for a deleted response's tombstone). */
  readonly write: W | null;
}

/** A file's content, encoded. */
export interface EncodedFile<W> {
  readonly units: readonly FileUnit<W>[];
  readonly rows: readonly AnnotationRow[];
  readonly bytes: Uint8Array;
  readonly batchId: string;
}

/**
 * Encodes `units` as one file, or, when it comes out larger than `maxBytes`, as the halves of it (by rows,
 * at a unit boundary), recursively. A single unit larger than `maxBytes` stays one file: a response is
 * never split. Units with no rows make no file of their own. `encode` gives each attempt its batch id.
 */
export function encodeWithin<W>(
  units: readonly FileUnit<W>[],
  maxBytes: number,
  encode: (rows: readonly AnnotationRow[]) => { readonly bytes: Uint8Array; readonly batchId: string },
): EncodedFile<W>[] {
  const rows = units.flatMap((u) => u.rows);
  if (rows.length === 0) return [];
  const { bytes, batchId } = encode(rows);
  const withRows = units.filter((u) => u.rows.length > 0);
  if (bytes.byteLength <= maxBytes || withRows.length < 2) return [{ units, rows, bytes, batchId }];
  const cut = halfway(units, rows.length);
  return [...encodeWithin(units.slice(0, cut), maxBytes, encode), ...encodeWithin(units.slice(cut), maxBytes, encode)];
}

/** The unit index that splits the rows nearest to half, leaving rows on both sides. */
function halfway<W>(units: readonly FileUnit<W>[], total: number): number {
  let best = 1;
  let bestGap = Number.POSITIVE_INFINITY;
  let seen = 0;
  for (let i = 0; i < units.length - 1; i++) {
    seen += (units[i] as FileUnit<W>).rows.length;
    if (seen === 0 || seen === total) continue;
    const gap = Math.abs(total / 2 - seen);
    if (gap < bestGap) {
      best = i + 1;
      bestGap = gap;
    }
  }
  return best;
}
