// `push` for CSV: the Worker streams the object, parses it, types its columns from the first rows as DuckDB's
// read_csv would and sends batches bounded by rows and by text.
import { CsvError, CsvParser, type CsvType, csvColumns, fits, inferType } from '../csv.ts';
import { parseDuckType } from '../duck-types.ts';
import { pushInsert } from '../load-sql.ts';
import { type LoadPlan, planLoad, uniqueNames } from '../plan.ts';
import { duckShapes, profileOf } from '../profile.ts';
import { csvTransport, type TransportColumn } from '../transport.ts';
import { closeSuperseded, derivedBatchId, fileName, loadContext, probeSuperseded } from './context.ts';
import { Pipeline, transportChars } from './pipeline.ts';
import type { PushLoader } from './types.ts';

const CSV_SAMPLE_ROWS = 20_480;
/**
 * Text the CSV push holds at once, as the row counts would not bound it (a 30 MB file of long fields
 * held 120 MB): the sample stops at this much text, and a batch is sent once it holds half of it.
 */
const CSV_HELD_CHARS = 4 * 1024 * 1024;

const rowChars = (row: readonly string[]): number => row.reduce((n, f) => n + f.length, 0);

/** How many leading rows (of these sizes) to take: at most `rows`, stopping once they hold `chars` of text. */
function leading(sizes: readonly number[], rows: number, chars: number): { n: number; chars: number } {
  let n = 0;
  let held = 0;
  while (n < sizes.length && n < rows && held < chars) held += sizes[n++] as number;
  return { n, chars: held };
}

async function* csvRows(stream: ReadableStream<Uint8Array>): AsyncGenerator<string[][]> {
  const parser = new CsvParser();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let text: string;
      try {
        text = decoder.decode(value, { stream: true });
      } catch {
        throw new CsvError('the file is not valid UTF-8');
      }
      const rows = parser.push(text);
      if (rows.length > 0) yield rows;
    }
    const rest = parser.push(decoder.decode());
    const last = [...rest, ...parser.end()];
    if (last.length > 0) yield last;
  } finally {
    reader.releaseLock();
  }
}

/** A CSV object through `push`; returns after the rows are inserted (not committed). */
export const loadPushCsv: PushLoader = async (tx, store, req, options) => {
  const file = fileName(req);
  const ctx = loadContext(req, derivedBatchId(req.key, req.etag), null);
  // closeSuperseded's question goes out while the object is opened: its answer needs only the load id.
  const probe = probeSuperseded(tx, req.target, ctx);
  const rowsIn = csvRows(await store.stream(req.bucket, req.key, req.etag));
  let header: string[] | null = null;
  let pending: string[][] = [];
  let types: CsvType[] = [];
  let plan: LoadPlan | null = null;
  const pipeline = new Pipeline(tx);
  let firstRow = 1;
  let line = 1;
  const nulls: number[] = [];
  const strings: number[] = [];

  const flush = async (batch: string[][]) => {
    if (batch.length === 0 || !plan || !header) return;
    const width = header.length;
    for (const row of batch) {
      line++;
      if (row.length !== width) throw new CsvError(`line ${line} has ${row.length} fields, the header has ${width}`);
    }
    const columns = new Map<string, TransportColumn>();
    header.forEach((name, i) => {
      const values = batch.map((row) => (row[i] === '' || row[i] === undefined ? null : row[i]));
      const type = types[i] as CsvType;
      for (const v of values) {
        if (v === null) nulls[i] = (nulls[i] ?? 0) + 1;
        else if (type !== 'VARCHAR' && !fits(type, v)) strings[i] = (strings[i] ?? 0) + 1;
      }
      columns.set(name, csvTransport(values, type, parseDuckType(type)));
    });
    const statement = pushInsert(plan, ctx, columns, firstRow, batch.length);
    firstRow += batch.length;
    await pipeline.send(statement.sql, statement.params, batch.length, transportChars(columns), 0);
  };

  let sizes: number[] = [];
  let pendingChars = 0;
  for await (const rows of rowsIn) {
    for (const blankOrRow of rows) {
      // read_csv skips blank lines, but in a one-column file a blank line is a NULL value.
      if (blankOrRow.length === 0 && header?.length !== 1) continue;
      const row = blankOrRow.length === 0 ? [''] : blankOrRow;
      if (header === null) {
        header = csvHeader(row);
        continue;
      }
      pending.push(row);
      sizes.push(rowChars(row));
      pendingChars += sizes[sizes.length - 1] as number;
    }
    if (!plan && header && (pending.length >= CSV_SAMPLE_ROWS || pendingChars >= CSV_HELD_CHARS)) {
      const h = header;
      types = inferTypes(h, pending, sizes);
      plan = planLoad(req.target, csvColumns(h, types), file);
    }
    while (plan && (pending.length >= options.batchRows || pendingChars >= CSV_HELD_CHARS / 2)) {
      // A batch: batchRows rows, or fewer when they hold half the budget of text.
      const { n, chars } = leading(sizes, options.batchRows, CSV_HELD_CHARS / 2);
      await flush(pending.slice(0, n));
      pending = pending.slice(n);
      sizes = sizes.slice(n);
      pendingChars -= chars;
    }
  }
  if (header === null) throw new CsvError('the file is empty (no header row)');
  if (!plan) {
    const h = header;
    types = inferTypes(h, pending, sizes);
    plan = planLoad(req.target, csvColumns(h, types), file);
  }
  await flush(pending);
  const rows = await pipeline.finish();
  await closeSuperseded(tx, req.target, ctx, probe);
  const extras = new Set(plan.extras.map((c) => c.name));
  const index = new Map(header.map((name, i) => [name, i]));
  const profile = profileOf(
    plan.extras.map((c) => ({ name: c.name, shapes: duckShapes(c.name, parseDuckType(c.typeText)) })),
    rows,
    new Map([...extras].map((name) => [name, nulls[index.get(name) as number] ?? 0])),
    new Map([...extras].map((name) => [name, strings[index.get(name) as number] ?? 0])),
  );
  return {
    rows,
    batchId: ctx.batchId,
    schemaVersion: null,
    peakBytes: pipeline.peak,
    profile,
    warehouseWaitMs: Math.round(pipeline.waitedMs),
  };
};

/**
 * Column names as DuckDB's read_csv gives them: an empty one is `column<i>`, 0-based, with i padded to the
 * digits of the last index (`column03` of 12 columns); repeated ones made unique.
 */
function csvHeader(row: readonly string[]): string[] {
  const digits = String(Math.max(0, row.length - 1)).length;
  return uniqueNames(row.map((name, i) => (name === '' ? `column${String(i).padStart(digits, '0')}` : name)));
}

/**
 * Types from the first CSV_SAMPLE_ROWS rows exactly, however the text arrived in chunks (fewer when those
 * rows hold more than CSV_HELD_CHARS of text).
 */
function inferTypes(header: readonly string[], rows: readonly string[][], sizes: readonly number[]): CsvType[] {
  const sample = rows.slice(0, leading(sizes, CSV_SAMPLE_ROWS, CSV_HELD_CHARS).n);
  return header.map((_, i) => inferType(sample.map((r) => r[i] ?? '')));
}
