// The README and docs/ pages against the tree: links resolve, npm scripts exist, every page opens with a summary.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs');
const docPages = readdirSync(DOCS)
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => join(DOCS, name));
const pages = [join(ROOT, 'README.md'), ...docPages];
const name = (path: string) => relative(ROOT, path);

/** The page without fenced code blocks (their `#` lines are comments, not headings; their brackets are code). */
function prose(markdown: string): string {
  return markdown.replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = (text as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Link targets of inline links and reference definitions, outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map(
    (m) => m[1] as string,
  );
  return [...inline, ...definitions];
}

/** Why a relative link from `page` does not resolve, or null (absolute URLs are not checked). */
function brokenLink(page: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null;
  const [pathPart = '', anchor] = target.split('#', 2);
  const file = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
  if (!existsSync(file)) return `${target}: no file ${name(file)}`;
  if (anchor === undefined || anchor === '') return null;
  if (statSync(file).isDirectory() || !file.endsWith('.md'))
    return `${target}: an anchor into a file that is not Markdown`;
  return headingAnchors(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor).toLowerCase())
    ? null
    : `${target}: no heading #${anchor} in ${name(file)}`;
}

describe('Markdown helpers', () => {
  it('makes anchors as GitHub does, ignoring # lines inside code blocks', () => {
    const page =
      '# Title\n\n## What `npm start` runs\n\n```sh\n# a comment\n```\n\n## .dev.vars\n\n## Once: R2\n\n## Once: R2\n';
    expect([...headingAnchors(page)]).toEqual(['title', 'what-npm-start-runs', 'devvars', 'once-r2', 'once-r2-1']);
  });

  it('finds inline links and reference definitions, not brackets in code', () => {
    const page =
      'See [a](a.md#x) and ![b](img/b.png "B").\n\n`[c](not-a-link.md)`\n\n```\n[d](nor-this.md)\n```\n\n[e]: e.md\n';
    expect(linkTargets(page)).toEqual(['a.md#x', 'img/b.png', 'e.md']);
  });
});

describe('README.md and docs/', () => {
  it('has pages to check', () => {
    expect(docPages.length).toBeGreaterThan(0);
  });

  it('points every relative link at a file that exists, and every anchor at a heading of that file', () => {
    const broken = pages.flatMap((page) =>
      linkTargets(readFileSync(page, 'utf8'))
        .map((target) => brokenLink(page, target))
        .filter((problem): problem is string => problem !== null)
        .map((problem) => `${name(page)}: ${problem}`),
    );
    expect(broken).toEqual([]);
  });

  it('names only npm scripts that package.json defines', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
    );
    const missing = pages.flatMap((page) =>
      [...readFileSync(page, 'utf8').matchAll(/\bnpm (?:run(?:-script)? ([\w:-]+(?:\.[\w:-]+)*)|(start|test)\b)/g)]
        .map((m) => (m[1] ?? m[2]) as string)
        .filter((script) => !scripts.includes(script))
        .map((script) => `${name(page)}: npm run ${script}`),
    );
    expect([...new Set(missing)]).toEqual([]);
  });

  it('opens every docs/ page with a # title followed by a summary paragraph', () => {
    const badlyOpened = docPages.filter((page) => {
      const [title, blank, first] = readFileSync(page, 'utf8').split(/\r?\n/);
      const isTitle = title !== undefined && /^# \S/.test(title);
      // A paragraph: text, not another heading, a list, a table, a quote, a code fence or an HTML comment.
      const isParagraph =
        first !== undefined && first !== '' && !/^(\s|#|>|\||<|```|~~~|[*+-]\s|\d+[.)]\s)/.test(first);
      return !(isTitle && blank === '' && isParagraph);
    });
    expect(badlyOpened.map(name)).toEqual([]);
  });

  it('links every docs/ page from the README', () => {
    const linked = new Set(
      linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((target) =>
        resolve(ROOT, target.split('#')[0] as string),
      ),
    );
    expect(docPages.filter((page) => !linked.has(page)).map(name)).toEqual([]);
  });
});
