// `npm run schema -- migrate`: prints the plan (the pending migrations, in order), then applies it and reports
// each migration (applied / failed / skipped, ms). --dry-run stops after the plan; --test runs the plan on a
// scratch copy of the live schema and a sample of its rows instead of on the live warehouse.
import { errorMessage } from '../../../lib/errors.ts';
import {
  describeProblem,
  MIGRATION_NAME,
  type MigrationFile,
  type MigrationReport,
  migrate,
  migrationStatus,
} from '../../../lib/migrations/runner.ts';
import type { Warehouse } from '../../../lib/warehouse/port.ts';
import { redactUrl } from '../../local/dev-vars.ts';
import { type Command, type CommandContext, EXIT, UsageError } from '../cli.ts';
import { commandMigrationFiles, problemDocument } from '../migration-files.ts';
import { withScratchWarehouse } from '../reference.ts';
import { CopyError, copyLiveSchema, type ScratchCopy } from '../scratch-copy.ts';
import { formatTable } from '../table.ts';

const DEFAULT_SAMPLE = 1000;

const USAGE = `usage: npm run schema -- migrate [--dry-run] [--test [--sample N]] [--to NNNN] [--dir DIR] [--json]
  prints the plan (the pending migrations, in order), then applies it to WAREHOUSE_URL, each migration in
  its own transaction, and reports each one: applied, failed (rolled back, with the warehouse's error) or
  skipped (after a failure)
  --dry-run   print the plan only, change nothing
  --test      apply the plan to a scratch in-memory copy of the live schema and a sample of its rows and
              report what would happen; the live warehouse is NOT changed (a test, with or without --dry-run).
              A sample can miss a failure that depends on rows it did not copy; the output says which tables
              had more rows than the sample
  --sample N  with --test: rows copied per table (default ${DEFAULT_SAMPLE}; schema_migrations is copied whole)
  --to NNNN   apply up to and including migration NNNN (an error if there is none, or it is already behind
              what the warehouse has applied)
  --dir DIR   migrations folder (default sql/migrations)
  --json      one JSON document on stdout
  refuses to run when the history changed (an applied file edited or missing, a new file sorting before the
  last applied one): see \`npm run schema -- status\`
  exit 0 ok, 1 refused or a migration failed, 2 usage or connection error`;

export type MigrationOutcome = 'applied' | 'failed' | 'skipped';

export interface MigrationResult {
  readonly name: string;
  readonly status: MigrationOutcome;
  /** Time it took; null when it was skipped. */
  readonly ms: number | null;
  /** The warehouse's error, for the one that failed. */
  readonly error?: string;
}

interface Options {
  readonly dryRun: boolean;
  readonly test: boolean;
  readonly sample: number;
  readonly to: string | null;
}

function options(ctx: CommandContext): Options {
  const test = ctx.args.flags.has('test');
  const sampleText = ctx.args.values.get('sample');
  if (sampleText !== undefined && !test) throw new UsageError('--sample goes with --test');
  if (sampleText !== undefined && !/^\d+$/.test(sampleText))
    throw new UsageError(`--sample takes a number of rows, not '${sampleText}'`);
  const toText = ctx.args.values.get('to');
  if (toText !== undefined && !/^\d{1,4}$/.test(toText))
    throw new UsageError(`--to takes a migration number (NNNN), not '${toText}'`);
  return {
    dryRun: ctx.args.flags.has('dry-run'),
    test,
    sample: sampleText === undefined ? DEFAULT_SAMPLE : Number(sampleText),
    to: toText === undefined ? null : toText.padStart(4, '0'),
  };
}

