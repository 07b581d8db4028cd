// Instants the schema API takes (`/api/schema/at/:instant`): a UTC date, which means the end of that day,
// or a date-time with its zone. Nothing else: a date-time without a zone would depend on the server's.

/** The forms parseInstant accepts, as an error message shows them. */
export const INSTANT_FORMS =
  'YYYY-MM-DD (the end of that day, UTC: 23:59:59.999Z), or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or ±HH:MM';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

// Years before 100 are refused: Date.UTC reads them as 19xx.
function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * The instant `text` names, or why not. A date is the end of that day in UTC (23:59:59.999Z), so
 * `at/2026-11-21` is the schema as it stood when that day ended; fractions beyond milliseconds are cut.
 */
export function parseInstant(text: string): Date | { error: string } {
  const invalid = { error: `not an instant: ${JSON.stringify(text)}; accepted: ${INSTANT_FORMS}` };
  const date = DATE.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!validDate(y, m, d)) return invalid;
    return new Date(Date.UTC(y, m - 1, d, 23, 59, 59, 999));
  }
  const dt = DATE_TIME.exec(text);
  if (!dt) return invalid;
  const [y, mo, d, h, mi] = [Number(dt[1]), Number(dt[2]), Number(dt[3]), Number(dt[4]), Number(dt[5])];
  const s = dt[6] === undefined ? 0 : Number(dt[6]);
  const ms = dt[7] === undefined ? 0 : Number(dt[7].slice(0, 3).padEnd(3, '0'));
  const zone = (dt[8] as string).toUpperCase();
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return invalid;
  let offset = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return invalid;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset * 60_000);
}
