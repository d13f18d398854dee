import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { HubError } from '../core/errors.ts';

/**
 * Serves a file with HTTP range support (single ranges), so players can seek in recordings and
 * clips without downloading them whole.
 */
export function serveFileWithRange(path: string, rangeHeader: string | undefined, contentType: string): Response {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    // Never the path: where the hub keeps files is not for API answers (issue 11, finding 9).
    throw new HubError(404, 'media: the file is no longer on the hub (deleted by retention?)');
  }
  const headers = new Headers({ 'content-type': contentType, 'accept-ranges': 'bytes' });
  if (!rangeHeader) {
    headers.set('content-length', String(size));
    return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, { status: 200, headers });
  }
  const m = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw rangeError(size, `unsupported Range "${rangeHeader}"`);
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw rangeError(size, `range ${rangeHeader} is outside the ${size}-byte file`);
  headers.set('content-range', `bytes ${start}-${end}/${size}`);
  headers.set('content-length', String(end - start + 1));
  return new Response(Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream, { status: 206, headers });
}

function rangeError(size: number, message: string): HubError {
  return new HubError(416, `media: ${message}`, { size });
}
