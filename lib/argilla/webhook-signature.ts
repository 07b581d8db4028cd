// Standard Webhooks verification (https://www.standardwebhooks.com), the scheme Argilla 2.5+ signs with:
// HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${raw body}` keyed by the base64-decoded secret.
// Web Crypto only, so it runs in workerd, Node and tests alike.
// Hand-written rather than the `standardwebhooks` package: that one reads Date.now() (no injected clock),
// throws instead of returning a reason, and hashes in pure JS where Web Crypto is native.

/** How far `webhook-timestamp` may be from the clock, either way (the reference verifier's 5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Why a delivery was refused. */
export type SignatureFailure =
  | 'missing_header'
  | 'malformed_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'malformed_signature'
  | 'no_matching_signature'
  | 'malformed_secret';

export type SignatureResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: SignatureFailure; readonly message: string };

/** The part of `Headers` the check reads (names are case-insensitive there). */
export interface HeaderLookup {
  get(name: string): string | null;
}

export interface VerifyInput {
  /** The secret as Argilla returns it on creation: standard base64, optionally `whsec_`-prefixed. */
  readonly secret: string;
  readonly headers: HeaderLookup;
  /** The body exactly as received: its bytes are what was signed, not a re-serialised JSON. */
  readonly body: Uint8Array;
  readonly now: Date;
  readonly toleranceSeconds?: number;
}

const SECRET_PREFIX = 'whsec_';

const fail = (reason: SignatureFailure, message: string): SignatureResult => ({ ok: false, reason, message });

/** The secret's key bytes, or null when it is not base64 (or empty). */
function secretKey(secret: string): Uint8Array | null {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = base64Bytes(encoded);
  return key && key.length > 0 ? key : null;
}

/** Standard base64 (with or without padding) to bytes; null when it is anything else. */
function base64Bytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function signedContent(id: string, timestamp: number, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix);
  content.set(body, prefix.length);
  return content;
}

async function hmac(key: Uint8Array, content: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    new Uint8Array(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, content));
}

/** Compares in time that depends only on the lengths, never on where the bytes differ. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Verifies a Standard Webhooks delivery: the three headers are present, the timestamp (integer seconds) is
 * within the tolerance of `now` either way, and one of the space-separated `v1,<base64>` signatures is the
 * HMAC of the raw body. Never throws: a refusal says why.
 */
export async function verifyWebhookSignature(input: VerifyInput): Promise<SignatureResult> {
  const id = input.headers.get('webhook-id');
  const timestampText = input.headers.get('webhook-timestamp');
  const signatures = input.headers.get('webhook-signature');
  const present = (v: string | null): v is string => v !== null && v.trim() !== '';
  if (!present(id) || !present(timestampText) || !present(signatures)) {
    const absent = Object.entries({
      'webhook-id': id,
      'webhook-timestamp': timestampText,
      'webhook-signature': signatures,
    })
      .filter(([, v]) => !present(v))
      .map(([name]) => name);
    return fail('missing_header', `missing header ${absent.join(', ')}`);
  }
  if (!/^\d{1,12}$/.test(timestampText.trim())) {
    return fail('malformed_timestamp', 'webhook-timestamp is not a whole number of seconds');
  }
  const timestamp = Number(timestampText.trim());
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const now = Math.floor(input.now.getTime() / 1000);
  if (now - timestamp > tolerance) {
    return fail('timestamp_too_old', `webhook-timestamp is more than ${tolerance} s in the past`);
  }
  if (timestamp - now > tolerance) {
    return fail('timestamp_too_new', `webhook-timestamp is more than ${tolerance} s in the future`);
  }
  const key = secretKey(input.secret);
  if (!key) return fail('malformed_secret', 'the webhook secret is not base64');
  // Other schemes (e.g. v1a, asymmetric) may sit beside v1 in the header; only v1 is ours to check.
  const candidates = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => base64Bytes(s.slice(3)))
    .filter((b): b is Uint8Array => b !== null && b.length > 0);
  if (candidates.length === 0) {
    return fail('malformed_signature', 'webhook-signature holds no v1,<base64> signature');
  }
  const expected = await hmac(key, signedContent(id, timestamp, input.body));
  let matched = false;
  // Every candidate is compared, so the time taken does not say which one matched.
  for (const candidate of candidates) matched = constantTimeEqual(candidate, expected) || matched;
  if (!matched) return fail('no_matching_signature', 'no signature in webhook-signature matches the body');
  return { ok: true, id, timestamp };
}

/**
 * The `webhook-signature` value for a delivery (`v1,<base64>`), as Argilla computes it: for tests and the
 * local stand-in. Throws when the secret is not base64, which is a caller's bug.
 */
export async function signWebhook(secret: string, id: string, timestamp: number, body: Uint8Array): Promise<string> {
  const key = secretKey(secret);
  if (!key) throw new Error('the webhook secret is not base64');
  return `v1,${bytesToBase64(await hmac(key, signedContent(id, timestamp, body)))}`;
}
