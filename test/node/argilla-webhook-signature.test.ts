// Standard Webhooks verification (lib/argilla/webhook-signature.ts) against the reference implementation,
// the `standardwebhooks` package Argilla signs with (through its Python twin).
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../lib/argilla/webhook-signature.ts';

// Argilla's form: base64 of 64 random bytes, no whsec_ prefix (argilla-2x-api.md 6.1).
const SECRET = btoa(String.fromCharCode(...Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256)));
const OTHER_SECRET = btoa(String.fromCharCode(...Array.from({ length: 64 }, (_, i) => (i * 53 + 7) % 256)));
const NOW = new Date('2026-11-21T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const BODY =
  '{"type": "response.updated", "version": 1, "timestamp": "2026-11-21T11:59:58.123456Z", "data": {"id": "r-1", "text": "\\u00e9"}}';

function delivery(overrides: { id?: string; timestamp?: number; body?: string; secret?: string } = {}) {
  const id = overrides.id ?? 'msg_2dTnM6Pj3N0d6Z4hQ1n1Ag';
  const timestamp = overrides.timestamp ?? NOW_SECONDS - 2;
  const body = overrides.body ?? BODY;
  const signature = new Webhook(overrides.secret ?? SECRET).sign(id, new Date(timestamp * 1000), body);
  return {
    body: new TextEncoder().encode(body),
    headers: new Headers({ 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }),
  };
}

const verify = (d: { body: Uint8Array; headers: Headers }, secret = SECRET, now = NOW) =>
  verifyWebhookSignature({ secret, headers: d.headers, body: d.body, now });

describe('verifyWebhookSignature', () => {
  it('accepts a delivery signed by the standardwebhooks package, with Argilla’s secret as it is returned', async () => {
    expect(await verify(delivery())).toEqual({
      ok: true,
      id: 'msg_2dTnM6Pj3N0d6Z4hQ1n1Ag',
      timestamp: NOW_SECONDS - 2,
    });
  });

  it('accepts the secret with the whsec_ prefix too', async () => {
    expect((await verify(delivery(), `whsec_${SECRET}`)).ok).toBe(true);
  });

  it('accepts a header of several signatures when any one matches, whatever its place', async () => {
    const d = delivery();
    const good = d.headers.get('webhook-signature') as string;
    const stale = new Webhook(OTHER_SECRET).sign('msg_x', new Date(NOW), BODY);
    for (const header of [`${stale} ${good}`, `${good} ${stale}`, `v1a,c29tZXRoaW5n ${stale} ${good}`]) {
      d.headers.set('webhook-signature', header);
      expect((await verify(d)).ok, header).toBe(true);
    }
  });

  it('accepts a timestamp up to 5 minutes away either way, and signs the same as the reference', async () => {
    expect((await verify(delivery({ timestamp: NOW_SECONDS - 300 }))).ok).toBe(true);
    expect((await verify(delivery({ timestamp: NOW_SECONDS + 300 }))).ok).toBe(true);
    const d = delivery();
    expect(await signWebhook(SECRET, 'msg_2dTnM6Pj3N0d6Z4hQ1n1Ag', NOW_SECONDS - 2, d.body)).toBe(
      d.headers.get('webhook-signature'),
    );
  });

  it('verifies what signWebhook signs, and the reference verifies it too', async () => {
    const body = new TextEncoder().encode(BODY);
    const signature = await signWebhook(SECRET, 'msg_1', NOW_SECONDS, body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW_SECONDS), 'webhook-signature': signature };
    expect((await verify({ body, headers: new Headers(headers) })).ok).toBe(true);
    // The reference checks against the wall clock: give it a timestamp of now.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const fresh = { ...headers, 'webhook-timestamp': String(nowSeconds) };
    fresh['webhook-signature'] = await signWebhook(SECRET, 'msg_1', nowSeconds, body);
    expect(new Webhook(SECRET).verify(BODY, fresh)).toMatchObject({ type: 'response.updated' });
  });

  it('refuses a signature made with another secret', async () => {
    expect(await verify(delivery({ secret: OTHER_SECRET }))).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(await verify(delivery(), OTHER_SECRET)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  it('refuses a tampered body, even one that parses to the same JSON', async () => {
    const d = delivery();
    const tampered = { ...d, body: new TextEncoder().encode(BODY.replace('r-1', 'r-2')) };
    expect(await verify(tampered)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    const reserialised = { ...d, body: new TextEncoder().encode(JSON.stringify(JSON.parse(BODY))) };
    expect(await verify(reserialised)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  it('refuses a tampered id or timestamp', async () => {
    const d = delivery();
    d.headers.set('webhook-id', 'msg_other');
    expect(await verify(d)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    const e = delivery();
    e.headers.set('webhook-timestamp', String(NOW_SECONDS - 1));
    expect(await verify(e)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  it('refuses a timestamp more than 5 minutes old or ahead, before checking the signature', async () => {
    expect(await verify(delivery({ timestamp: NOW_SECONDS - 301 }))).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
      message: 'webhook-timestamp is more than 300 s in the past',
    });
    expect(await verify(delivery({ timestamp: NOW_SECONDS + 301 }))).toEqual({
      ok: false,
      reason: 'timestamp_too_new',
      message: 'webhook-timestamp is more than 300 s in the future',
    });
  });

  it('refuses missing headers, naming them', async () => {
    const d = delivery();
    d.headers.delete('webhook-signature');
    d.headers.set('webhook-id', ' ');
    expect(await verify(d)).toEqual({
      ok: false,
      reason: 'missing_header',
      message: 'missing header webhook-id, webhook-signature',
    });
    expect(await verify({ body: d.body, headers: new Headers() })).toMatchObject({ reason: 'missing_header' });
  });

  it('refuses a malformed timestamp, signature or secret, without throwing', async () => {
    for (const timestamp of ['12.5', '-5', '1e9', 'now', `${NOW_SECONDS}abc`]) {
      const d = delivery();
      d.headers.set('webhook-timestamp', timestamp);
      expect(await verify(d), timestamp).toMatchObject({ ok: false, reason: 'malformed_timestamp' });
    }
    for (const signature of ['garbage', 'v1,', 'v1,not*base64', 'v2,c2ln']) {
      const d = delivery();
      d.headers.set('webhook-signature', signature);
      expect(await verify(d), signature).toMatchObject({ ok: false, reason: 'malformed_signature' });
    }
    for (const secret of ['', 'whsec_', 'not base64!']) {
      expect(await verify(delivery(), secret), secret).toMatchObject({ ok: false, reason: 'malformed_secret' });
    }
  });
});
