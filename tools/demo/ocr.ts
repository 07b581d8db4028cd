// OCR pages of vessel documents (registration certificates, crew lists, port clearances) with the noise a
// scanner leaves: 0/O and 1/l swapped, rn read as m and m as rn, dropped characters, lines broken mid-word.
// Each page keeps where its entities ended up, so spans cover the noisy text SMEs actually saw.
import type { EntityKind } from './labels.ts';
import { int, pick, type Rand } from './prng.ts';
import { flagByCode, type Vessel } from './vessels.ts';

export type DocumentKind = 'registration_certificate' | 'crew_list' | 'port_clearance';

export interface PageSpan {
  readonly kind: EntityKind;
  readonly start: number;
  readonly end: number;
}

export interface OcrPage {
  readonly documentId: string;
  readonly page: number;
  readonly kind: DocumentKind;
  readonly vesselImo: string;
  readonly text: string;
  readonly spans: readonly PageSpan[];
  /** The scanner's own confidence, lower when more noise was added. */
  readonly confidence: number;
}

type Segment = string | { readonly kind: EntityKind; readonly text: string };

const SWAPS: Readonly<Record<string, string>> = { '0': 'O', O: '0', '1': 'l', l: '1', I: '1', '5': 'S' };

/** The text with OCR noise at `rate` (0..1) per character; ASCII in, ASCII out. */
export function addOcrNoise(text: string, rand: Rand, rate: number): { text: string; edits: number } {
  let out = '';
  let edits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const r = rand();
    if (r >= rate) {
      out += c;
      continue;
    }
    edits += 1;
    const swap = SWAPS[c];
    if (c === 'r' && text[i + 1] === 'n') {
      out += 'm';
      i += 1;
    } else if (c === 'm') out += 'rn';
    else if (swap !== undefined) out += swap;
    else if (c === ' ' && rand() < 0.5) out += '\n';
    else if (/[a-z]/.test(c) && text[i + 1] !== undefined && /[a-z]/.test(text[i + 1] as string) && rand() < 0.4)
      out += `${c}-\n`;
    else if (/[A-Za-z]/.test(c)) {
      // Dropped.
    } else out += c;
  }
  return { text: out, edits };
}

function render(
  segments: readonly Segment[],
  rand: Rand,
  rate: number,
): { text: string; spans: PageSpan[]; edits: number } {
  let text = '';
  let edits = 0;
  const spans: PageSpan[] = [];
  for (const s of segments) {
    const raw = typeof s === 'string' ? s : s.text;
    // Line breaks of the layout stay; noise goes inside the lines.
    const noisy = raw
      .split('\n')
      .map((line) => {
        const n = addOcrNoise(line, rand, rate);
        edits += n.edits;
        return n.text;
      })
      .join('\n');
    if (typeof s !== 'string') {
      // A span never starts or ends on whitespace an SME would not select.
      const trimmed = noisy.replace(/^\s+|\s+$/g, '');
      const lead = noisy.length - noisy.replace(/^\s+/, '').length;
      if (trimmed !== '')
        spans.push({ kind: s.kind, start: text.length + lead, end: text.length + lead + trimmed.length });
    }
    text += noisy;
  }
  return { text, spans, edits };
}

const GIVEN = [
  'Anders',
  'Maria',
  'Jose',
  'Olena',
  'Rahul',
  'Chen',
  'Kwame',
  'Sofia',
  'Mehmet',
  'Liam',
  'Ana',
  'Tomasz',
  'Yuki',
  'Fatima',
];
const FAMILY = [
  'Larsen',
  'Santos',
  'Reyes',
  'Kovalenko',
  'Nair',
  'Wei',
  'Mensah',
  'Papadopoulos',
  'Yilmaz',
  'Murphy',
  'Silva',
  'Nowak',
  'Tanaka',
  'Haddad',
];
const RANKS = ['Master', 'Chief Officer', 'Second Officer', 'Chief Engineer', 'Bosun', 'AB', 'Cook'];
export const PORTS = [
  'Rotterdam',
  'Singapore',
  'Hamburg',
  'Antwerp',
  'Piraeus',
  'Bergen',
  'Valletta',
  'Algeciras',
  'Gdansk',
  'Felixstowe',
];
const CARGO = ['containers', 'iron ore', 'crude oil', 'grain', 'LNG', 'steel coils', 'vehicles'];

