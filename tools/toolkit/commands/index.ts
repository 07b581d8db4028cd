// The commands of `npm run schema --`, in the order `--help` lists them.
import type { Command } from '../cli.ts';
import { checkCommand } from './check.ts';
import { ddlCommand } from './ddl.ts';
import { diffCommand } from './diff.ts';
import { drift } from './drift.ts';
import { generateCommand } from './generate.ts';
import { migrateCommand } from './migrate.ts';
import { statusCommand } from './status.ts';

export const COMMANDS: readonly Command[] = [
  statusCommand,
  migrateCommand,
  drift,
  checkCommand,
  generateCommand,
  ddlCommand,
  diffCommand,
];
