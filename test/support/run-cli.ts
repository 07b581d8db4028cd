// Runs one of the project's CLI scripts (tools/cli/*.ts) with this Node, as `npm run` would, and collects what
// it printed on stdout and stderr together.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export function runCli(
  script: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const cli = spawn(process.execPath, [join(REPO, 'tools/cli', script), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.on('close', (code) => done({ code, out }));
  });
}
