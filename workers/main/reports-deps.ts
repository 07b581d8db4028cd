// Bindings of saved reports: the vessel-reports bucket their results live in, the query engine, and (for the
// daily refresh) the Slack webhook and the public URL its links are built on.
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import { AppError, errorMessage } from '../../lib/errors.ts';
import { initParquetWasm } from '../../lib/parquet/decode.ts';
import type { DailyRefreshDeps } from '../../lib/reports/daily.ts';
import type { ReportDeps, ResultStore, RunQuery } from '../../lib/reports/deps.ts';
import type { Deps } from '../deps.ts';

/** The ResultStore over an R2 binding; R2 failures are storage_unavailable (transient). */
export function r2ResultStore(bucket: R2Bucket): ResultStore {
  const r2 = async <T>(what: string, key: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new AppError('storage_unavailable', `R2 ${what} of vessel-reports/${key} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  };
  return {
    put: (key, bytes) =>
      r2('put', key, async () => {
        const object = await bucket.put(key, bytes, {
          httpMetadata: { contentType: 'application/vnd.apache.parquet' },
        });
        if (!object) throw new Error('R2 stored nothing');
        return { etag: object.etag, size: object.size };
      }),
    get: (key) =>
      r2('get', key, async () => {
        const object = await bucket.get(key);
        return object ? new Uint8Array(await object.arrayBuffer()) : null;
      }),
    delete: async (keys) => {
      // R2 deletes up to 1,000 keys per call.
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        await r2('delete', chunk[0] ?? '', () => bucket.delete(chunk));
      }
    },
  };
}

export function createReportDeps(env: Env, base: Deps, run: RunQuery): ReportDeps {
  initParquetWasm(parquetWasm);
  return {
    warehouse: base.warehouse,
    run,
    store: r2ResultStore(env.REPORTS_BUCKET),
    clock: base.clock,
    newId: base.newId,
    log: base.log,
  };
}

export function createDailyRefreshDeps(env: Env, base: Deps, run: RunQuery): DailyRefreshDeps {
  return {
    ...createReportDeps(env, base, run),
    publicUrl: env.PUBLIC_URL,
    slackWebhookUrl: env.SLACK_WEBHOOK_URL || undefined,
    fetcher: (...args) => fetch(...args),
  };
}
