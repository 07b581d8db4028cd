// The frame of `npm run schema -- <command>` (docs/toolkit.md): each command's options and usage, human
// output or `--json`, exit codes 0 ok / 1 problems found / 2 usage or connection error, WAREHOUSE_URL from
// the environment or .dev.vars, and a progress line on stderr for anything that takes more than a second.
import { existsSync, readFileSync } from 'node:fs';
import { errorMessage } from '../../lib/errors.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { type ParsedArgs, parseArgs, unknownOptions } from '../cli/args.ts';
import { localConfig } from '../local/config.ts';
import { parseDevVars, redactUrl, warehouseUrlProblem } from '../local/dev-vars.ts';

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** A mistake in how the command was called, or a warehouse it cannot reach: exit 2, one line, no stack. */
export class UsageError extends Error {}

export interface Progress {
  /** Replaces the line's detail (`12/200 tables`). */
  update(detail: string): void;
  /** Ends the line (printed only if it was shown: the work took more than a second). */
  done(detail?: string): void;
}

export interface CommandContext {
  readonly args: ParsedArgs;
  /** `--json`: one JSON document on stdout, nothing else there. */
  readonly json: boolean;
  /** Human output: a line on stdout (nothing in `--json` mode). */
  say(line?: string): void;
  /** The `--json` document (ignored in human mode). */
  emit(document: unknown): void;
  /** WAREHOUSE_URL: the environment, else .dev.vars; UsageError when neither has a usable one. */
  warehouseUrl(): string;
  /** A client for WAREHOUSE_URL, closed when the command ends; UsageError (exit 2) when it cannot connect. */
  connect(): Promise<Warehouse>;
  /** A progress line on stderr, shown once `label` has taken more than a second. */
  progress(label: string): Progress;
}

export interface Command {
  readonly name: string;
  /** One line, for `npm run schema -- --help`. */
  readonly summary: string;
  /** The whole `--help` text. */
  readonly usage: string;
  readonly flags?: readonly string[];
  readonly valued?: readonly string[];
  /** The exit code: EXIT.ok, EXIT.problems; throw UsageError for EXIT.usage. */
  run(ctx: CommandContext): Promise<number>;
}

function progressLine(label: string): Progress {
  const started = Date.now();
  let detail = '';
  let shown = false;
  const tty = process.stderr.isTTY === true;
  const draw = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const line = `${label}${detail ? ` ${detail}` : ''} (${seconds} s)`;
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  };
  const timer = setInterval(
    () => {
      shown = true;
      draw();
    },
    tty ? 1000 : 5000,
  );
  timer.unref();
  return {
    update: (d) => {
      detail = d;
    },
    done: (d) => {
      clearInterval(timer);
      if (d !== undefined) detail = d;
      if (shown || Date.now() - started > 1000) {
        draw();
        if (tty) process.stderr.write('\n');
      }
    },
  };
}

/** WAREHOUSE_URL from the environment, else from .dev.vars in the working directory. */
export function resolveWarehouseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const config = localConfig();
  const url =
    env.WAREHOUSE_URL ??
    (existsSync(config.devVarsPath) ? parseDevVars(readFileSync(config.devVarsPath, 'utf8')).WAREHOUSE_URL : undefined);
  if (!url) throw new UsageError('WAREHOUSE_URL is not set (environment or .dev.vars); run `npm start` once');
  const problem = warehouseUrlProblem(url);
  if (problem) throw new UsageError(problem);
  return url;
}

/** Runs `command` with `argv` (after the command's name) and returns the exit code; never throws. */
export async function runCommand(command: Command, argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(command.usage);
    return EXIT.ok;
  }
  const spec = { usage: command.usage, flags: [...(command.flags ?? []), 'json'], valued: command.valued ?? [] };
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, spec.valued);
  } catch (error) {
    console.error(`error: ${errorMessage(error)}\n${command.usage}`);
    return EXIT.usage;
  }
  const unknown = unknownOptions(args, spec);
  if (unknown.length > 0) {
    console.error(`error: unknown option ${unknown.join(', ')}\n${command.usage}`);
    return EXIT.usage;
  }
  const json = args.flags.has('json');
  const clients: Warehouse[] = [];
  let document: unknown;
  const ctx: CommandContext = {
    args,
    json,
    say: (line = '') => {
      if (!json) console.log(line);
    },
    emit: (d) => {
      document = d;
    },
    warehouseUrl: () => resolveWarehouseUrl(),
    connect: async () => {
      const url = resolveWarehouseUrl();
      const client = createPostgresWarehouse(url, {
        max: 1,
        connectTimeoutSeconds: 10,
        applicationName: 'living-schema-toolkit',
      });
      clients.push(client);
      try {
        await client.query('SELECT 1 AS ok');
      } catch (error) {
        throw new UsageError(`cannot reach the warehouse at ${redactUrl(url)}: ${errorMessage(error)}`);
      }
      return client;
    },
    progress: progressLine,
  };
  let code: number;
  try {
    code = await command.run(ctx);
    if (json && document !== undefined) console.log(JSON.stringify(document, null, 2));
  } catch (error) {
    if (error instanceof UsageError) {
      if (json) console.log(JSON.stringify({ error: error.message }, null, 2));
      console.error(`error: ${error.message}`);
      code = EXIT.usage;
    } else throw error;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }
  return code;
}
