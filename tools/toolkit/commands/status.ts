// `npm run schema -- status`: which migrations the warehouse has applied, which are pending, and what is wrong
// with the history (an applied file edited, removed, or a new one sorting before the last applied). Read only.
import { describeProblem, migrationStatus } from '../../../lib/migrations/runner.ts';
import { redactUrl } from '../../local/dev-vars.ts';
import { type Command, EXIT } from '../cli.ts';
import { commandMigrationFiles, problemDocument } from '../migration-files.ts';
import { formatTable } from '../table.ts';

const USAGE = `usage: npm run schema -- status [--dir DIR] [--json]
  lists the migrations WAREHOUSE_URL has applied and the pending ones, and problems with the history:
  an applied file edited (checksum mismatch) or missing, a new file sorting before the last applied one
  --dir DIR   migrations folder (default sql/migrations)
  --json      one JSON document on stdout
  changes nothing; exit 0 no problems, 1 problems found, 2 usage or connection error`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'applied and pending migrations, and problems with their history',
  usage: USAGE,
  valued: ['dir'],
  async run(ctx) {
    const { dir, files } = await commandMigrationFiles(ctx);
    const warehouse = await ctx.connect();
    const status = await migrationStatus(warehouse, files, { readOnly: true });
    const { problems } = status;
    ctx.emit({
      warehouse: redactUrl(ctx.warehouseUrl()),
      dir,
      applied: status.applied,
      pending: status.pending,
      problems: problems.map(problemDocument),
      ok: problems.length === 0,
    });
    ctx.say(`warehouse: ${redactUrl(ctx.warehouseUrl())}`);
    // A file with a problem shows the problem's kind (edited, removed, reordered, misnamed) as its status.
    const problemOf = new Map<string, string>(problems.map((p) => [p.name, p.kind]));
    const rows = [
      ...status.applied.map((a) => [problemOf.get(a.name) ?? 'applied', a.name, a.appliedAt]),
      ...status.pending.map((p) => [problemOf.get(p) ?? 'pending', p, '']),
    ];
    if (rows.length > 0)
      for (const line of formatTable(['status', 'migration', 'applied at'], rows)) ctx.say(`  ${line}`);
    for (const p of problems) ctx.say(`  PROBLEM  ${describeProblem(p)}`);
    ctx.say(
      `${status.applied.length} applied, ${status.pending.length} pending, ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    );
    return problems.length > 0 ? EXIT.problems : EXIT.ok;
  },
};
