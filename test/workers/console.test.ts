import { beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { type ConsoleClient, csrfOf, ORIGIN, signIn, workerCall } from './console-client.ts';

let db: { url: string; warehouse: Warehouse };

const call = workerCall(ORIGIN, () => db.url);

const HOSTILE = `<img src=x onerror="alert(1)">'&amp;`;

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields),
});

beforeAll(async () => {
  db = await migratedDatabase('console');
  const now = "TIMESTAMPTZ '2026-12-01 10:00:00+00'";
  await db.warehouse.execute(
    `INSERT INTO entity_types (name, status, occurrence_count, document_count, examples, first_seen, last_seen, created_at, updated_at)
     VALUES ('VESSEL_NAME', 'active', 1234, 56, '["Nordic Star", "Aurora"]', ${now}, ${now}, ${now}, ${now}),
            ('VESEL_NAME', 'candidate', 3, 2, '["Nordc Star"]', ${now}, ${now}, ${now}, ${now}),
            ($1, 'candidate', 1, 1, to_json([$1::VARCHAR]), ${now}, ${now}, ${now}, ${now})`,
    [HOSTILE],
  );
  await db.warehouse.execute(
    `INSERT INTO field_definitions (source, name, inferred_type, occurrence_count, examples, status, created_at, updated_at, load_count)
     VALUES ('manifests', 'vessel_name', 'VARCHAR', 10, '["Sea Breeze"]', 'active', ${now}, ${now}, 3),
            ('manifests', 'vessel_nme', 'VARCHAR', 1, '["Aurora"]', 'candidate', ${now}, ${now}, 1)`,
  );
  const reasons = JSON.stringify([{ kind: 'similar', similarity: 0.9, distance: 1 }]);
  await db.warehouse.execute(
    `INSERT INTO entity_conflicts (id, kind, source, pair, new_name, existing_name, score, reasons, status, detected_at, run_id) VALUES
       ('c-typo', 'entity_type', '', 'a', 'VESEL_NAME', 'VESSEL_NAME', 0.9, $1::JSON, 'open', ${now}, 'run-1'),
       ('c-hostile', 'entity_type', '', 'b', $2, 'VESSEL_NAME', 0.5, $1::JSON, 'open', ${now} - INTERVAL 1 MINUTE, 'run-1'),
       ('c-field', 'field', 'manifests', 'c', 'vessel_nme', 'vessel_name', 0.8, $1::JSON, 'open', ${now} - INTERVAL 2 MINUTE, 'run-1')`,
    [reasons, HOSTILE],
  );
});

describe('signing in', () => {
  it('sends a visitor without a session to the sign-in page and back to where they were going', async () => {
    const home = await call('/conflicts/c-typo?x=1');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/sign-in?next=%2Fconflicts%2Fc-typo%3Fx%3D1');
    const page = await call('/sign-in?next=%2Fconflicts%2Fc-typo');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<input type="hidden" name="next" value="/conflicts/c-typo">');
    expect(html).toContain('name="token" type="password"');

    const signedIn = await call(
      '/sign-in',
      form({ by: 'maria', token: TEST_API_TOKEN, next: '/conflicts/c-typo' }, { origin: ORIGIN }),
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/conflicts/c-typo');
  });

  it('sets a signed HttpOnly SameSite=Strict cookie: Secure with __Host- over HTTPS, plain on loopback', async () => {
    const https = await call(
      'https://schema.example.com/sign-in',
      form({ by: 'maria', token: TEST_API_TOKEN }, { origin: 'https://schema.example.com' }),
    );
    const cookie = https.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Host-ls_console=[^;]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const loopback = await call(
      'http://127.0.0.1:8787/sign-in',
      form({ by: 'maria', token: TEST_API_TOKEN }, { origin: 'http://127.0.0.1:8787' }),
    );
    const local = loopback.headers.get('set-cookie') ?? '';
    expect(local).toMatch(/^ls_console=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    // The cookie carries no token.
    expect(decodeURIComponent(local)).not.toContain(TEST_API_TOKEN);
  });

  it('refuses a wrong token, a post from another origin, and a next that leaves the site', async () => {
    const wrong = await call('/sign-in', form({ by: 'maria', token: 'nope', next: '/catalog' }, { origin: ORIGIN }));
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.headers.get('location')).toBe('/sign-in?failed=1&next=%2Fcatalog');
    const again = await call(wrong.headers.get('location') as string);
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('That is not the API token.');

    const cross = await call(
      '/sign-in',
      form({ by: 'eve', token: TEST_API_TOKEN }, { origin: 'https://evil.example' }),
    );
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
    expect(await cross.text()).toContain('must be posted from the console itself');
    const noOrigin = await call('/sign-in', form({ by: 'eve', token: TEST_API_TOKEN }));
    expect(noOrigin.status).toBe(403);

    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const r = await call('/sign-in', form({ by: 'maria', token: TEST_API_TOKEN, next }, { origin: ORIGIN }));
      expect(r.headers.get('location')).toBe('/');
    }
  });

  it('ignores a tampered cookie, and signs out with a form post', async () => {
    const session = await signIn(call);
    const [name, value] = session.cookie.split('=') as [string, string];
    const forged = `${name}=${value.replace(/^\d+/, '1')}`;
    expect((await call('/', { headers: { cookie: forged } })).status).toBe(303);
    const out = await session.post('/sign-out', {});
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/ls_console=; Max-Age=0/);
  });
});

