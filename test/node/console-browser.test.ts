// The console in Debian's headless Chromium against a real `npm start` (a scratch stack): sign in, decide
// conflicts with the keyboard and with JavaScript off, see the catalog and the next snapshot change, open a
// version's diff with its diagram drawn, run a time-travel query, refresh a report and view its diff. Every
// main view is checked with axe-core for serious violations, must log no error (a CSP violation is one), and
// leaves a screenshot in .data/screenshots/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketDirectories, type UPLOAD_BUCKETS } from '../../tools/local/config.ts';
import { type ScratchStack, startScratchStack } from '../../tools/local/scratch-stack.ts';
import { putLocalObject, waitForIngestions } from '../../tools/local/upload.ts';
import { collectProblems, hasChromium, launchChromium, screenshot, seriousViolations } from '../support/browser.ts';

let stack: ScratchStack;
let token: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];

const csv = (text: string) => new TextEncoder().encode(text);

async function upload(bucket: (typeof UPLOAD_BUCKETS)[number], key: string, body: Uint8Array): Promise<string> {
  const r2Directories = bucketDirectories(join(stack.dir, '.data'));
  const put = await putLocalObject({ base: stack.base, token, r2Directories }, { bucket, key, body });
  const { verdicts, pending } = await waitForIngestions([put], { base: stack.base, bucket, idleMs: 60_000 });
  expect(pending).toEqual([]);
  return verdicts.get(key)?.status ?? 'none';
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${stack.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body as T;
}

const discovery = () => api<{ status: string }>('/__scheduled/discovery', { method: 'POST' });

/** Opens a view, checks it with axe-core and keeps its screenshot. */
async function view(path: string, name: string): Promise<void> {
  await page.goto(`${stack.base}${path}`);
  await checkPage(name);
}

async function checkPage(name: string): Promise<void> {
  // 'load', not 'networkidle': the diagram's frame, added and removed by the page, can keep the latter from firing.
  await page.waitForLoadState('load');
  await screenshot(page, name);
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  expect(problems, `errors on ${name}`).toEqual([]);
}

// Generous limits: a stack test shares 2 cores with the rest of the suite; nothing here asserts a duration.
const STEP_MS = 120_000;

describe.skipIf(!hasChromium())('the console in Chromium', { timeout: STEP_MS }, () => {
  beforeAll(async () => {
    stack = await startScratchStack();
    token = stack.vars().API_TOKEN as string;
    // Month one: two manifests whose columns almost match, so discovery raises two field conflicts.
    expect(
      await upload(
        'vessel-csv',
        'manifests/2026-11.csv',
        csv('vessel_name,imo_number,flag_state\nNordic Star,9321483,NO\nAurora,9074729,PA\n'),
      ),
    ).toBe('loaded');
    expect(
      await upload(
        'vessel-csv',
        'manifests/2026-11b.csv',
        csv('vessel_nme,imo_number,flag_stat\nSea Breeze,9176187,LR\n'),
      ),
    ).toBe('loaded');
    // A file that cannot load, for the ingestion view.
    expect(await upload('vessel-annotations', 'argilla/broken.parquet', csv('PAR1 not really parquet'))).toBe('failed');
    expect((await discovery()).status).toBe('succeeded');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    problems = collectProblems(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in with the API token and lands where it was going', async () => {
    await page.goto(`${stack.base}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await checkPage('sign-in');
    await page.fill('input[name="token"]', 'not the token');
    await page.fill('input[name="by"]', 'maria@example.com');
    await page.click('form.sign-in button[type="submit"]');
    await page.locator('p.error').waitFor();
    expect(await page.locator('p.error').textContent()).toContain('not the API token');
    await page.fill('input[name="by"]', 'maria@example.com');
    await page.fill('input[name="token"]', token);
    await page.click('form.sign-in button[type="submit"]');
    await page.waitForURL(`${stack.base}/`);
    // The cookie is the browser's alone: scripts cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe(
      '',
    );
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'ls_console', httpOnly: true, sameSite: 'Strict' });
    // The 401 of the wrong token was expected: start the error log afresh.
    problems.length = 0;
  });

  it('decides a conflict from the keyboard', async () => {
    await view('/', 'review-queue');
    const cards = page.locator('article.conflict');
    expect(await cards.count()).toBe(2);
    const card = page.locator('article.conflict', { hasText: 'vessel_nme ↔ vessel_name' });
    await card.focus();
    await page.keyboard.press('m');
    await page.locator('p.notice').waitFor();
    expect(await page.locator('p.notice').textContent()).toContain('Merged vessel_nme ↔ vessel_name.');
    expect(await page.locator('article.conflict').count()).toBe(1);
  });

  it('decides a conflict with JavaScript off, as a plain form post', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
    try {
      const noJs = await plain.newPage();
      await noJs.goto(`${stack.base}/`);
      const card = noJs.locator('article.conflict', { hasText: 'flag_stat ↔ flag_state' });
      await card.locator('input[name="note"]').fill('same column, typo');
      await card.locator('button[value="approve"]').click();
      await noJs.locator('p.notice').waitFor();
      expect(await noJs.locator('p.notice').textContent()).toContain('Approved flag_stat ↔ flag_state.');
      expect(await noJs.locator('#empty').textContent()).toBe('Nothing to review.');
    } finally {
      await plain.close();
    }
    const decided = await api<{ conflicts: { newName: string; decidedBy: string; note: string | null }[] }>(
      '/api/conflicts?status=approved',
    );
    expect(decided.conflicts).toEqual([
      expect.objectContaining({ newName: 'flag_stat', decidedBy: 'maria@example.com', note: 'same column, typo' }),
    ]);
  });

  it('links from the Slack digest to the conflict in the console', async () => {
    const digest = readFileSync(`${stack.dir}/.data/slack-messages.jsonl`, 'utf8');
    const link = /"url":"([^"]+\/conflicts\/[^"]+)"/.exec(digest)?.[1] as string;
    expect(link.startsWith(`${stack.base}/conflicts/`)).toBe(true);
    await page.goto(link);
    await page.locator('article.conflict').waitFor();
    expect(await page.locator('article.conflict p.decided').count()).toBe(1);
  });

  it('shows the decisions in the catalog', async () => {
    await view('/catalog?q=vessel', 'catalog');
    const row = page.locator('#catalog tbody tr', { hasText: 'vessel_nme' });
    expect(await row.locator('.status').textContent()).toBe('merged');
    expect(await page.locator('#catalog tbody tr', { hasText: 'vessel_name' }).count()).toBeGreaterThan(0);
  });

  it('publishes the decisions as the next snapshot, with a diff in words and the diagram drawn', async () => {
    expect((await discovery()).status).toBe('succeeded');
    await view('/schema', 'schema-timeline');
    expect(await page.locator('#versions tbody tr').count()).toBe(2);
    await page.locator('#versions a[href="/schema/versions/2"]').first().click();
    await page.waitForURL(`${stack.base}/schema/versions/2`);
    const picture = page.locator('img.diagram-picture');
    await picture.waitFor();
    expect(await picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(
      100,
    );
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('vessel_nme');
    expect(text).toContain('flag_stat');
    await checkPage('schema-version');
    await view(`/schema/at?at=${new Date().toISOString().slice(0, 10)}`, 'schema-at-date');
    expect(await page.locator('main').textContent()).toContain('v2');
  });

  let before: string;

  it('runs a time-travel query: the data as it stood before a later load', async () => {
    await api('/api/reports', {
      method: 'POST',
      body: JSON.stringify({
        name: 'rows per source',
        sql: 'SELECT source, count(*) AS n FROM structured_data GROUP BY source ORDER BY source',
        key: ['source'],
      }),
    });
    before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    const next = csv('vessel_name,port,eta\nNordic Star,NLRTM,2026-12-09\nAurora,SGSIN,2026-12-11\n');
    expect(await upload('vessel-csv', 'port_calls/2026-12.csv', next)).toBe('loaded');

    await page.goto(`${stack.base}/queries`);
    await page.fill('#sql', 'SELECT count(*) AS n FROM structured_data');
    await page.selectOption('select[name="mode"]', 'time_travel');
    await page.fill('input[name="at"]', before);
    await page.click('#query-form button[type="submit"]:not([formaction])');
    await page.locator('#result-meta').waitFor();
    expect(await page.locator('table.result tbody td').first().textContent()).toBe('3');
    expect(await page.locator('#sql').inputValue()).toBe('SELECT count(*) AS n FROM structured_data');
    await checkPage('query-time-travel');
    await page.selectOption('select[name="mode"]', 'live');
    await page.click('#query-form button[type="submit"]:not([formaction])');
    await page.locator('#result-meta').waitFor();
    expect(await page.locator('table.result tbody td').first().textContent()).toBe('5');
  });

  it('refreshes a report: the result changed, and the diff shows the new source', async () => {
    await page.goto(`${stack.base}/queries`);
    const report = page.locator('#reports tbody tr', { hasText: 'rows per source' });
    await report.locator('button', { hasText: 'Refresh' }).click();
    await page.locator('#refreshed').waitFor();
    expect(await page.locator('#refreshed').textContent()).toContain('the result changed');
    expect(await page.locator('.badge', { hasText: 'changed' }).count()).toBeGreaterThan(0);
    await checkPage('report');
    await page.click('a.button:has-text("View diff")');
    await page.locator('#added-rows').waitFor();
    expect(await page.locator('#added-rows').textContent()).toContain('port_calls');
    await checkPage('report-diff');
  });

  it('shows ingestion: recent loads, the failed file with its error, the dead-letter count', async () => {
    await view('/ingestion', 'ingestion');
    expect(await page.locator('#card-failed .n').textContent()).toBe('1');
    expect(await page.locator('#card-dead .n').textContent()).toBe('1');
    expect(await page.locator('#failed').textContent()).toContain('argilla/broken.parquet');
    expect(await page.locator('#loads tbody tr').count()).toBe(4);
  });
});
