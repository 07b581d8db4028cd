// Counts in words, for messages people read (digests, the console, CLI output).

/** `3 files`, `1 file`, `1,204 rows`: the count with thousands separators and the noun in the right number. */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
