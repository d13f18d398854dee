import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HubError } from '../core/errors.ts';
import { parseJson, parsePart, readBody } from './request-input.ts';
import { limit, rangeQuery, resolveRange, timeMs } from './inputs.ts';

/** A request whose body arrives in `chunks` chunks of `size` bytes, with no length (chunked). */
function streamed(chunks: number, size: number, headers: Record<string, string> = {}): { req: Request; pulled: () => number } {
  let n = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(ctl) {
        if (n++ >= chunks) ctl.close();
        else ctl.enqueue(new Uint8Array(size));
      },
    },
    { highWaterMark: 0 },
  );
  return { req: new Request('http://hub/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit), pulled: () => n };
}

const statusOf = async (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: HubError) => e.status,
  );

describe('request bodies', () => {
  it('refuses a declared length over the limit before reading anything', async () => {
    const { req, pulled } = streamed(100, 1024, { 'content-length': String(100 * 1024) });
    expect(await statusOf(readBody(req, 4096))).toBe(413);
    expect(pulled()).toBe(0);
  });

  it('stops reading a body without a length as soon as it passes the limit', async () => {
    const { req, pulled } = streamed(10_000, 1024);
    expect(await statusOf(readBody(req, 4096))).toBe(413);
    expect(pulled()).toBeLessThanOrEqual(6);
  });

  it('returns the bytes of a body within the limit, and nothing for an empty one', async () => {
    expect((await readBody(streamed(3, 1000).req, 4096))?.byteLength).toBe(3000);
    expect(await readBody(streamed(0, 0).req, 4096)).toBeUndefined();
  });

  it('reads malformed JSON as a 400 and an empty body as undefined', () => {
    expect(() => parseJson(new TextEncoder().encode('{"a":'))).toThrow(/must be JSON/);
    expect(parseJson(new TextEncoder().encode('  '))).toBeUndefined();
    expect(parseJson(new TextEncoder().encode('null'))).toBeNull();
  });
});

describe('input schemas', () => {
  it('names each bad field by its place in the request', () => {
    const r = parsePart('body', z.strictObject({ source: z.strictObject({ url: z.string() }), list: z.array(z.number()) }), {
      source: { url: 1 },
      list: [1, 'x'],
    });
    expect(r.issues.map((i) => i.path)).toEqual(['body.source.url', 'body.list[1]']);
    expect(parsePart('body', z.strictObject({}), null).issues.map((i) => i.path)).toEqual(['body']);
  });

  it('parses times as epoch ms or ISO, within the range a Date can hold', () => {
    expect(timeMs.parse('1700000000000')).toBe(1_700_000_000_000);
    expect(timeMs.parse('2026-12-01T00:00:00Z')).toBe(Date.parse('2026-12-01T00:00:00Z'));
    for (const bad of ['8640000000000001', '-8640000000000001', 'abc', '', '2026-13-45']) expect(timeMs.safeParse(bad).success, bad).toBe(false);
  });

  it('coerces a limit within its bounds, with its default', () => {
    const l = limit(100, 20);
    expect([l.parse(undefined), l.parse('5')]).toEqual([20, 5]);
    for (const bad of ['abc', '0', '101', '1.5', '1e400']) expect(l.safeParse(bad).success, bad).toBe(false);
  });

  it('refuses from after to, given or defaulted', () => {
    const q = rangeQuery({});
    expect(q.safeParse({ from: '2000', to: '1000' }).error?.issues[0]?.path).toEqual(['from']);
    expect(() => resolveRange({ from: 2000 }, 60_000, 1000)).toThrow(/query\.from: must not be after to/);
    expect(resolveRange({}, 60_000, 100_000)).toEqual({ from: 40_000, to: 100_000 });
  });
});
