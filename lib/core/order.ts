// The one string order of the project: Unicode code points, as the warehouse sorts text.

/**
 * Compares by code point, not by UTF-16 unit (JavaScript's `<`) and not by locale (`localeCompare`
 * depends on the runtime's ICU data): the same everywhere, and the same as DuckDB's `ORDER BY` on text.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF: move them after E000-FFFF.
    x += x >= 0xe000 ? -0x800 : x >= 0xd800 ? 0x2000 : 0;
    y += y >= 0xe000 ? -0x800 : y >= 0xd800 ? 0x2000 : 0;
    return x - y;
  }
  return a.length - b.length;
}
