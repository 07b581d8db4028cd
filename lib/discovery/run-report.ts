// What a discovery run reports: what it read, wrote, raised and published, and how long each phase took.
// Kept in discovery_runs.report and logged.
import type { FlushResult } from '../notify/slack-outbox.ts';
import type { ConflictKind } from './catalog-tables/entity-conflicts.ts';
import type { Conflict } from './conflicts.ts';
import type { RunTrigger } from './runs.ts';

export interface ConflictSummary extends Conflict {
  readonly id: string;
  readonly kind: ConflictKind;
  readonly source: string;
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
  readonly snapshot: {
    readonly version: number;
    readonly semver: string;
    readonly bump: string;
    readonly changes: number;
    readonly contentHash: string;
  } | null;
  readonly slack: (FlushResult & { readonly queued: boolean }) | null;
  /** Milliseconds per phase of the run. */
  readonly timings: Readonly<Record<RunPhase | 'slackMs' | 'totalMs', number>>;
}

export type RunPhase = 'entityTypesMs' | 'fieldsMs' | 'catalogMs' | 'examplesMs' | 'planMs' | 'writeMs';
