// Structured logs: one JSON object per line, which Workers Logs and `wrangler tail` index by field.

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Sink = (line: string) => void;

/** A logger writing JSON lines; `base` fields (e.g. the worker name) go on every line. */
export function createLogger(base: LogFields = {}, sinks: { info?: Sink; warn?: Sink; error?: Sink } = {}): Logger {
  const write =
    (level: string, sink: Sink) =>
    (message: string, fields: LogFields = {}) => {
      sink(JSON.stringify({ level, message, ...base, ...fields }, jsonSafe));
    };
  return {
    info: write('info', sinks.info ?? ((line) => console.log(line))),
    warn: write('warn', sinks.warn ?? ((line) => console.warn(line))),
    error: write('error', sinks.error ?? ((line) => console.error(line))),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
