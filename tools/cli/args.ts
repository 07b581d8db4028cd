// Minimal flag parsing for the CLI scripts (`--flag`, `--key value`, `--key=value`).
import { errorMessage } from '../../lib/errors.ts';
import { type LocalConfig, localConfig } from '../local/config.ts';

export interface ParsedArgs {
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], valued: readonly string[] = []): ParsedArgs {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq > 0) values.set(name, arg.slice(eq + 1));
    else if (valued.includes(name)) {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`--${name} needs a value`);
      values.set(name, next);
      i++;
    } else flags.add(name);
  }
  return { flags, values, positionals };
}

/** Prints the message and exits with status 1 (for expected, explained failures). */
export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** What a CLI script accepts, for `cliArgs`. */
export interface CliSpec {
  /** Printed for `--help`, and after every mistake in the options. */
  readonly usage: string;
  /** Options without a value (`--name`). */
  readonly flags?: readonly string[];
  /** Options with a value (`--name value`, `--name=value`). */
  readonly valued?: readonly string[];
}

/** The options `spec` does not accept, as typed (`--name`); a flag given a value counts as unknown. */
export function unknownOptions(args: ParsedArgs, spec: CliSpec): string[] {
  const flags = new Set(spec.flags ?? []);
  const valued = new Set(spec.valued ?? []);
  return [
    ...[...args.flags].filter((n) => !flags.has(n)),
    ...[...args.values.keys()].filter((n) => !valued.has(n)),
  ].map((n) => `--${n}`);
}

/**
 * The arguments of a CLI script: `--help` (or `-h`) prints the usage and exits 0; an option the script does
 * not know fails with the usage instead of being ignored (a mistyped `--dry-run` must not run for real).
 */
export function cliArgs(argv: readonly string[], spec: CliSpec): ParsedArgs {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(spec.usage);
    process.exit(0);
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, spec.valued);
  } catch (error) {
    fail(`${errorMessage(error)}\n${spec.usage}`);
  }
  const unknown = unknownOptions(args, spec);
  if (unknown.length > 0) fail(`unknown option ${unknown.join(', ')}\n${spec.usage}`);
  return args;
}

/** The local configuration, or a one-line error (a bad port variable) instead of a stack trace. */
export function cliConfig(): LocalConfig {
  try {
    return localConfig();
  } catch (error) {
    fail(errorMessage(error));
  }
}
