// The canonical JSON text of one value in structured_data.data (and in the metadata columns).
// Both loading strategies produce exactly these forms, so a file loads the same either way:
//   integers of any width      number, every digit kept (9007199254740993, 2^127 - 1)
//   decimals                   number with the column's scale (1.00, -12345678901234567890.12)
//   float / double             number: the value as a double, shortest text (a FLOAT 0.1 is exactly
//                              0.10000000149011612); NaN and infinities as "NaN", "Infinity", "-Infinity"
//   boolean, string            true / false, string
//   date / time                "2024-02-29" / "13:45:00.5"
//   timestamp                  "2024-02-29T13:45:00.123456" (no zone), with time zone: UTC and "Z";
//                              trailing zeros of the fraction dropped
//   binary                     base64 string
//   list / struct / map        array / object / object keyed by the key's text
//   null                       null

/** The day and tick counts DuckDB writes for infinity (negated: -infinity), in any unit. */
export const DATE_INFINITY = 2_147_483_647;
export const INFINITY_COUNT = (1n << 63n) - 1n;

/** 'infinity' or '-infinity' for DuckDB's count of either, else undefined. */
export function infinityName<T extends number | bigint>(value: T, infinity: T): string | undefined {
  if (value === infinity) return 'infinity';
  return value === -infinity ? '-infinity' : undefined;
}

/** `unscaled / 10^scale` as exact decimal text, e.g. (-5n, 2) -> "-0.05". */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}${B64[n & 63]}`;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${B64[n >> 18]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}=`;
  }
  return out;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Fraction digits of `ticks` at `digits` precision, trailing zeros removed ("" when zero). */
function fraction(ticks: bigint, digits: number): string {
  if (ticks === 0n) return '';
  return `.${ticks.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/**
 * "YYYY-MM-DD" for days since 1970-01-01, as DuckDB prints dates: four-digit years, more digits past
 * 9999, and "(BC)" after the date before year 1.
 */
export function dateText(days: number): string {
  // Howard Hinnant's civil_from_days: exact for any day count, unlike Date beyond its range.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const body = `${pad2(m)}-${pad2(d)}`;
  return y > 0 ? `${String(y).padStart(4, '0')}-${body}` : `${String(1 - y).padStart(4, '0')}-${body} (BC)`;
}

const UNIT_DIGITS = { s: 0, ms: 3, us: 6, ns: 9 } as const;
export type TimeUnit = keyof typeof UNIT_DIGITS;
const PER_SECOND: Record<TimeUnit, bigint> = { s: 1n, ms: 1_000n, us: 1_000_000n, ns: 1_000_000_000n };

/** ISO timestamp text for an epoch count in `unit`; `utc` appends Z (the value had a time zone). */
export function timestampText(value: bigint, unit: TimeUnit, utc: boolean): string {
  const per = PER_SECOND[unit];
  let seconds = value / per;
  let ticks = value % per;
  if (ticks < 0n) {
    ticks += per;
    seconds -= 1n;
  }
  const days = Number(seconds / 86_400n - (seconds % 86_400n < 0n ? 1n : 0n));
  const secOfDay = Number(seconds - BigInt(days) * 86_400n);
  const h = Math.floor(secOfDay / 3600);
  const m = Math.floor((secOfDay % 3600) / 60);
  const s = secOfDay % 60;
  const date = dateText(days);
  const time = `${pad2(h)}:${pad2(m)}:${pad2(s)}${fraction(ticks, UNIT_DIGITS[unit])}`;
  // DuckDB prints BC timestamps as "0045-03-15 (BC) 12:00:00"; the canonical form turns its spaces into T.
  const body = date.endsWith(' (BC)') ? `${date.slice(0, -5)}T(BC)T${time}` : `${date}T${time}`;
  return `${body}${utc ? 'Z' : ''}`;
}

/** "HH:MM:SS[.fraction]" for a time of day counted in `unit` since midnight. */
export function timeText(value: bigint, unit: TimeUnit): string {
  const per = PER_SECOND[unit];
  const seconds = Number(value / per);
  const ticks = value % per;
  return `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor((seconds % 3600) / 60))}:${pad2(seconds % 60)}${fraction(ticks, UNIT_DIGITS[unit])}`;
}
