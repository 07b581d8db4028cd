// What a discovery run reports: what it read, wrote, raised and published, and how long each phase took.
// Kept in discovery_runs.report and logged.
import type { FlushResult } from '../notify/slack-outbox.ts';
import type { ConflictKind } from './catalog-tables/entity-conflicts.ts';
import type { Conflict } from './conflicts.ts';
import type { RunObservation } from './run-observe.ts';
import type { RunPlan } from './run-plan.ts';
import type { RunTrigger } from './runs.ts';

export interface ConflictSummary extends Conflict {
  readonly id: string;
  readonly kind: ConflictKind;
  readonly source: string;
}

/** The snapshot a run published. */
export interface SnapshotSummary {
  readonly version: number;
  readonly semver: string;
  readonly bump: string;
  readonly changes: number;
  readonly contentHash: string;
}

export interface RunReport {
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly full: boolean;
  readonly loads: number;
  /** More than maxLoadsPerRun loads were waiting: the run recounted everything instead of adding them up. */
  readonly backlog: boolean;
  /** Entity types brought up to date by adding new loads' rows, and recounted over all current rows. */
  readonly entityCounting?: { readonly added: number; readonly recounted: number };
  readonly entityTypes: { readonly observed: number; readonly written: number; readonly new: readonly string[] };
  readonly fields: {
    readonly observed: number;
    readonly written: number;
    readonly new: readonly { readonly source: string; readonly name: string }[];
  };
  readonly conflicts: readonly ConflictSummary[];
  readonly snapshot: SnapshotSummary | null;
  readonly slack: (FlushResult & { readonly queued: boolean }) | null;
  /** Milliseconds per phase of the run. */
  readonly timings: Readonly<Record<RunPhase | 'slackMs' | 'totalMs', number>>;
}

export type RunPhase = 'entityTypesMs' | 'fieldsMs' | 'catalogMs' | 'examplesMs' | 'planMs' | 'writeMs';

/** Times a run's phases: each lap adds the time since the previous lap (or the start) to one phase. */
export function createPhaseTimer(clock: () => Date): {
  readonly timings: Readonly<Record<RunPhase, number>>;
  readonly lap: (phase: RunPhase) => void;
} {
  const timings: Record<RunPhase, number> = {
    entityTypesMs: 0,
    fieldsMs: 0,
    catalogMs: 0,
    examplesMs: 0,
    planMs: 0,
    writeMs: 0,
  };
  let mark = clock().getTime();
  const lap = (phase: RunPhase) => {
    const now = clock().getTime();
    timings[phase] += now - mark;
    mark = now;
  };
  return { timings, lap };
}

/** The report of a run whose transaction is about to commit; nothing is delivered yet. */
export function assembleReport(run: {
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly observation: RunObservation;
  readonly plan: RunPlan;
  readonly snapshot: SnapshotSummary | null;
  /** Whether a digest was queued. */
  readonly queued: boolean;
  readonly timings: Readonly<Record<RunPhase, number>>;
  readonly totalMs: number;
}): RunReport {
  const { observation, plan } = run;
  const { entities } = observation;
  return {
    runId: run.runId,
    trigger: run.trigger,
    full: observation.full,
    loads: observation.loads.length,
    backlog: observation.backlog,
    entityCounting: { added: entities.added, recounted: entities.recounted },
    entityTypes: { observed: entities.observed.length, written: plan.entityRows.length, new: plan.newEntityTypes },
    fields: { observed: observation.fields.length, written: plan.fieldRows.length, new: plan.newFields },
    conflicts: plan.conflicts,
    snapshot: run.snapshot,
    slack: { queued: run.queued, sent: 0, retrying: 0, failed: 0, waiting: 0 },
    timings: { ...run.timings, slackMs: 0, totalMs: run.totalMs },
  };
}

/** The report once the outbox was flushed after the commit: what Slack took, and the run's final times. */
export function withDelivery(
  report: RunReport,
  flushed: FlushResult,
  times: { readonly slackMs: number; readonly totalMs: number },
): RunReport {
  return {
    ...report,
    slack: { ...flushed, queued: report.slack?.queued ?? false },
    timings: { ...report.timings, slackMs: times.slackMs, totalMs: times.totalMs },
  };
}

/** What the log says of a finished run. */
export function reportSummary(report: RunReport) {
  return {
    runId: report.runId,
    trigger: report.trigger,
    loads: report.loads,
    newEntityTypes: report.entityTypes.new.length,
    newFields: report.fields.new.length,
    conflicts: report.conflicts.length,
    snapshot: report.snapshot?.version ?? null,
    slack: report.slack,
    timings: report.timings,
  };
}
