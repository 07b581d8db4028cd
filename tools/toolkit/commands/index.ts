// The commands of `npm run schema --`, in the order `--help` lists them.
import type { Command } from '../cli.ts';
import { drift } from './drift.ts';

export const COMMANDS: readonly Command[] = [drift];
