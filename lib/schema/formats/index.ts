// Picks a schema format from `?format=` or `Accept` and renders a schema document in it. Pure: the
// routes (and the KV cache writer) call these; nothing here does I/O.
import { assertNever } from '../../discovery/snapshot.ts';
import { type SchemaDocument, SchemaFormat } from '../document.ts';
import { renderJsonSchema } from './json-schema.ts';
import { renderMarkdown } from './markdown.ts';
import { renderMermaid } from './mermaid.ts';
import { renderPrompt } from './prompt.ts';
import { renderZodModule } from './zod-module.ts';

/** Media types each format answers to, the first being the Content-Type it is served with. */
export const FORMAT_MEDIA_TYPES: Readonly<Record<SchemaFormat, readonly string[]>> = {
  json: ['application/json'],
  markdown: ['text/markdown'],
  mermaid: ['text/vnd.mermaid', 'text/x-mermaid'],
  zod: ['application/typescript', 'text/typescript'],
  'json-schema': ['application/schema+json'],
  prompt: ['text/plain'],
};

const CONTENT_TYPES: Readonly<Record<SchemaFormat, string>> = {
  json: 'application/json; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  mermaid: 'text/vnd.mermaid; charset=utf-8',
  zod: 'application/typescript; charset=utf-8',
  'json-schema': 'application/schema+json; charset=utf-8',
  prompt: 'text/plain; charset=utf-8',
};

const BY_MEDIA_TYPE = new Map<string, SchemaFormat>(
  Object.entries(FORMAT_MEDIA_TYPES).flatMap(([f, types]) => types.map((t) => [t, f as SchemaFormat] as const)),
);

interface AcceptEntry {
  readonly type: string;
  readonly q: number;
  readonly index: number;
}

function parseAccept(accept: string): AcceptEntry[] {
  return accept
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      const value = q === undefined ? 1 : Number(q.slice(2));
      return { type, q: Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0, index };
    })
    .filter((e) => e.type !== '' && e.q > 0);
}

// Wildcards are less specific than exact types: at equal q an exact type wins, then header order.
const specificity = (type: string): number => (type === '*/*' ? 0 : type.endsWith('/*') ? 1 : 2);

/**
 * The format a request asks for: `?format=` wins over `Accept`; `Accept` is read with q-values (an exact
 * type beats a wildcard at equal q; `*` and an absent header mean JSON). A `?format=` that is not a format,
 * or an Accept header with no type we serve, is an error naming the accepted values.
 */
export function pickFormat(param: string | undefined, accept: string | undefined): SchemaFormat | { error: string } {
  if (param !== undefined) {
    const parsed = SchemaFormat.safeParse(param.trim().toLowerCase());
    if (parsed.success) return parsed.data;
    return { error: `unknown format ${JSON.stringify(param)}: use one of ${SchemaFormat.options.join(', ')}` };
  }
  if (accept === undefined || accept.trim() === '') return 'json';
  const entries = parseAccept(accept).sort(
    (a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.index - b.index,
  );
  for (const e of entries) {
    const exact = BY_MEDIA_TYPE.get(e.type);
    if (exact) return exact;
    if (e.type === '*/*' || e.type === 'application/*') return 'json';
    if (e.type === 'text/*') return 'markdown';
  }
  return {
    error: `no schema format for Accept ${JSON.stringify(accept)}: accepted types are ${[...BY_MEDIA_TYPE.keys(), '*/*'].join(', ')} (or ?format=${SchemaFormat.options.join('|')})`,
  };
}

/** The body and Content-Type of a schema document in one format (`budget`: prompt tokens, see prompt.ts). */
export function renderSchema(
  doc: SchemaDocument,
  format: SchemaFormat,
  options: { budget?: number },
): { body: string; contentType: string } {
  return { body: renderBody(doc, format, options), contentType: CONTENT_TYPES[format] };
}

function renderBody(doc: SchemaDocument, format: SchemaFormat, options: { budget?: number }): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(doc, null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(doc);
    case 'mermaid':
      return renderMermaid(doc);
    case 'zod':
      return renderZodModule(doc);
    case 'json-schema':
      return renderJsonSchema(doc);
    case 'prompt':
      return renderPrompt(doc, options.budget);
    default:
      return assertNever(format);
  }
}