/** Applies `files`' pending migrations with `migrate`, timing each; the results in plan order. */
async function applyTimed(
  warehouse: Warehouse,
  files: readonly MigrationFile[],
  plan: readonly string[],
  onApply: (name: string, index: number) => void,
): Promise<{ report: MigrationReport; results: MigrationResult[] }> {
  const started = new Map<string, number>();
  const report = await migrate(warehouse, files, {
    onApply: (name) => {
      started.set(name, performance.now());
      onApply(name, started.size);
    },
  });
  const ended = performance.now();
  const ms = (name: string): number | null => {
    const start = started.get(name);
    if (start === undefined) return null;
    const next = plan.slice(plan.indexOf(name) + 1).find((n) => started.has(n));
    return Math.round((next === undefined ? ended : (started.get(next) as number)) - start);
  };
  const results = plan.map((name): MigrationResult => {
    if (report.status === 'ok' && report.applied.includes(name)) return { name, status: 'applied', ms: ms(name) };
    if (report.status === 'failed' && report.applied.includes(name)) return { name, status: 'applied', ms: ms(name) };
    if (report.status === 'failed' && report.failed === name)
      return { name, status: 'failed', ms: ms(name), error: report.error };
    return { name, status: 'skipped', ms: null };
  });
  return { report, results };
}

function sayResults(ctx: CommandContext, results: readonly MigrationResult[]): void {
  const rows = results.map((r) => [r.name, r.status, r.ms === null ? '-' : String(r.ms)]);
  for (const line of formatTable(['migration', 'status', 'ms'], rows, [2])) ctx.say(`  ${line}`);
  for (const r of results) if (r.error !== undefined) ctx.say(`${r.name} failed and was rolled back: ${r.error}`);
}

function sayCopy(ctx: CommandContext, copy: ScratchCopy): void {
  for (const t of copy.tables) {
    if (t.copied < t.rows) {
      ctx.say(
        `note: ${t.name} has ${t.rows} rows and the copy only ${t.copied}: a failure that depends on the other rows would not show here`,
      );
    }
  }
  for (const n of copy.notes) ctx.say(`note: ${n}`);
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'applies the pending migrations (--dry-run: the plan only; --test: on a scratch copy)',
  usage: USAGE,
  flags: ['dry-run', 'test'],
  valued: ['dir', 'to', 'sample'],
  async run(ctx) {
    const opts = options(ctx);
    const { dir, files } = await commandMigrationFiles(ctx);
    const warehouse = await ctx.connect();
    const url = redactUrl(ctx.warehouseUrl());
    const mode = opts.test ? 'test' : opts.dryRun ? 'dry-run' : 'apply';
    const base = { warehouse: url, dir, mode, to: opts.to };
    ctx.say(`warehouse: ${url}`);
    const status = await migrationStatus(warehouse, files, { readOnly: true });
    if (status.problems.length > 0) {
      ctx.emit({ ...base, ok: false, refused: true, problems: status.problems.map(problemDocument) });
      ctx.say('refused to run:');
      for (const p of status.problems) ctx.say(`  - ${describeProblem(p)}`);
      ctx.say('nothing was applied; `npm run schema -- status` lists the history');
      return EXIT.problems;
    }
    const lastApplied = status.applied.at(-1)?.name;
    if (opts.to !== null) {
      const to = opts.to;
      if (!files.some((f) => MIGRATION_NAME.test(f.name) && f.name.startsWith(`${to}_`)))
        throw new UsageError(`--to ${to}: there is no migration ${to}_*.sql in ${dir}`);
      if (lastApplied !== undefined && lastApplied.slice(0, 4) > to)
        throw new UsageError(`--to ${to} is behind what the warehouse has applied (up to ${lastApplied})`);
    }
    const plan = status.pending.filter((n) => opts.to === null || n.slice(0, 4) <= (opts.to as string));
    const planned = new Set(plan);
    const pending = new Set(status.pending);
    const chosen = files.filter((f) => !pending.has(f.name) || planned.has(f.name));
    if (plan.length === 0) {
      ctx.emit({ ...base, ok: true, alreadyApplied: status.applied.length, plan, results: [] });
      ctx.say(`migrations: up to date (${status.applied.length} applied), nothing to do`);
      return EXIT.ok;
    }
    ctx.say(`plan: ${plan.length} migration${plan.length === 1 ? '' : 's'} to apply, in order:`);
    plan.forEach((name, i) => {
      ctx.say(`  ${i + 1}. ${name}`);
    });
    if (opts.test) return runTest(ctx, warehouse, chosen, plan, opts, base);
    if (opts.dryRun) {
      ctx.emit({ ...base, ok: true, alreadyApplied: status.applied.length, plan, results: [] });
      ctx.say(`dry run: would apply ${plan.join(', ')}; nothing was changed`);
      return EXIT.ok;
    }
    const progress = ctx.progress('applying migrations');
    const { report, results } = await applyTimed(warehouse, chosen, plan, (name, i) => {
      progress.update(`${i}/${plan.length} ${name}`);
      ctx.say(`applying ${name} ...`);
    });
    progress.done();
    if (report.status === 'refused') {
      // Someone changed the history between the plan and the run.
      ctx.emit({ ...base, ok: false, refused: true, problems: report.problems.map(problemDocument) });
      ctx.say('refused to run:');
      for (const m of report.messages) ctx.say(`  - ${m}`);
      return EXIT.problems;
    }
    const error = report.status === 'failed' && report.failed === null ? report.error : undefined;
    ctx.emit({ ...base, ok: report.status === 'ok', alreadyApplied: status.applied.length, plan, results, error });
    sayResults(ctx, results);
    if (error !== undefined) ctx.say(`could not read the migration record: ${error}`);
    const applied = results.filter((r) => r.status === 'applied').length;
    ctx.say(
      `applied ${applied} of ${plan.length} planned migration${plan.length === 1 ? '' : 's'} (${status.applied.length + applied} in total)`,
    );
    return report.status === 'ok' ? EXIT.ok : EXIT.problems;
  },
};

