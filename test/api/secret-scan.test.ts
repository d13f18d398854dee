/**
 * Issue 11, "no secret leaves the hub": a camera password planted in an RTSP URL must reach no
 * API answer (every route, every role, headers and bodies, the live streams, /metrics) and no
 * log line, once ffmpeg has failed on that URL and written its error (which quotes the URL).
 * And the files holding secrets are owner-only.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../hub/auth/roles.ts';
import type { RouteInfo } from '../../hub/api/router.ts';
import { cameraTestHooks } from '../../hub/cameras/module.ts';
import { freePort } from '../../tools/ports.ts';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';

/** Distinctive, and needing percent-encoding in a URL: its first part is in every form it can take. */
const SECRET = 'Zq9-planted/SECRET:77';
const MARK = /Zq9-planted/i;

/** Everything the hub writes to stderr (its log lines) while `fn`'s test runs. */
function captureStderr(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return { lines, restore: () => void (process.stderr.write = original) };
}

/** The text of an answer, headers and body; a stream only up to its first chunk. */
async function answerText(res: Response, stream: boolean, ctl: AbortController): Promise<string> {
  const head = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  if (!res.body) return head;
  if (!stream) return `${head}\n${await res.text()}`;
  const reader = res.body.getReader();
  const first = await reader.read();
  ctl.abort();
  await reader.cancel().catch(() => undefined);
  return `${head}\n${first.value ? Buffer.from(first.value).toString() : ''}`;
}

describe('no camera secret leaves the hub', () => {
  let t: TestHub;
  let stderr: ReturnType<typeof captureStderr>;
  const level = process.env.HUB_LOG_LEVEL;
  /** What each role's event stream carried while the camera failed. */
  const streamed: Partial<Record<Role, string>> = {};
  const streams: AbortController[] = [];

  beforeAll(async () => {
    // Debug, so ffmpeg's own error lines are logged too: the scan sees every line there is.
    process.env.HUB_LOG_LEVEL = 'debug';
    stderr = captureStderr();
    cameraTestHooks.backoff = { baseMs: 200, capMs: 1000 };
    const closed = await freePort(); // nothing listens there: ffmpeg fails at once, quoting the URL
    t = await startTestHub({
      config: {
        recording: { segmentSeconds: 2 },
        detect: { enabled: false },
        pipeline: { enabled: false },
        cameras: [
          { id: 'gate', name: 'Cổng', enabled: false, source: { type: 'rtsp', url: `rtsp://admin:${encodeURIComponent(SECRET)}@127.0.0.1:${closed}/ch1` } },
          { id: 'yard', name: 'Sân', source: { type: 'testsrc', width: 160, height: 120, fps: 5 }, detect: { width: 160, height: 120, fps: 1 } },
        ],
        events: { rules: [{ id: 'gate-offline', type: 'offline', camera: 'gate' }] },
      },
    });
    // Every role that may watch events listens before the camera fails: its offline event carries
    // the reason ffmpeg gave.
    for (const role of ROLES) {
      const ctl = new AbortController();
      const res = await t.request('/api/events/stream', { role, signal: ctl.signal });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        continue;
      }
      streams.push(ctl);
      streamed[role] = '';
      void (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) streamed[role] += decoder.decode(chunk, { stream: true });
        } catch {
          // aborted at the end of the test
        }
      })();
    }
    await t.hub.ctx.config.update((d) => {
      d.cameras![0]!.enabled = true;
    }, 'test');
    await waitFor(
      () => {
        const s = t.hub.ctx.services.cameras!.state('gate');
        return s?.status === 'offline' && s.restarts >= 2 && /Connection refused/.test(s.reason ?? '');
      },
      30_000,
      "the camera offline at least twice, with ffmpeg's error",
    );
    await waitFor(() => Object.values(streamed).every((s) => /gate-offline/.test(s ?? '')), 30_000, 'the offline event on every event stream');
    await waitFor(() => t.hub.ctx.services.recordings!.segments('yard', 0, Date.now() + 60_000).length > 0, 30_000, 'a recording of yard');
  }, 120_000);

  afterAll(async () => {
    for (const ctl of streams) ctl.abort();
    await t?.stop();
    stderr?.restore();
    process.env.HUB_LOG_LEVEL = level;
    cameraTestHooks.backoff = undefined;
  });

  it("shows ffmpeg's error with the password masked in the camera's state", async () => {
    const res = await t.request('/api/cameras/gate', { role: 'viewer' });
    const cam = (await res.json()) as { source: { url: string }; state: { reason: string } };
    expect(cam.source.url).toMatch(/^rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/ch1$/);
    expect(cam.state.reason).toMatch(/rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/ch1: Connection refused/);
  });

  it('answers no route, as no role, with the password: bodies, headers, /metrics, live streams', async () => {
    // Real ids where there are some, so the routes answer with content, not 404s.
    const asAdmin = async <T>(path: string): Promise<T> => (await (await t.request(path, { role: 'admin' })).json()) as T;
    const events = await asAdmin<Array<{ id: string | number; ruleId: string }>>('/api/events');
    const eventId = String(events.find((e) => e.ruleId === 'gate-offline')?.id ?? 'x1');
    const recordingId = String(t.hub.ctx.services.recordings!.segments('yard', 0, Date.now() + 60_000)[0]!.id);
    const fill = (r: RouteInfo): string =>
      r.path
        .replace(/^\/api\/events\/:id/, `/api/events/${eventId}`)
        .replace(/^\/api\/recordings\/:id/, `/api/recordings/${recordingId}`)
        .replace(/\/cameras\/:id/, '/cameras/gate')
        .replace(/:username/, 'viewer')
        .replace(/:[^/]+/g, 'x1')
        .replace(/^\/api\/recordings$/, '/api/recordings?camera=yard');

    const routes = t.hub.ctx.api.routes;
    const gets = routes.filter((r) => r.method === 'GET');
    // Changes with an empty body and made-up ids (never a real user or camera); sign-out last, as it ends the session.
    const changes = routes.filter((r) => r.method !== 'GET').sort((a, b) => Number(a.path === '/api/auth/logout') - Number(b.path === '/api/auth/logout'));
    expect(gets.some((r) => r.path === '/metrics')).toBe(true);
    expect(gets.some((r) => r.stream)).toBe(true);

    const seen: string[] = [];
    const check = async (role: Role | undefined, method: string, path: string, stream = false, body?: string): Promise<void> => {
      const ctl = new AbortController();
      const res = await t.request(path, {
        method,
        role,
        signal: ctl.signal,
        ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
      });
      const text = await answerText(res, stream, ctl);
      seen.push(`${role} ${method} ${path} ${res.status}`);
      expect(text, `${role ?? 'anonymous'} ${method} ${path} (${res.status})`).not.toMatch(MARK);
    };
    // First changes that carry the password, so their audit entries are there for the walk: a
    // form sending back what it was shown, then the password typed again with another stream.
    const shown = (await (await t.request('/api/cameras/gate', { role: 'installer' })).json()) as Record<string, unknown>;
    const { state: _state, ...form } = shown;
    await check('installer', 'PUT', '/api/cameras/gate', false, JSON.stringify(form));
    const stored = t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.source as { url: string };
    await check(
      'installer',
      'PUT',
      '/api/cameras/gate',
      false,
      JSON.stringify({ ...form, source: { type: 'rtsp', url: stored.url.replace(/\/ch1$/, '/ch2') } }),
    );
    expect(seen).toEqual(['installer PUT /api/cameras/gate 200', 'installer PUT /api/cameras/gate 200']);
    for (const role of [...ROLES, undefined]) {
      for (const r of gets) await check(role, 'GET', fill(r), !!r.stream);
    }
    for (const r of changes) {
      for (const role of [...ROLES, undefined]) await check(role, r.method, r.path.replace(/:[^/]+/g, 'x1'), false, '{}');
    }
    // The walk reached content, not only refusals.
    expect(seen.filter((s) => / 200$/.test(s)).length).toBeGreaterThan(gets.length);
    expect(seen).toContain('viewer GET /api/cameras/gate 200');
    expect(seen).toContain(`admin GET /api/events/${eventId} 200`);
  }, 120_000);

  it("carried the offline event on every role's live stream without the password", () => {
    expect(Object.keys(streamed).length).toBeGreaterThan(0);
    for (const [role, text] of Object.entries(streamed)) {
      expect(text, role).toMatch(/gate-offline/);
      expect(text, role).not.toMatch(MARK);
    }
  });

  it("writes the password in no log line, ffmpeg's own debug lines included", () => {
    const lines = stderr.lines.join('').split('\n');
    expect(lines.some((l) => /ffmpeg: rtsp:\/\/admin:\*\*\*@127\.0\.0\.1/.test(l))).toBe(true);
    expect(lines.filter((l) => MARK.test(l))).toEqual([]);
  });
});

