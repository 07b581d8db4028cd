// Minimal flag parsing for the CLI scripts (`--flag`, `--key value`, `--key=value`).

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
