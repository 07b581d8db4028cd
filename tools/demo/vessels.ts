// Synthetic vessels whose identifiers check out: IMO numbers with their check digit, MMSIs whose Maritime
// Identification Digits belong to the flag, call signs with the flag's ITU prefix.
import { int, pick, type Rand } from './prng.ts';

export interface Flag {
  /** ISO 3166-1 alpha-2. */
  readonly code: string;
  readonly country: string;
  /** Maritime Identification Digits ITU assigned to the country. */
  readonly mids: readonly number[];
  /** ITU call sign prefixes of the country. */
  readonly callPrefixes: readonly string[];
}

export const FLAGS: readonly Flag[] = [
  {
    code: 'PA',
    country: 'Panama',
    mids: [351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373],
    callPrefixes: ['3E', 'HO', 'HP'],
  },
  { code: 'LR', country: 'Liberia', mids: [636, 637], callPrefixes: ['A8', 'D5', '5L'] },
  { code: 'MH', country: 'Marshall Islands', mids: [538], callPrefixes: ['V7'] },
  { code: 'MT', country: 'Malta', mids: [215, 229, 248, 249, 256], callPrefixes: ['9H'] },
  { code: 'BS', country: 'Bahamas', mids: [308, 309, 311], callPrefixes: ['C6'] },
  { code: 'SG', country: 'Singapore', mids: [563, 564, 565, 566], callPrefixes: ['9V', 'S6'] },
  { code: 'NO', country: 'Norway', mids: [257, 258, 259], callPrefixes: ['LA', 'LB', 'LC'] },
  { code: 'GR', country: 'Greece', mids: [237, 239, 240, 241], callPrefixes: ['SV', 'SX'] },
  { code: 'DK', country: 'Denmark', mids: [219, 220], callPrefixes: ['OU', 'OX', 'OZ'] },
  { code: 'CY', country: 'Cyprus', mids: [209, 210, 212], callPrefixes: ['C4', '5B'] },
];

export function flagByCode(code: string): Flag {
  const flag = FLAGS.find((f) => f.code === code);
  if (!flag) throw new Error(`unknown flag ${code}`);
  return flag;
}

/** The IMO check digit of the first six digits: (d1*7 + d2*6 + ... + d6*2) mod 10. */
export function imoCheckDigit(six: string): number {
  if (!/^\d{6}$/.test(six)) throw new Error(`an IMO number's body is six digits, got '${six}'`);
  let sum = 0;
  for (let i = 0; i < 6; i++) sum += Number(six[i]) * (7 - i);
  return sum % 10;
}

/** Seven digits whose last is the check digit of the others. */
export function isValidImo(imo: string): boolean {
  return /^\d{7}$/.test(imo) && imoCheckDigit(imo.slice(0, 6)) === Number(imo[6]);
}

/** Whether the MMSI's first three digits are a MID of the flag. */
export function mmsiMatchesFlag(mmsi: string, flag: Flag): boolean {
  return /^\d{9}$/.test(mmsi) && flag.mids.includes(Number(mmsi.slice(0, 3)));
}

export interface Vessel {
  readonly name: string;
  readonly imo: string;
  readonly mmsi: string;
  readonly callSign: string;
  readonly flag: string;
  readonly grossTonnage: number;
  readonly deadweight: number;
  readonly buildYear: number;
  readonly owner: string;
  readonly manager: string;
}

const FIRST = [
  'Nordic',
  'Atlantic',
  'Aurora',
  'Baltic',
  'Coral',
  'Pacific',
  'Stella',
  'Ocean',
  'Silver',
  'Golden',
  'Polar',
  'Adriatic',
  'Cape',
  'Blue',
  'Iron',
  'Amber',
];
const SECOND = [
  'Star',
  'Spirit',
  'Pioneer',
  'Voyager',
  'Harmony',
  'Crest',
  'Falcon',
  'Trader',
  'Breeze',
  'Horizon',
  'Dawn',
  'Glory',
  'Wave',
  'Legend',
  'Mariner',
  'Pearl',
];
const OWNERS = [
  'Kjeldsen Shipping AS',
  'Aegean Bulk Carriers SA',
  'Meridian Tankers Ltd',
  'Harbour Line Pte Ltd',
  'Blue Anchor Maritime Inc',
  'Lindqvist Rederi AB',
  'Coastal Freight Holdings',
  'Orion Ship Management',
];
const MANAGERS = [
  'V.Ships Norway',
  'Anglo-Eastern',
  'Columbia Shipmanagement',
  'Wilhelmsen Ship Management',
  'Bernhard Schulte',
  'Thome Group',
];
const LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];

function digits(rand: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(int(rand, 0, 9));
  return s;
}

/** `count` vessels with distinct names and IMO numbers. */
export function makeVessels(rand: Rand, count: number): Vessel[] {
  const vessels: Vessel[] = [];
  const names = new Set<string>();
  const imos = new Set<string>();
  while (vessels.length < count) {
    const name = `${pick(rand, FIRST)} ${pick(rand, SECOND)}`;
    // Ships built since the 1980s carry 9xxxxxx numbers, older ones 8xxxxxx and 7xxxxxx.
    const body = `${pick(rand, ['9', '9', '9', '8'])}${digits(rand, 5)}`;
    const imo = `${body}${imoCheckDigit(body)}`;
    if (names.has(name) || imos.has(imo)) continue;
    names.add(name);
    imos.add(imo);
    const flag = pick(rand, FLAGS);
    const prefix = pick(rand, flag.callPrefixes);
    let callSign = prefix;
    while (callSign.length < 5) callSign += pick(rand, LETTERS);
    if (rand() < 0.5) callSign += String(int(rand, 1, 9));
    const grossTonnage = int(rand, 3_000, 95_000);
    vessels.push({
      name,
      imo,
      mmsi: `${pick(rand, flag.mids)}${digits(rand, 6)}`,
      callSign,
      flag: flag.code,
      grossTonnage,
      deadweight: Math.round(grossTonnage * (1.3 + rand() * 0.5)),
      buildYear: int(rand, 1996, 2024),
      owner: pick(rand, OWNERS),
      manager: pick(rand, MANAGERS),
    });
  }
  return vessels;
}
