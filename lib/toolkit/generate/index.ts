// The formats `npm run schema -- generate` writes, each a pure renderer of a SchemaModel, and the file each
// one is committed as under schema/generated/ (checked for staleness by `npm run schema -- check`).
import type { SchemaModel } from '../model.ts';
import { renderJsonSchema } from './json-schema.ts';
import { renderMarkdown } from './markdown.ts';
import { type DocumentedJoin, renderMermaid } from './mermaid.ts';
import { renderTypes } from './ts.ts';
import { renderZod } from './zod.ts';

export const GENERATE_FORMATS = ['zod', 'ts', 'markdown', 'mermaid', 'json-schema'] as const;
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

/** The file name of each format under schema/generated/. */
export const GENERATED_FILES: Readonly<Record<GenerateFormat, string>> = {
  zod: 'zod.ts',
  ts: 'types.ts',
  markdown: 'schema.md',
  mermaid: 'schema.mmd',
  'json-schema': 'schema.json',
};

export interface RenderOptions {
  /** Where the model came from, named in each file's header. */
  readonly source: string;
  /** Documented joins for the Mermaid diagram (FOREIGN KEYs are drawn anyway). */
  readonly joins?: readonly DocumentedJoin[];
}

/** The text of `format` for `model`. */
export function renderFormat(format: GenerateFormat, model: SchemaModel, options: RenderOptions): string {
  switch (format) {
    case 'zod':
      return renderZod(model, options);
    case 'ts':
      return renderTypes(model, options);
    case 'markdown':
      return renderMarkdown(model, options);
    case 'mermaid':
      return renderMermaid(model, options);
    case 'json-schema':
      return renderJsonSchema(model, options);
  }
}
