// The console's static files, gathered into the main Worker's assets directory (wrangler.toml [assets]):
// its own stylesheet and script from workers/main/console/static/, and the Mermaid renderer (MIT) with its
// licence from node_modules, so the console loads nothing from outside the Worker. `npm start`, `npm run
// deploy` and the tests call this before wrangler reads the config; run it by hand with
// `node tools/build/console-assets.ts`.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
/** wrangler.toml's [assets] directory (kept out of git with node_modules). */
export const ASSETS_DIR = join(REPO, 'node_modules/.cache/living-schema/assets');
const OWN = join(REPO, 'workers/main/console/static');

// Workers Static Assets answers with these headers (its _headers file): the Worker's pages send their own CSP.
// The diagram renderer's frame (diagram.html, served as /console/diagram) gets a CSP of its own: Mermaid lays
// a diagram out with inline styles. It holds no data but the Mermaid source it is sent, and runs sandboxed.
const HEADERS = `/console/*
  X-Content-Type-Options: nosniff
  Cache-Control: public, max-age=300
/console/diagram*
  Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'
`;

/**
 * Brings the assets directory up to date, touching only what differs: several stacks may start at once (the
 * tests run them in parallel) and wrangler dev reloads a running Worker whenever its assets change, which
 * would fail the requests it was serving. A changed file is written beside and renamed over, so a reader
 * never sees half of it.
 */
export function buildConsoleAssets(): string {
  const mermaid = dirname(createRequire(import.meta.url).resolve('mermaid/package.json'));
  const wanted = new Map<string, Buffer>([
    ...readdirSync(OWN).map((name): [string, Buffer] => [`console/${name}`, readFileSync(join(OWN, name))]),
    ['console/mermaid.min.js', readFileSync(join(mermaid, 'dist/mermaid.min.js'))],
    ['console/mermaid.LICENSE.txt', readFileSync(join(mermaid, 'LICENSE'))],
    ['_headers', Buffer.from(HEADERS)],
  ]);
  mkdirSync(join(ASSETS_DIR, 'console'), { recursive: true });
  for (const [path, bytes] of wanted) {
    const target = join(ASSETS_DIR, path);
    if (existsSync(target) && readFileSync(target).equals(bytes)) continue;
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, target);
  }
  for (const name of readdirSync(join(ASSETS_DIR, 'console'))) {
    if (!wanted.has(`console/${name}`) && !name.endsWith('.tmp'))
      rmSync(join(ASSETS_DIR, 'console', name), { force: true });
  }
  return ASSETS_DIR;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(`console assets in ${buildConsoleAssets()}`);
}
