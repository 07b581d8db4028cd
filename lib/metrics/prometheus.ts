// The Prometheus text exposition format (version 0.0.4): metric families with `# HELP` and `# TYPE` lines,
// then their samples. Label values are data (entity type names come from SMEs), so they are escaped as the
// format says: backslash, double quote and line feed; every other character is written as it is.

/** The Content-Type of the text format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'summary';

export interface Sample {
  /** Appended to the family name: '' for the sample itself, `_sum` and `_count` for a summary's totals. */
  readonly suffix?: '' | '_sum' | '_count';
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value inside its double quotes: `\` -> `\\`, `"` -> `\"`, line feed -> `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** HELP text: `\` -> `\\`, line feed -> `\n` (a quote needs no escape there). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A sample value as Go's ParseFloat reads it back: `NaN`, `+Inf`, `-Inf`, or the shortest decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function sampleLine(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels ?? {});
  for (const [label] of labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`not a label name: ${label}`);
  }
  const set = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
  return `${name}${sample.suffix ?? ''}${set} ${formatValue(sample.value)}`;
}

/**
 * The exposition of `families`, in their order: each one's HELP and TYPE, then its samples, a line feed after
 * every line. Metric and label names are ours, not data: a wrong one is a bug and throws.
 */
export function renderExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`not a metric name: ${family.name}`);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(sampleLine(family.name, sample));
  }
  return lines.map((line) => `${line}\n`).join('');
}
