/**
 * Issue 10, finding 6: live streams (events and devices SSE) kept delivering after the session that
 * opened them was logged out, nothing capped them per session, and the two fan-outs each lacked
 * half of what a stream needs. Both now run on hub/api/sse.ts: a real hub, real HTTP clients.
 */
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';
import type { SecurityEvent } from '../../hub/events/store.ts';

interface Live {
  status: number;
  text(): string;
  /** The body ended (the hub closed the stream). */
  ended: boolean;
  res: IncomingMessage;
  req: ClientRequest;
}

describe('live streams', () => {
  let t: TestHub;
  const opened: Live[] = [];
  let eventId = 0;

  beforeAll(async () => {
    t = await startTestHub({ config: { detect: { enabled: false }, pipeline: { enabled: false }, cameras: [] } });
    for (const name of ['lan', 'minh', 'hoa', 'tuan']) await t.hub.ctx.users.add(name, 'viewer', TEST_PASSWORD);
  });
  afterEach(() => {
    for (const l of opened.splice(0)) l.req.destroy();
  });
  afterAll(async () => t?.stop());

  const login = async (name: string) => (await t.hub.ctx.users.login(name, TEST_PASSWORD)).token;

  function open(path: string, token: string): Promise<Live> {
    return new Promise((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port: t.hub.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        const live: Live = { status: res.statusCode ?? 0, text: () => text, ended: false, res, req };
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (live.ended = true));
        res.on('error', () => undefined);
        opened.push(live);
        resolve(live);
      });
      req.on('error', reject);
    });
  }

  const publish = (extra: Record<string, unknown> = {}) =>
    t.hub.ctx.services.events!.stream.publish('new', { id: ++eventId, tier: 'alert', ...extra } as unknown as SecurityEvent);

  const logout = (token: string) => fetch(`${t.base}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  it('keeps delivering until its session logs out, then ends both streams of that session at once; another session is untouched', async () => {
    const [a, b] = [await login('lan'), await login('lan')];
    const events = await open('/api/events/stream', a);
    const devices = await open('/api/devices/stream', a);
    const other = await open('/api/events/stream', b);
    expect([events.status, devices.status, other.status]).toEqual([200, 200, 200]);
    await waitFor(() => events.text().includes('event: hello') && devices.text().includes('event: hello'), 5000, 'hello on both streams', 20);

    for (let i = 0; i < 3; i++) {
      publish();
      await waitFor(() => events.text().split('event: new').length - 1 === i + 1, 5000, `message ${i + 1}`, 20);
    }

    // Ended by the logout itself: well inside the 15 s heartbeat that would re-check the session.
    expect((await logout(a)).status).toBe(200);
    await waitFor(() => events.ended && devices.ended, 5000, 'both streams of the session ended', 10);

    publish();
    await waitFor(() => other.text().split('event: new').length - 1 === 4, 5000, 'the other session still served', 20);
    expect(other.ended).toBe(false);
    expect(t.hub.ctx.api.streams.count(a)).toBe(0);
  });

  it('ends every stream of a user when the password changes or the account is disabled', async () => {
    const s1 = await login('minh');
    const s2 = await login('minh');
    const x = await open('/api/events/stream', s1);
    const y = await open('/api/devices/stream', s2);
    const res = await fetch(`${t.base}/api/auth/password`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s1}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, password: 'another-long-Passw0rd!' }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => x.ended && y.ended, 2000, 'streams ended on password change', 10);

    const z = await open('/api/events/stream', await login('hoa'));
    await waitFor(() => z.text().includes('event: hello'), 5000, 'hello', 20);
    t.hub.ctx.users.setDisabled('hoa', true);
    await waitFor(() => z.ended, 2000, 'stream ended on disable', 10);
  });

  it('refuses a fifth stream of one session with 429, lets another session in, and frees the place when a stream closes', async () => {
    const token = await login('tuan');
    const four = await Promise.all([0, 1, 2, 3].map((i) => open(i % 2 ? '/api/devices/stream' : '/api/events/stream', token)));
    expect(four.map((l) => l.status)).toEqual([200, 200, 200, 200]);
    const fifth = await open('/api/events/stream', token);
    expect(fifth.status).toBe(429);
    await waitFor(() => fifth.ended, 2000, '429 body', 10);
    expect(JSON.parse(fifth.text())).toMatchObject({ error: expect.stringMatching(/4 live streams/) });
    expect((await open('/api/events/stream', await login('tuan'))).status).toBe(200);

    four[0]!.req.destroy();
    await waitFor(() => t.hub.ctx.api.streams.count(token) === 3, 2000, 'the closed stream released', 10);
    expect((await open('/api/events/stream', token)).status).toBe(200);
  });

  it("counts a slow client's lost messages in /metrics", async () => {
    const slow = await open('/api/events/stream?tier=alert', t.tokens.viewer);
    await waitFor(() => slow.text().includes('event: hello'), 5000, 'hello', 20);
    slow.res.pause(); // reads nothing more: the socket fills, then its queue
    const metric = async (name: string) => {
      const text = await (await t.request('/metrics', { role: 'admin' })).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{stream="events"}`));
      return line ? Number(line.split(' ').at(-1)) : undefined;
    };
    expect(await metric('sse_clients')).toBeGreaterThanOrEqual(1);
    const before = (await metric('sse_dropped_total')) ?? 0;
    const pad = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && ((await metric('sse_dropped_total')) ?? 0) === before; i++) {
      for (let j = 0; j < 50; j++) publish({ pad });
      await new Promise((ok) => setImmediate(ok));
    }
    expect(await metric('sse_dropped_total')).toBeGreaterThan(before);
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const streams = t.hub.ctx.api.streams;
    const was = streams.heartbeatMs;
    streams.heartbeatMs = 100;
    try {
      const idle = await open('/api/devices/stream', t.tokens.viewer);
      await waitFor(() => /\n: ping \d+\n\n/.test(`\n${idle.text()}`), 3000, 'a heartbeat comment', 20);
      expect(idle.ended).toBe(false);
    } finally {
      streams.heartbeatMs = was;
    }
  });
});
