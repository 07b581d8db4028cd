// Runs one of the project's CLI scripts (tools/cli/*.ts) with this Node, as `npm run` would, and collects what
// it printed: stdout and stderr together (`runCli`), or apart (`runCliStreams`: a --json document is stdout alone).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

interface CliOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

function spawnCli(
  script: string,
  args: readonly string[],
  options: CliOptions,
): Promise<{ code: number | null; out: string; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const cli = spawn(process.execPath, [join(REPO, 'tools/cli', script), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stdout = '';
    let stderr = '';
    cli.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    cli.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
      stderr += d.toString();
    });
    cli.on('close', (code) => done({ code, out, stdout, stderr }));
  });
}

export async function runCli(
  script: string,
  args: readonly string[],
  options: CliOptions,
): Promise<{ code: number | null; out: string }> {
  const { code, out } = await spawnCli(script, args, options);
  return { code, out };
}

export async function runCliStreams(
  script: string,
  args: readonly string[],
  options: CliOptions,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await spawnCli(script, args, options);
  return { code, stdout, stderr };
}
