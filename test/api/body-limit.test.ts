/**
 * Issue 10, finding 4: no body limit. One unauthenticated 150 MB request to the login route took
 * the hub from 0.45 to 0.9-1.4 GB. Every route now refuses a body over its limit with 413, by its
 * declared length before reading and while a body without one streams in, holding at most the
 * limit. The hub runs in this process, so this process's RSS is the hub's.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';

const MB = 1024 * 1024;
const TOTAL = 150 * MB;

/**
 * Sends `total` bytes (one reused 64 KiB chunk, so the client holds no body) with a Content-Length
 * or chunked, and resolves with the response as soon as it comes, whether or not the hub read it all.
 */
function upload(port: number, path: string, opts: { total: number; chunked: boolean }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!opts.chunked) headers['content-length'] = String(opts.total);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers });
    const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON whitespace, so only the size is wrong
    let answered = false;
    let sent = 0;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The hub closes the connection after its 413: writes after that fail, which is the point.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const pump = (): void => {
      while (!answered && sent < opts.total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('request body limit', () => {
  let t: TestHub;
  let port: number;
  beforeAll(async () => {
    t = await startTestHub({ config: { detect: { enabled: false }, pipeline: { enabled: false }, cameras: [] } });
    port = t.hub.port;
  });
  afterAll(async () => t?.stop());

  /** Runs `fn` while sampling RSS every 5 ms; returns its result and the peak growth in MB. */
  async function peakGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const result = await fn();
      peak = Math.max(peak, process.memoryUsage().rss);
      return { result, growthMb: (peak - base) / MB };
    } finally {
      clearInterval(timer);
    }
  }

  it('answers an unauthenticated 150 MB login with a Content-Length 413 without reading it', async () => {
    const { result, growthMb } = await peakGrowth(() => upload(port, '/api/auth/login', { total: TOTAL, chunked: false }));
    expect(growthMb).toBeLessThan(50);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: expect.stringMatching(/^api: request body is larger than this route accepts \(4 KiB\)/) });
  });

  it('answers a chunked 150 MB login (no length) with 413 once the limit streams past', async () => {
    const { result, growthMb } = await peakGrowth(() => upload(port, '/api/auth/login', { total: TOTAL, chunked: true }));
    expect(growthMb).toBeLessThan(50);
    expect(result.status).toBe(413);
  });

  it('holds for several at once, chunked and not, and still signs in a real user afterwards', async () => {
    const { result, growthMb } = await peakGrowth(() =>
      Promise.all([
        ...[0, 1, 2].map(() => upload(port, '/api/auth/login', { total: TOTAL, chunked: true })),
        ...[0, 1, 2].map(() => upload(port, '/api/auth/login', { total: TOTAL, chunked: false })),
      ]),
    );
    expect(growthMb).toBeLessThan(50);
    expect(result.map((r) => r.status)).toEqual([413, 413, 413, 413, 413, 413]);
    const login = await fetch(`${t.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'viewer', password: TEST_PASSWORD }),
    });
    expect(login.status).toBe(200);
  });

  it('bounds every route: 1 MiB for a JSON body, checked after the permission', async () => {
    const big = { total: 2 * MB, chunked: true };
    // Unauthenticated: 401 before anything is read.
    expect((await upload(port, '/api/cameras', big)).status).toBe(401);
    const res = await fetch(`${t.base}/api/cameras`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.installer}`, 'content-type': 'application/json' },
      body: `{"id":"x","name":"${'a'.repeat(2 * MB)}"}`,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/\(1 MiB\)/);
    // A route that takes no body still refuses a large one.
    const ack = await fetch(`${t.base}/api/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.viewer}` },
      body: 'x'.repeat(MB),
    });
    expect(ack.status).toBe(413);
  });
});