describe('the review queue', () => {
  let session: ConsoleClient;
  beforeAll(async () => {
    session = await signIn(call, 'maria@example.com');
  });

  it('answers with a CSP of its own scripts and styles, and no inline script or style', async () => {
    const response = await session.get('/');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(html).toContain('<script src="/console/console.js" defer></script>');
  });

  it('says in words which vocabulary rule fired and what values were shared, and where to fix the rule', async () => {
    const reasons = JSON.stringify([
      { kind: 'synonym', rule: 'vessel = ship', vocabulary: 4 },
      { kind: 'shared_values', shared: 2, overlap: 1, values: [HOSTILE, 'ever given'] },
    ]);
    await db.warehouse.execute(
      `INSERT INTO entity_conflicts (id, kind, source, pair, new_name, existing_name, score, reasons, status, detected_at, run_id)
       VALUES ('c-vocab', 'entity_type', '', 'v', 'SHIP_NAME', 'VESSEL_NAME', 0.9, $1::JSON, 'open', now(), 'run-1')`,
      [reasons],
    );
    try {
      const html = await (await session.get('/conflicts/c-vocab')).text();
      expect(html).toContain('synonyms in the vocabulary: &quot;vessel = ship&quot; (vocabulary v4)');
      expect(html).toContain('If it is wrong, change it in <code>vocabulary/maritime.yaml</code>');
      expect(html).toContain('2 example values in common (100% of the smaller set: &quot;&lt;img src=x');
      expect(html).not.toContain('<img src=x');
    } finally {
      await db.warehouse.execute(`DELETE FROM entity_conflicts WHERE id = 'c-vocab'`);
    }
  });

  it('shows each conflict with both names side by side, and escapes every name', async () => {
    const html = await (await session.get('/')).text();
    expect(html).toContain('<code>VESEL_NAME</code> ↔ <code>VESSEL_NAME</code>');
    expect(html).toContain('90% similar (1 edit apart)');
    expect(html).toMatch(/<h3>Existing <code>VESSEL_NAME<\/code><\/h3>[\s\S]*?1,234 annotations in 56 documents/);
    expect(html).toContain('<q>Nordic Star</q>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;amp;');
    expect(html.match(/class="decide"/g)).toHaveLength(3);
  });

  it('filters by kind, source and status', async () => {
    const fields = await (await session.get('/?kind=field&source=manifests')).text();
    expect(fields).toContain('<code>vessel_nme</code> ↔ <code>vessel_name</code>');
    expect(fields).not.toContain('VESEL_NAME</code> ↔');
    expect(fields).toContain('field of <code>manifests</code>');
    const types = await (await session.get('/?kind=entity_type')).text();
    expect(types).not.toContain('vessel_nme</code> ↔');
    const none = await (await session.get('/?status=rejected')).text();
    expect(none).toContain('Nothing to review with these filters.');
  });

  it('decides with a plain form post: refused without this session’s CSRF token, then 303 back saying what it did', async () => {
    const noToken = await session.post('/conflicts/c-typo/decide', { decision: 'merge' }, { csrf: null });
    expect(noToken.status).toBe(403);
    const otherToken = await session.post('/conflicts/c-typo/decide', { decision: 'merge' }, { csrf: 'f'.repeat(32) });
    expect(otherToken.status).toBe(403);
    const otherOrigin = await session.post(
      '/conflicts/c-typo/decide',
      { decision: 'merge' },
      { origin: 'https://evil.example' },
    );
    expect(otherOrigin.status).toBe(403);
    const signedOut = await call(
      '/conflicts/c-typo/decide',
      form({ decision: 'merge', csrf: session.csrf }, { origin: ORIGIN }),
    );
    expect(signedOut.status).toBe(401);
    expect(await signedOut.text()).toContain('sign in again');
    const [row] = await db.warehouse.query('SELECT status FROM entity_conflicts WHERE id = $1::VARCHAR', ['c-typo']);
    expect(row).toEqual({ status: 'open' });

    const decided = await session.post('/conflicts/c-typo/decide', {
      decision: 'merge',
      note: 'typo',
      back: '/?kind=entity_type',
    });
    expect(decided.status).toBe(303);
    expect(decided.headers.get('location')).toBe('/?kind=entity_type&decided=c-typo');
    const after = await (await session.get(decided.headers.get('location') as string)).text();
    expect(after).toContain('Merged <code>VESEL_NAME</code> ↔ <code>VESSEL_NAME</code>.');
    expect(after).not.toContain('action="/conflicts/c-typo/decide"');
    const api = await (await call('/api/conflicts/c-typo')).json();
    expect(api).toMatchObject({ status: 'merged', decision: 'merge', decidedBy: 'maria@example.com', note: 'typo' });
    const [entity] = await db.warehouse.query("SELECT status, merged_into FROM entity_types WHERE name = 'VESEL_NAME'");
    expect(entity).toEqual({ status: 'merged', merged_into: 'VESSEL_NAME' });

    const twice = await session.post('/conflicts/c-typo/decide', { decision: 'reject' });
    expect(twice.status).toBe(409);
    const page = await twice.text();
    expect(page).toContain('<h1>Already decided</h1>');
    expect(csrfOf(page)).toBe(session.csrf);
  });

  it('shows one conflict on its own page (where Slack links to), and a page for an unknown one', async () => {
    const one = await session.get('/conflicts/c-field');
    expect(one.status).toBe(200);
    expect(await one.text()).toContain('<code>vessel_nme</code> ↔ <code>vessel_name</code>');
    const missing = await session.get('/conflicts/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/text\/html/);
    expect(await missing.text()).toContain('no conflict nope');
    expect((await call('/review')).headers.get('location')).toBe('/');
  });
});