async function runTest(
  ctx: CommandContext,
  live: Warehouse,
  chosen: readonly MigrationFile[],
  plan: readonly string[],
  opts: Options,
  base: object,
): Promise<number> {
  ctx.say(
    `test: applying the plan to a scratch copy of the live schema with up to ${opts.sample} rows per table; the live warehouse is not changed`,
  );
  const progress = ctx.progress('testing migrations');
  let outcome: { copy: ScratchCopy; report: MigrationReport; results: MigrationResult[] };
  try {
    outcome = await withScratchWarehouse(async (scratch) => {
      const copy = await copyLiveSchema(live, scratch, {
        sample: opts.sample,
        onTable: (name) => progress.update(`copying ${name}`),
      });
      const run = await applyTimed(scratch, chosen, plan, (name, i) => progress.update(`${i}/${plan.length} ${name}`));
      return { copy, ...run };
    });
  } catch (error) {
    if (error instanceof CopyError) throw new UsageError(error.message);
    throw new UsageError(`could not make the scratch copy: ${errorMessage(error)}`);
  } finally {
    progress.done();
  }
  const { copy, report, results } = outcome;
  const ok = report.status === 'ok';
  ctx.emit({
    ...base,
    ok,
    plan,
    results,
    sample: { rowsPerTable: opts.sample, tables: copy.tables, notes: copy.notes },
    ...(report.status === 'refused' ? { problems: report.problems.map(problemDocument) } : {}),
    ...(report.status === 'failed' && report.failed === null ? { error: report.error } : {}),
  });
  sayResults(ctx, results);
  if (report.status === 'refused') for (const m of report.messages) ctx.say(`refused in the copy: ${m}`);
  if (report.status === 'failed' && report.failed === null)
    ctx.say(`could not read the copy's migration record: ${report.error}`);
  sayCopy(ctx, copy);
  ctx.say(
    ok
      ? `test passed: the ${plan.length} planned migration${plan.length === 1 ? '' : 's'} applied to the copy; nothing was applied to the live warehouse (run without --test to apply)`
      : 'test failed: nothing was applied to the live warehouse',
  );
  return ok ? EXIT.ok : EXIT.problems;
}
