/**
 * Issue 10, finding 5: bad input is a 400 naming the field, never a 500. Walks EVERY registered
 * route as an admin with hostile inputs (wrong-type and out-of-range query values, odd path
 * segments, null/array/string/malformed bodies, huge numbers) on a real hub over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestHub, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';
import type { RouteInfo } from '../../hub/api/router.ts';

const PARAM_VALUES = ['cam', '1', '0', '-1', '1e400', '99999999999999999999999', '%00', '%E0%A4%A', 'a'.repeat(300)];
const QUERY_VALUES = ['abc', '', '-1', '8640000000000001', '-8640000000000001', '1e400', '99999999999999999999', '2026-13-45T99:00'];
/** Query names routes read today, for routes that declare none (and so the walk fails on old code). */
const COMMON_QUERY = ['limit', 'from', 'to', 'before', 'days', 'camera', 'device', 'point', 'tier', 'state', 'resolution', 'withRules', 'actor'];
const BODIES = [
  'null',
  '[]',
  '"text"',
  '123',
  '{}',
  '{"a":',
  '{"id":1e400}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  JSON.stringify({
    id: {},
    name: 5,
    source: null,
    command: 5,
    args: 'x',
    value: {},
    to: [],
    text: null,
    verdict: 1,
    format: 7,
    username: 1,
    password: [],
    role: 'god',
    enabled: 'yes',
    detect: [],
    days: -1,
  }),
];

const keysOf = (schema: unknown): string[] => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);
const fill = (path: string, value: string) => path.replace(/:[A-Za-z0-9_]+/g, value);

describe('hostile input on every route', () => {
  let t: TestHub;
  let token: string;
  const refreshed: string[] = [];

  beforeAll(async () => {
    t = await startTestHub({
      config: {
        detect: { enabled: false },
        cameras: [{ id: 'cam', name: 'Cổng', enabled: false, source: { type: 'testsrc' } }],
        events: {
          rules: [
            {
              id: 'cam-night',
              type: 'intrusion',
              camera: 'cam',
              zone: [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 1],
              ],
            },
          ],
        },
      },
    });
    // Its own session: the walk signs out through /api/auth/logout, and signs in again.
    token = (await t.hub.ctx.users.login('admin', TEST_PASSWORD)).token;
  });
  afterAll(async () => t?.stop());

  /** One request as the admin; after a sign-out (logout) the next request has a new session. */
  async function send(method: string, url: string, body?: string): Promise<number> {
    const ctl = new AbortController();
    const res = await fetch(t.base + url, {
      method,
      signal: ctl.signal,
      body,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    });
    await res.body?.cancel().catch(() => undefined); // live streams stay open otherwise
    ctl.abort();
    if (res.status === 401) refreshed.push(`${method} ${url}`);
    if (res.status === 401 || url.startsWith('/api/auth/logout')) token = (await t.hub.ctx.users.login('admin', TEST_PASSWORD)).token;
    return res.status;
  }

  it('answers no hostile request with a 500', async () => {
    // Deletions last, so the others still find the camera they may act on.
    const routes = [...t.hub.ctx.api.routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    const failures: string[] = [];
    let sent = 0;
    const check = async (r: RouteInfo, url: string, body?: string) => {
      const status = await send(r.method, url, body);
      sent++;
      if (status >= 500) failures.push(`${r.method} ${url}${body !== undefined ? ` body ${body.slice(0, 60)}` : ''} -> ${status}`);
    };
    for (const r of routes) {
      const base = fill(r.path, 'cam');
      for (const v of PARAM_VALUES) await check(r, fill(r.path, v));
      // Each declared field alone (the others absent), then every field at once with the same value.
      const names = keysOf((r as { query?: unknown }).query);
      for (const name of names) {
        for (const v of QUERY_VALUES) await check(r, `${base}?${name}=${encodeURIComponent(v)}`);
      }
      for (const v of QUERY_VALUES) {
        await check(r, `${base}?${(names.length ? names : COMMON_QUERY).map((n) => `${n}=${encodeURIComponent(v)}`).join('&')}`);
      }
      await check(r, `${base}?limit=1&limit=2&from[]=1`);
      if (r.method !== 'GET') for (const body of BODIES) await check(r, base, body);
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    expect(refreshed).toEqual([]); // no other route ended the admin's session
  }, 300_000);

  it('names the field in the 400 for the cases of the issue', async () => {
    const get = async (url: string, init: RequestInit = {}) => {
      const res = await t.request(url, { role: 'admin', ...init });
      return { status: res.status, body: (await res.json()) as { error: string; detail: Array<{ path: string; message: string }> } };
    };
    const audit = await get('/api/audit?limit=abc');
    expect(audit.status).toBe(400);
    expect(audit.body.detail.map((d) => d.path)).toEqual(['query.limit']);
    expect(audit.body.error).toMatch(/query\.limit: /);
    const past = await get('/api/recordings?camera=cam&to=8640000000000001');
    expect(past.status).toBe(400);
    expect(past.body.detail.map((d) => d.path)).toEqual(['query.to']);
    const backwards = await get('/api/recordings?camera=cam&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z');
    expect([backwards.status, backwards.body.detail[0]?.path]).toEqual([400, 'query.from']);
    const nul = await get('/api/cameras/cam', { method: 'PUT', body: 'null', headers: { 'content-type': 'application/json' } });
    expect(nul.status).toBe(400);
    expect(nul.body.detail.map((d) => d.path)).toEqual(['body']);
    const unknown = await get('/api/events?camra=cam');
    expect([unknown.status, unknown.body.detail[0]?.path]).toEqual([400, 'query']);
  });

  it('checks the permission before the input: 401 and 403 come first', async () => {
    const bad = await t.request('/api/audit?limit=abc');
    expect(bad.status).toBe(401);
    const viewer = await t.request('/api/audit?limit=abc', { role: 'viewer' });
    expect(viewer.status).toBe(403);
  });

  it('keeps every route declaration as data: params for every path parameter', () => {
    for (const r of t.hub.ctx.api.routes) {
      const inPath = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
      expect(keysOf(r.params).sort(), `${r.method} ${r.path}`).toEqual(inPath.sort());
      expect(r.bodyLimit, `${r.method} ${r.path}`).toBeGreaterThan(0);
    }
  });
});
