// How Argilla's Python server writes values: naive-UTC timestamps, Python's json.dumps for webhook bodies.

/** Microseconds since the Unix epoch: Argilla's timestamps carry microseconds, JavaScript's Date only ms. */
export type Micros = number;

export function microsFromDate(date: Date): Micros {
  return date.getTime() * 1000;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function parts(us: Micros): { date: Date; fraction: number } {
  const ms = Math.floor(us / 1000);
  return { date: new Date(ms), fraction: us - Math.floor(us / 1_000_000) * 1_000_000 };
}

/**
 * A naive-UTC timestamp the way Python's `datetime.isoformat()` prints it: no `Z`, no offset, and no
 * fraction when the microseconds are 0 (`2024-09-26T14:17:20.477163`, `2024-09-26T14:17:20`).
 */
export function formatNaive(us: Micros): string {
  const { date, fraction } = parts(us);
  const base =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return fraction === 0 ? base : `${base}.${pad(fraction, 6)}`;
}

/** The webhook envelope's event time: `strftime("%Y-%m-%dT%H:%M:%S.%fZ")`, always six fraction digits. */
export function formatEnvelopeTime(us: Micros): string {
  const naive = formatNaive(us);
  return naive.includes('.') ? `${naive}Z` : `${naive}.000000Z`;
}

/** Reads a naive ISO timestamp (an optional fraction of up to 6 digits, an optional `Z`) as UTC microseconds. */
export function parseNaive(text: string): Micros {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/.exec(text);
  if (!m) throw new Error(`not a naive ISO timestamp: '${text}'`);
  const [, y, mo, d, h, mi, s, f] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) throw new Error(`not a valid date: '${text}'`);
  return ms * 1000 + Number((f ?? '').padEnd(6, '0'));
}

/**
 * `json.dumps(value)` with Python's defaults: `", "` and `": "` separators and `ensure_ascii=True` (every
 * character outside printable ASCII as `\uXXXX`, astral ones as surrogate pairs). Webhook bodies are
 * signed in exactly this form, so a receiver must verify the raw bytes, never a re-serialisation.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('json.dumps(allow_nan) is not reproduced');
    return String(value);
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  throw new Error(`json.dumps cannot encode a ${typeof value}`);
}
