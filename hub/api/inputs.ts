/**
 * Schemas for what routes read from URLs, shared so that every route parses a time, a limit or an
 * id the same way. Query and path values arrive as strings: these coerce them, with bounds, so a
 * bad value is a 400 naming the field and never reaches a handler as NaN or an impossible date.
 */
import { z } from 'zod';
import { invalidInput } from './request-input.ts';

/** A JS Date holds ±8.64e15 ms; past that `new Date(ms).toISOString()` throws (a 500 before #10). */
export const MAX_TIME_MS = 8.64e15;

/** A time in a query: epoch milliseconds (digits) or an ISO 8601 string, parsed to epoch ms. */
export const timeMs = z
  .string()
  .transform((v, ctx) => {
    const ms = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) {
      ctx.addIssue({ code: 'custom', message: `expected epoch ms or an ISO time within ±${MAX_TIME_MS} ms, got "${v.slice(0, 40)}"` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'Epoch milliseconds or an ISO 8601 time' });

/** `from` and `to` of a query; `to` defaults to now and `from` to a span before it (per route). */
export const timeRangeShape = { from: timeMs.optional(), to: timeMs.optional() };

function fromNotAfterTo(q: unknown): boolean {
  const { from, to } = q as { from?: number; to?: number };
  return from === undefined || to === undefined || from <= to;
}

/** A strict query object with `from`/`to` and more fields, refusing `from` after `to`. */
export function rangeQuery<S extends z.ZodRawShape>(extra: S) {
  return z.strictObject({ ...timeRangeShape, ...extra }).refine(fromNotAfterTo, { message: 'must not be after to', path: ['from'] });
}

/**
 * Resolves an optional range to concrete epoch ms: `to` defaults to now, `from` to `spanMs` before
 * `to`. A `from` after the resolved `to` is a 400 like any other bad field.
 */
export function resolveRange(q: { from?: number; to?: number }, spanMs: number, now = Date.now()): { from: number; to: number } {
  const to = q.to ?? now;
  const from = q.from ?? Math.max(to - spanMs, -MAX_TIME_MS);
  if (from > to) throw invalidInput([{ path: 'query.from', message: `must not be after to (${new Date(to).toISOString()})` }]);
  return { from, to };
}

/** A page size: an integer from 1 to `max`, `fallback` when absent. */
export const limit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .meta({ description: `Page size, 1-${max} (default ${fallback})` });

/** `true` or `false` in a query (z.coerce.boolean would read "false" as true). */
export const queryFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .meta({ description: 'true or false' });

/** A path segment naming a thing by its slug or name (`:id`). */
export const nameParam = z.string().min(1).max(128);

/** `{ id }` in a path, any name. */
export const idParams = z.strictObject({ id: nameParam });

/** `{ id }` in a path, a positive integer row id. */
export const rowIdParams = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
