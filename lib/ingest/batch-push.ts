// Batch-aware loading under `push`: the Worker decodes each small Parquet file of a queue batch (several at
// once, while R2 answers), then files that read back alike travel together, one INSERT per group of about
// batchChars of text, each row attributed to its file by one more parameter; the heads, the log and
// supersession are batch.ts's one text of bookkeeping, all in one transaction. A file that does not decode,
// or reads back differently from the others, is left to the per-file path, which settles it as it always
// has; a failure of the batch statements rolls the whole batch back to that path as well.
import { errorMessage } from '../errors.ts';
import {
  type Admitted,
  inEventOrder,
  type LoadedMember,
  loadedOutcomes,
  mapLimited,
  phaseTimer,
  recordsOf,
} from './batch.ts';
import type { IngestDeps, Outcome } from './consumer.ts';
import { type BatchFile, bookkeepingSql, claimHeadsSql } from './load/batch.ts';
import { type PushedFile, readPushedParquet } from './load/push-parquet.ts';
import { DEFAULT_PUSH_OPTIONS, type LoadRequest } from './load/types.ts';
import { type PushBatchPart, pushBatchInsert } from './load-sql.ts';
import { sourceOf, type Target } from './routes.ts';
import { joinTransport, type TransportColumn } from './transport.ts';

/** Files read at once: R2's answers overlap, and each decode is short. */
const READ_CONCURRENCY = 8;
/**
 * Decoded text a batch holds at most (about twice this in bytes: the decoded columns, then the statements
 * built from them); the files past it load one by one.
 */
const MAX_HELD_CHARS = 16 * 1024 * 1024;

interface Decoded extends LoadedMember {
  readonly pushed: PushedFile;
}

/** What the files of one statement group share: their plan and how each column reads back. */
function readingOf(p: PushedFile): string {
  const { plan } = p;
  return JSON.stringify([
    plan.target,
    plan.typed.map((t) => [t.source.name, t.column.name]),
    plan.extras.map((c) => c.name),
    plan.missing.map((m) => m.name),
    [...p.columns].map(([name, c]) => [name, c.expr('v'), c.instant?.('v') ?? null, c.type]),
  ]);
}

/** The files of one target under `push`: decoded here, inserted in a few statements, recorded as one. */
export async function loadTargetPush(
  target: Target,
  files: readonly Admitted[],
  deps: IngestDeps,
  started: Date,
): Promise<Map<string, Outcome>> {
  const options = deps.push ?? DEFAULT_PUSH_OPTIONS;
  const { ms, lap } = phaseTimer(deps.clock);
  let held = 0;
  const decoded = await mapLimited(files, READ_CONCURRENCY, async (file): Promise<Decoded | null> => {
    if (held >= MAX_HELD_CHARS) return null;
    const req: LoadRequest = {
      target,
      format: 'parquet',
      bucket: file.bucket,
      key: file.key,
      etag: file.etag,
      size: file.size,
      loadId: file.loadId,
      now: started,
      eventTime: file.eventTime,
      source: sourceOf(file.key),
    };
    let pushed: PushedFile | null;
    try {
      pushed = await readPushedParquet(deps.store, req, options);
    } catch (error) {
      // Its own load reads it again and settles it: a bad file fails alone, a transient error is retried.
      deps.log.info('ingest: a file of a batch loads on its own', {
        bucket: file.bucket,
        key: file.key,
        error: errorMessage(error),
      });
      return null;
    }
    if (!pushed || pushed.chars > options.batchChars) return null;
    held += pushed.chars;
    const { ctx } = pushed;
    const batchFile: BatchFile = {
      bucket: file.bucket,
      key: file.key,
      etag: file.etag,
      eventTime: file.eventTime,
      loadId: file.loadId,
      batchId: ctx.batchId,
      schemaVersion: ctx.schemaVersion,
      source: ctx.source,
    };
    return { file, batchFile, rows: pushed.rows, profile: pushed.profile, pushed };
  });
  const members = inEventOrder(decoded.filter((d): d is Decoded => d !== null));
  lap('decode');
  const outcomes = new Map<string, Outcome>();
  if (members.length < 2) return outcomes;

  const groups = new Map<string, Decoded[]>();
  for (const m of members) {
    if (m.rows === 0) continue;
    const reading = readingOf(m.pushed);
    groups.set(reading, [...(groups.get(reading) ?? []), m]);
  }
  let statements = 0;
  await deps.warehouse.transaction(async (tx) => {
    // First, so that a concurrent load of one of these objects conflicts before either reads the files.
    const claimed = tx.execute(claimHeadsSql(members.map((m) => m.batchFile)), []);
    claimed.catch(() => {});
    // The statements go out together (postgres.js pipelines them on the transaction's connection).
    const inserts: Promise<void>[] = [];
    for (const group of groups.values()) {
      for (const chunk of chunks(group, options.batchChars, options.batchRows)) {
        const columns = new Map<string, TransportColumn>();
        for (const name of (chunk[0] as Decoded).pushed.columns.keys()) {
          columns.set(name, joinTransport(chunk.map((m) => m.pushed.columns.get(name) as TransportColumn)));
        }
        const parts: PushBatchPart[] = chunk.map((m) => ({ ctx: m.pushed.ctx, rows: m.rows }));
        const statement = pushBatchInsert((chunk[0] as Decoded).pushed.plan, columns, parts);
        const expected = chunk.reduce((n, m) => n + m.rows, 0);
        const inserted = tx.execute(statement.sql, statement.params).then((n) => {
          if (n !== expected) throw new Error(`a push batch insert of ${expected} rows inserted ${n}`);
        });
        inserted.catch(() => {});
        inserts.push(inserted);
        statements++;
      }
    }
    await claimed;
    await Promise.all(inserts);
    lap('insert');
    const records = recordsOf(target, 'push', members, started, deps.clock());
    await tx.exec(bookkeepingSql(target, records, started));
    lap('bookkeeping');
  });
  lap('commit');
  deps.log.info('ingest: batch loaded', { target, strategy: 'push', files: members.length, statements, ms });
  const peak = new Map(members.map((m) => [m.file, m.pushed.peakBytes + 2 * held]));
  for (const [id, outcome] of loadedOutcomes(deps, target, 'push', members, peak)) outcomes.set(id, outcome);
  return outcomes;
}

/** Files in runs of at most `chars` of text and `rows` rows (a file larger than either is a run of its own). */
function chunks(files: readonly Decoded[], chars: number, rows: number): Decoded[][] {
  const out: Decoded[][] = [];
  let run: Decoded[] = [];
  let runChars = 0;
  let runRows = 0;
  for (const f of files) {
    if (run.length > 0 && (runChars + f.pushed.chars > chars || runRows + f.rows > rows)) {
      out.push(run);
      run = [];
      runChars = 0;
      runRows = 0;
    }
    run.push(f);
    runChars += f.pushed.chars;
    runRows += f.rows;
  }
  if (run.length > 0) out.push(run);
  return out;
}
