// PLACEHOLDER: the formats branch (issue 14, lib/schema/formats/*) replaces this file. It exports the
// two functions the schema routes and the KV publisher call, with these signatures; JSON only here.
import { AppError } from '../../errors.ts';
import { type SchemaDocument, SchemaFormat } from '../document.ts';

/** The format a request asks for: `?format=` first, then `Accept`; JSON when neither names one. */
export function pickFormat(param: string | undefined, accept: string | undefined): SchemaFormat | { error: string } {
  if (param !== undefined) {
    const parsed = SchemaFormat.safeParse(param);
    return parsed.success
      ? parsed.data
      : { error: `format ${JSON.stringify(param)} is not one of ${SchemaFormat.options.join(', ')}` };
  }
  // The formats branch reads `accept`; this placeholder answers JSON to any.
  void accept;
  return 'json';
}

/** One schema document in one format. */
export function renderSchema(
  doc: SchemaDocument,
  format: SchemaFormat,
  _options: { budget?: number },
): { body: string; contentType: string } {
  if (format !== 'json') throw new AppError('not_acceptable', `format ${format} is not available yet`);
  return { body: JSON.stringify(doc), contentType: 'application/json; charset=utf-8' };
}
