// Span offsets: Argilla's server counts code points (Python str), its web UI sends UTF-16 code units
// (DOM selections). Both agree on text without astral characters; elsewhere a span is read in the unit it
// fits, converted to code points, or refused.

/** Code points of `text` (each astral character one). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** The UTF-16 offset of code point offset `cp` (clamped to the text). */
export function codePointToUtf16(points: readonly string[], cp: number): number {
  let units = 0;
  for (let i = 0; i < cp && i < points.length; i += 1) units += (points[i] as string).length;
  return units;
}

/** The code point offset of UTF-16 offset `units`, or null when it falls inside a surrogate pair. */
export function utf16ToCodePoint(text: string, units: number): number | null {
  if (units < 0 || units > text.length) return null;
  let cp = 0;
  let i = 0;
  while (i < units) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
    const next = text.charCodeAt(i + 1);
    i += pair && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    cp += 1;
  }
  return i === units ? cp : null;
}

export type OffsetReading =
  /** Read as code points (the two units agree, or only code points fit). */
  | { readonly kind: 'code_points'; readonly start: number; readonly end: number }
  /** Fit only as UTF-16 units (or read so): converted to code points. */
  | { readonly kind: 'converted'; readonly start: number; readonly end: number }
  | { readonly kind: 'refused'; readonly reason: string };

interface Fit {
  readonly cp: boolean;
  readonly utf16: { readonly start: number; readonly end: number } | null;
}

function fitSpan(text: string, points: readonly string[], start: number, end: number): Fit {
  const cp = start >= 0 && start < end && end <= points.length;
  const s = utf16ToCodePoint(text, start);
  const e = utf16ToCodePoint(text, end);
  const utf16 = start >= 0 && start < end && s !== null && e !== null ? { start: s, end: e } : null;
  return { cp, utf16 };
}

const WORD = /[\p{L}\p{N}]/u;

/** How well a code-point span sits on the text: edges at word boundaries, no surrounding spaces. */
function sense(points: readonly string[], start: number, end: number): number {
  const first = points[start] ?? '';
  const last = points[end - 1] ?? '';
  const before = points[start - 1] ?? ' ';
  const after = points[end] ?? ' ';
  let score = 0;
  if (first.trim() !== '' && last.trim() !== '') score += 1;
  if (!(WORD.test(before) && WORD.test(first))) score += 1;
  if (!(WORD.test(after) && WORD.test(last))) score += 1;
  return score;
}

/**
 * Reads the spans of one response over `text`. The two units agree when no astral character precedes a
 * span's end. Where they differ, the response is read in one unit (a UI response is UTF-16 throughout, an
 * SDK one code points): the unit every differing span fits; if both fit, the one whose spans sit better on
 * word boundaries (code points on a tie, the server's unit); a span that fits neither is refused.
 */
export function readSpanOffsets(
  text: string,
  spans: readonly { readonly start: number; readonly end: number }[],
): OffsetReading[] {
  const points = codePoints(text);
  const fits = spans.map((s) => fitSpan(text, points, s.start, s.end));
  const differs = spans.map((s, i) => {
    const f = fits[i] as Fit;
    return !(f.cp && f.utf16 !== null && f.utf16.start === s.start && f.utf16.end === s.end);
  });
  let cpOnly = 0;
  let utf16Only = 0;
  let cpScore = 0;
  let utf16Score = 0;
  spans.forEach((s, i) => {
    const f = fits[i] as Fit;
    if (!differs[i]) return;
    if (f.cp && f.utf16 === null) cpOnly += 1;
    if (!f.cp && f.utf16 !== null) utf16Only += 1;
    if (f.cp && f.utf16 !== null) {
      cpScore += sense(points, s.start, s.end);
      utf16Score += sense(points, f.utf16.start, f.utf16.end);
    }
  });
  const preferUtf16 = utf16Only > cpOnly || (utf16Only === cpOnly && utf16Score > cpScore);
  return spans.map((s, i): OffsetReading => {
    const f = fits[i] as Fit;
    if (!differs[i]) return { kind: 'code_points', start: s.start, end: s.end };
    if (f.utf16 !== null && (!f.cp || preferUtf16)) return { kind: 'converted', ...f.utf16 };
    if (f.cp) return { kind: 'code_points', start: s.start, end: s.end };
    return {
      kind: 'refused',
      reason: `span ${s.start}..${s.end} fits neither the ${points.length} code points nor the ${text.length} UTF-16 units of the text`,
    };
  });
}
