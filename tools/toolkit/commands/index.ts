// The commands of `npm run schema --`, in the order `--help` lists them.
import type { Command } from '../cli.ts';
import { ddlCommand } from './ddl.ts';
import { migrateCommand } from './migrate.ts';
import { statusCommand } from './status.ts';

export const COMMANDS: readonly Command[] = [statusCommand, migrateCommand, ddlCommand];