describe('files holding secrets are owner-only', () => {
  const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

  it('keeps the data folder 700 and config.json, its backup, hub.db with its -wal and -shm, and the signing key 600, narrowing wider ones at start', async () => {
    let t = await startTestHub({
      config: { cameras: [{ id: 'gate', name: 'Cổng', enabled: false, source: { type: 'rtsp', url: 'rtsp://admin:s3cret@127.0.0.1:9/ch1' } }] },
    });
    const dir = t.dataDir;
    const files = ['config.json', 'config.json.bak', 'hub.db', 'hub.db-wal', 'hub.db-shm', 'keys/hub-ed25519.key'];
    try {
      await t.hub.ctx.config.update((d) => {
        d.cameras![0]!.name = 'Cổng chính';
      }, 'test');
      expect((await t.request('/api/events/key', { role: 'viewer' })).status).toBe(200);
      expect(mode(dir)).toBe('700');
      expect(mode(join(dir, 'keys'))).toBe('700');
      for (const f of files) expect(mode(join(dir, f)), f).toBe('600');
    } finally {
      await t.stop();
    }
    // Files a hand copy or an older hub left open to others are narrowed at the next start.
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'keys'), 0o755);
    for (const f of files) if (existsSync(join(dir, f))) chmodSync(join(dir, f), 0o644);
    t = await startTestHub({ dataDir: dir });
    try {
      expect((await t.request('/api/events/key', { role: 'viewer' })).status).toBe(200);
      expect(mode(dir)).toBe('700');
      expect(mode(join(dir, 'keys'))).toBe('700');
      for (const f of files) if (existsSync(join(dir, f))) expect(mode(join(dir, f)), f).toBe('600');
    } finally {
      await t.stop();
    }
  }, 60_000);
});
