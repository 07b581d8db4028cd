// Stored results: a run's rows written to the results bucket as Parquet, and read back exactly.
import { AppError, errorMessage } from '../errors.ts';
import type { QueryResult } from '../query/contract.ts';
import { type ReportDeps, resultKey } from './deps.ts';
import type { StoredRows } from './diff.ts';
import { decodeResultFile, encodeResultFile, type ResultFileMetadata, StoredResultError } from './result-file.ts';
import type { ReportRun, StoredObject } from './tables.ts';

/** Writes the result of run `run.run` of a report; storage_unavailable when the bucket does not take it. */
export async function storeResult(
  deps: Pick<ReportDeps, 'store'>,
  run: { readonly reportId: string; readonly runId: string; readonly run: number },
  result: QueryResult,
): Promise<StoredObject> {
  const bytes = await encodeResultFile(result, {
    ...run,
    executionId: result.executionId,
    mode: result.mode,
    schemaVersion: result.schemaVersion,
    at: result.at,
    truncated: result.truncated,
    resultHash: result.resultHash,
  });
  const key = resultKey(run.reportId, run.run, run.runId);
  const stored = await deps.store.put(key, bytes);
  return { key, etag: stored.etag, bytes: stored.size };
}

/**
 * The stored rows of a successful run. A run without a result is `conflict`; an object that is gone or is not
 * what the run wrote is `internal` (the bucket lost or changed it).
 */
export async function loadResult(
  deps: Pick<ReportDeps, 'store'>,
  run: ReportRun,
): Promise<StoredRows & { readonly metadata: ResultFileMetadata }> {
  if (run.status !== 'ok' || run.object === null)
    throw new AppError('conflict', `run ${run.run} failed and stored no result: ${run.error ?? 'no result'}`);
  const bytes = await deps.store.get(run.object.key);
  if (bytes === null) throw new AppError('internal', `the stored result of run ${run.run} (${run.object.key}) is gone`);
  try {
    const stored = await decodeResultFile(bytes);
    if (stored.metadata.runId !== run.id) throw new StoredResultError(`it belongs to run ${stored.metadata.runId}`);
    return stored;
  } catch (error) {
    if (!(error instanceof StoredResultError)) throw error;
    throw new AppError('internal', `the stored result of run ${run.run} (${run.object.key}): ${errorMessage(error)}`);
  }
}