const e = (kind: EntityKind, text: string): Segment => ({ kind, text });

function segmentsFor(kind: DocumentKind, v: Vessel, rand: Rand, month: number, date: string): Segment[] {
  const country = flagByCode(v.flag).country;
  switch (kind) {
    case 'registration_certificate':
      return [
        'CERTIFICATE OF REGISTRY\nName of ship: ',
        e('vessel_name', v.name),
        '\nIMO No. ',
        e('imo_number', v.imo),
        '   Call sign: ',
        e('call_sign', v.callSign),
        '\nPort of registry: ',
        e('port', pick(rand, PORTS)),
        '   Flag: ',
        e('flag_state', country),
        `\nGross tonnage: ${v.grossTonnage}   Built: ${v.buildYear}\nRegistered owner: `,
        e('owner', v.owner),
        `\nIssued ${date}\n`,
      ];
    case 'crew_list': {
      const out: Segment[] = [
        'CREW LIST (IMO FAL Form 5)\nVessel: ',
        e('vessel_name', v.name),
        '  IMO ',
        e('imo_number', v.imo),
        '\nPort of arrival: ',
        e('port', pick(rand, PORTS)),
        `  Date: ${date}\n`,
      ];
      const crew = int(rand, 3, 5);
      for (let i = 0; i < crew; i++) {
        out.push(
          `${i + 1}. `,
          e('crew_member', `${pick(rand, GIVEN)} ${pick(rand, FAMILY)}`),
          `  ${RANKS[i] ?? 'AB'}\n`,
        );
      }
      return out;
    }
    case 'port_clearance': {
      const from = pick(rand, PORTS);
      const out: Segment[] = [
        'PORT CLEARANCE\nThis is to certify that the ',
        e('vessel_name', v.name),
        ' (flag ',
        e('flag_state', country),
        '), call sign ',
        e('call_sign', v.callSign),
        ', has been cleared outward from ',
        e('port', from),
        `.\nDate: ${date}\n`,
      ];
      // Month 2's clearances carry cargo and ETA lines, which the registry team starts labelling.
      if (month >= 2) {
        out.push('Cargo: ', e('cargo_type', pick(rand, CARGO)), '   ETA next port: ', e('eta', `${date} 14:00`), '\n');
      }
      return out;
    }
  }
}

/** One page per document, `count` documents of each kind, for a month (1 or 2). */
export function makePages(rand: Rand, vessels: readonly Vessel[], month: number, count: number): OcrPage[] {
  const pages: OcrPage[] = [];
  const kinds: DocumentKind[] = ['registration_certificate', 'crew_list', 'port_clearance'];
  for (const kind of kinds) {
    for (let i = 0; i < count; i++) {
      const v = pick(rand, vessels);
      const date = `2026-${month === 1 ? '10' : '11'}-${String(int(rand, 1, 28)).padStart(2, '0')}`;
      const rate = 0.01 + rand() * 0.03;
      const rendered = render(segmentsFor(kind, v, rand, month, date), rand, rate);
      pages.push({
        documentId: `demo-m${month}-${kind.replaceAll('_', '-')}-${String(i + 1).padStart(3, '0')}`,
        page: 1,
        kind,
        vesselImo: v.imo,
        text: rendered.text,
        spans: rendered.spans,
        confidence: Math.round((0.99 - (rendered.edits / Math.max(rendered.text.length, 1)) * 3) * 1000) / 1000,
      });
    }
  }
  return pages;
}
