// Bearer-token checks for write endpoints.
import { sha256 } from '../core/hash.ts';

/** Compares the `Authorization: Bearer <token>` header with the expected token in constant time. */
export async function bearerMatches(header: string | undefined | null, expected: string): Promise<boolean> {
  if (!header || expected === '') return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  const [a, b] = await Promise.all([sha256(match[1] as string), sha256(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
