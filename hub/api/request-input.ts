/**
 * Reading a request's inputs for the router: the body, bounded while it streams in, and the
 * params, query and body parsed by the route's zod schemas into a 400 that names each bad field.
 */
import type { z } from 'zod';
import { HubError } from '../core/errors.ts';
import { formatPath } from '../config/config-error.ts';

/** Default largest JSON body: a camera or a programme is a few KiB; this leaves room and no more. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** A route that declares no body still gets a bound (a client may send `{}` to an action route). */
export const NO_BODY_LIMIT = 64 * 1024;

export interface InputIssue {
  path: string;
  message: string;
}

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

function tooLarge(limit: number): HubError {
  return new HubError(413, `api: request body is larger than this route accepts (${bytes(limit)})`, { limit });
}

/**
 * The body's bytes, or undefined when there is none. Refused with 413 when the declared length is
 * over `limit`, before anything is read, and when a body without a length (chunked) passes `limit`
 * while it streams in: at most `limit` bytes are ever held. The stream is left unread, never
 * cancelled: cancelling destroys the socket before the 413 reaches the client; the HTTP server
 * drains or closes the rest.
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = req.headers.get('content-length');
  if (declared !== null && !req.headers.has('transfer-encoding')) {
    const n = Number(declared);
    if (!Number.isFinite(n) || n > limit) throw tooLarge(limit);
    if (n === 0) return undefined;
  }
  if (!req.body) return undefined;
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (size === 0) return undefined;
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/** A body's JSON value; an empty body is `undefined` (a route's schema says whether that is allowed). */
export function parseJson(raw: Uint8Array | undefined): unknown {
  if (!raw) return undefined;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HubError(400, `api: request body must be JSON (${(err as Error).message})`, [{ path: 'body', message: 'not JSON' }]);
  }
}

/** Parses one part of a request; the issues are returned, prefixed with the part's name. */
export function parsePart<T>(where: 'params' | 'query' | 'body', schema: z.ZodType<T>, value: unknown): { data?: T; issues: InputIssue[] } {
  const r = schema.safeParse(value);
  if (r.success) return { data: r.data, issues: [] };
  return { issues: r.error.issues.map((i) => ({ path: formatPath([where, ...i.path]), message: i.message })) };
}

/** The 400 for a request whose inputs do not match the route's declaration. */
export function invalidInput(issues: InputIssue[]): HubError {
  const shown = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  return new HubError(400, `api: invalid request: ${shown}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`, issues);
}
