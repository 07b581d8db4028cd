// The commands of `npm run schema --`, in the order `--help` lists them.
import type { Command } from '../cli.ts';
import { checkCommand } from './check.ts';
import { generateCommand } from './generate.ts';

export const COMMANDS: readonly Command[] = [checkCommand, generateCommand];
