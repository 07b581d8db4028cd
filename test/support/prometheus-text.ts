// A strict reader of the Prometheus text exposition format (0.0.4), as Prometheus's own parser reads it: HELP
// and TYPE at most once per family and before its samples, a family's samples together, label values with
// exactly the escapes \\ \" \n, values as Go's ParseFloat takes them. It throws, naming the line, on anything else.

export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'summary', 'histogram', 'untyped']);

function fail(line: number, why: string): never {
  throw new Error(`line ${line}: ${why}`);
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_, c: string) =>
    c === '\\' ? '\\' : c === 'n' ? '\n' : fail(line, `bad escape \\${c} in HELP`),
  );
}

function parseValue(text: string, line: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) fail(line, `not a value: ${text}`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` from the start of `rest`; returns the labels and what follows. */
function parseLabels(rest: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let at = 1;
  for (;;) {
    if (rest[at] === '}') return { labels, rest: rest.slice(at + 1) };
    const name = LABEL.exec(rest.slice(at))?.[0] ?? fail(line, `expected a label name at ${rest.slice(at)}`);
    at += name.length;
    if (rest.slice(at, at + 2) !== '="') fail(line, `expected =" after ${name}`);
    at += 2;
    let value = '';
    for (;;) {
      const c = rest[at];
      if (c === undefined) fail(line, `unterminated value of ${name}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = rest[at + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else fail(line, `bad escape \\${next ?? ''} in ${name}`);
        at += 2;
      } else {
        value += c;
        at += 1;
      }
    }
    at += 1;
    if (name in labels) fail(line, `label ${name} twice`);
    labels[name] = value;
    if (rest[at] === ',') at += 1;
    else if (rest[at] !== '}') fail(line, `expected , or } after ${name}`);
  }
}

/** The family a sample name belongs to: a summary's `_sum` and `_count` belong to the summary. */
function familyOf(name: string, families: Map<string, ParsedFamily>): string {
  for (const suffix of ['_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ['summary', 'histogram'].includes(families.get(base)?.type ?? '')) return base;
  }
  return name;
}

/** The families of an exposition, in the order they appear. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  let current: string | undefined;
  const open = (name: string, line: number): ParsedFamily => {
    if (name !== current) {
      if (closed.has(name)) fail(line, `${name} appears again after other families`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    const family = families.get(name) ?? { name, help: undefined, type: undefined, samples: [] };
    families.set(name, family);
    return family;
  };
  text
    .split('\n')
    .slice(0, -1)
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      // As Prometheus does, blanks after the name are skipped; the rest of the line (CR included) is the text.
      const meta = /^#[ \t]+(HELP|TYPE)[ \t]+([^ \t]+)(?:[ \t]+(.*))?$/s.exec(raw);
      if (meta) {
        const [, kind, name = '', rest = ''] = meta;
        if (!NAME.test(name) || NAME.exec(name)?.[0] !== name) fail(line, `not a metric name: ${name}`);
        const family = open(name, line);
        if (kind === 'HELP') {
          if (family.help !== undefined) fail(line, `second HELP for ${name}`);
          family.help = unescapeHelp(rest, line);
        } else {
          if (family.type !== undefined) fail(line, `second TYPE for ${name}`);
          if (family.samples.length > 0) fail(line, `TYPE for ${name} after its samples`);
          if (!TYPES.has(rest)) fail(line, `unknown type ${rest}`);
          family.type = rest;
        }
        return;
      }
      if (raw.startsWith('#')) return;
      const name = NAME.exec(raw)?.[0] ?? fail(line, `not a sample: ${raw}`);
      let rest = raw.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
      const fields = rest.trim().split(/[ \t]+/);
      if (!/^[ \t]/.test(rest) || fields.length < 1 || fields.length > 2) fail(line, `expected a value: ${raw}`);
      const family = open(familyOf(name, families), line);
      family.samples.push({ name, labels, value: parseValue(fields[0] as string, line) });
    });
  return families;
}

/** Every sample of the exposition, with its family's type. */
export function samplesOf(families: Map<string, ParsedFamily>): (ParsedSample & { type: string | undefined })[] {
  return [...families.values()].flatMap((f) => f.samples.map((s) => ({ ...s, type: f.type })));
}
