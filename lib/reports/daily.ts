// The daily refresh: every saved report runs again; the ones whose result changed (and the ones that newly
// fail) go into one Slack digest through the notifications outbox, which is then flushed. Nothing changed,
// nothing sent. A runner: it answers a report and never throws.
import { errorMessage } from '../errors.ts';
import { enqueueMessage, type FlushResult, flushOutbox } from '../notify/slack-outbox.ts';
import type { ReportDeps } from './deps.ts';
import { buildReportsDigest, type DigestReport } from './digest.ts';
import { refreshSaved } from './refresh.ts';
import { allReports, latestRun } from './tables.ts';

/**
 * The main Worker's cron for the refresh: daily at 03:37 UTC, half an hour after the Argilla reconcile
 * (03:07), so the reports see its rows; a minute no other cron shares (wrangler.toml [triggers]).
 */
export const REPORTS_REFRESH_CRON = '37 3 * * *';

/**
 * The outbox channel of report digests. NOTE: not discovery's: it flushes its channel under the discovery
 * lock, and two flushes of one channel at once could send a message twice.
 */
export const REPORTS_SLACK_CHANNEL = 'slack-reports';

export interface DailyRefreshDeps extends ReportDeps {
  readonly publicUrl: string;
  readonly slackWebhookUrl: string | undefined;
  readonly fetcher: typeof fetch;
}

export interface DailyRefreshReport {
  readonly refreshId: string;
  readonly status: 'succeeded' | 'failed';
  readonly reports: number;
  readonly changed: readonly string[];
  readonly unchanged: number;
  /** Reports whose run failed (recorded as a failed run); `new`: the run before it had not failed so. */
  readonly failed: readonly { readonly id: string; readonly error: string; readonly new: boolean }[];
  /** Reports not run because of an outage (nothing recorded; tomorrow's refresh runs them). */
  readonly skipped: readonly { readonly id: string; readonly error: string }[];
  readonly digest: boolean;
  readonly delivery: FlushResult | null;
  readonly error: string | null;
}

/** Refreshes every report, queues one digest of the changed ones (if any) and flushes the outbox. */
export async function refreshAllReports(deps: DailyRefreshDeps): Promise<DailyRefreshReport> {
  const refreshId = deps.newId();
  const changed: DigestReport[] = [];
  const failed: { id: string; name: string; run: number; error: string; new: boolean }[] = [];
  const skipped: { id: string; error: string }[] = [];
  let unchanged = 0;
  let reports = 0;
  try {
    const all = await allReports(deps.warehouse);
    reports = all.length;
    for (const report of all) {
      try {
        const before = await latestRun(deps.warehouse, report.id);
        const { run } = await refreshSaved(deps, report, 'cron');
        if (run.status === 'error') {
          const error = run.error ?? 'failed';
          const again = before?.status === 'error' && before.error === run.error;
          failed.push({ id: report.id, name: report.name, run: run.run, error, new: !again });
        } else if (run.changed === true && run.why) {
          changed.push({
            id: report.id,
            name: report.name,
            run: run.run,
            previousRun: run.why.previousRun,
            summary: run.why.summary,
          });
        } else unchanged++;
      } catch (error) {
        skipped.push({ id: report.id, error: errorMessage(error) });
        deps.log.warn('report refresh skipped', { report: report.id, error: errorMessage(error) });
      }
    }
    const newFailures = failed.filter((f) => f.new);
    const digest = changed.length > 0 || newFailures.length > 0;
    if (digest) {
      await enqueueMessage(deps.warehouse, {
        id: deps.newId(),
        dedupeKey: `reports-refresh:${refreshId}`,
        runId: refreshId,
        now: deps.clock(),
        channel: REPORTS_SLACK_CHANNEL,
        payload: buildReportsDigest({ refreshId, publicUrl: deps.publicUrl, changed, failed: newFailures, unchanged }),
      });
    }
    const delivery = await flushOutbox(deps.warehouse, {
      webhookUrl: deps.slackWebhookUrl,
      fetcher: deps.fetcher,
      now: deps.clock,
      log: deps.log,
      channel: REPORTS_SLACK_CHANNEL,
    });
    return {
      refreshId,
      status: 'succeeded',
      reports,
      changed: changed.map((c) => c.id),
      unchanged,
      failed: failed.map(({ id, error, new: fresh }) => ({ id, error, new: fresh })),
      skipped,
      digest,
      delivery,
      error: null,
    };
  } catch (error) {
    deps.log.error('daily report refresh failed', { refreshId, error: errorMessage(error) });
    return {
      refreshId,
      status: 'failed',
      reports,
      changed: changed.map((c) => c.id),
      unchanged,
      failed: failed.map(({ id, error: e, new: fresh }) => ({ id, error: e, new: fresh })),
      skipped,
      digest: false,
      delivery: null,
      error: errorMessage(error),
    };
  }
}
