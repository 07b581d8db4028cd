// The one pagination shape of every list endpoint: `limit` and `offset` in, `{ <items>, limit, offset, total }` out.
import { z } from 'zod';

/** `limit` (1 to `max`, default `fallback`) and `offset` (0 or more, default 0) as query parameters. */
export function pageParams(max: number, fallback: number) {
  return z.object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(max)
      .default(fallback)
      .meta({ description: `how many items, 1 to ${max}` }),
    offset: z.coerce.number().int().min(0).default(0).meta({ description: 'how many matching items to skip' }),
  });
}

/** Where a page starts and how long it is. */
export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

/** One page of a list: its items under `key`, the request that cut it and how many items match in all. */
export type Page<K extends string, T> = { [P in K]: T[] } & PageRequest & { readonly total: number };

/** A page's response schema: `{ [key]: item[], limit, offset, total }`. */
export function pageSchema<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({
    ...({ [key]: z.array(item) } as Record<K, z.ZodArray<T>>),
    limit: z.number().int(),
    offset: z.number().int(),
    total: z.number().int().meta({ description: 'how many items match, across all pages' }),
  });
}
