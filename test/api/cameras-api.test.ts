import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_MEDIA_DIR } from '../../hub/cameras/media-folders.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('camera management API', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({
      config: {
        cameras: [
          { id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: 'rtsp://admin:s3cret@127.0.0.1:9/ch1' } },
          { id: 'yard', name: 'Sân', enabled: false, source: { type: 'testsrc' } },
        ],
        events: {
          rules: [
            {
              id: 'yard-night',
              type: 'intrusion',
              camera: 'yard',
              zone: [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 1],
              ],
            },
            {
              id: 'yard-gate',
              type: 'intrusion',
              camera: 'yard',
              zone: [
                [0, 0],
                [0.5, 0],
                [0.5, 1],
                [0, 1],
              ],
            },
            {
              id: 'gate-night',
              type: 'intrusion',
              camera: 'gate',
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
  });
  afterAll(async () => t?.stop());

  it('never shows a camera password', async () => {
    const list = (await (await t.request('/api/cameras', { role: 'viewer' })).json()) as Array<{ source: { url: string } }>;
    expect(list[0]!.source.url).toBe('rtsp://admin:***@127.0.0.1:9/ch1');
  });

  it('rejects an invalid camera (400, the body field) and a clash with the configuration (422, the config field), keeping the stored config', async () => {
    const before = readFileSync(join(t.dataDir, 'config.json'), 'utf8');
    const res = await t.request('/api/cameras', { ...json({ id: 'cho', name: 'Chợ', source: { type: 'rtsp', url: 'http://x/y' } }), role: 'installer' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { detail: Array<{ path: string; message: string }> };
    expect(body.detail[0]!.path).toBe('body.source.url');
    const dup = await t.request('/api/cameras', { ...json({ id: 'gate', name: 'again', source: { type: 'testsrc' } }), role: 'installer' });
    expect(dup.status).toBe(422);
    expect(((await dup.json()) as { detail: Array<{ path: string }> }).detail[0]!.path).toBe('cameras[2].id');
    expect(readFileSync(join(t.dataDir, 'config.json'), 'utf8')).toBe(before);
    const refused = t.hub.ctx.audit.query({ action: 'cameras.add', target: 'camera:gate' });
    expect(refused[0]).toMatchObject({ actor: 'user:installer', result: 'refused' });
  });

  it('answers a null, array or string body on PUT with 400 naming the body', async () => {
    for (const body of ['null', '[]', '"gate"', '{']) {
      const res = await t.request('/api/cameras/gate', { method: 'PUT', role: 'installer', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { detail: Array<{ path: string }> }).detail[0]!.path).toBe('body');
    }
  });

  it('refuses to delete a camera that rules watch, saying how to proceed, and audits the refusal', async () => {
    const res = await t.request('/api/cameras/yard', { method: 'DELETE', role: 'installer' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; detail: Array<{ path: string }> };
    expect(body.error).toMatch(/yard-night, yard-gate/);
    expect(body.error).toMatch(/\?withRules=true/);
    expect(body.detail.map((d) => d.path)).toContain('events.rules[0].camera');
    expect(t.hub.ctx.config.get().cameras.map((c) => c.id)).toContain('yard');
    expect(t.hub.ctx.audit.query({ action: 'cameras.remove', target: 'camera:yard' })[0]).toMatchObject({ result: 'refused' });
  });

  it('deletes a camera with the rules watching it when asked (?withRules=true), and audits what it removed', async () => {
    expect((await t.request('/api/cameras/yard?withRules=maybe', { method: 'DELETE', role: 'installer' })).status).toBe(400);
    const res = await t.request('/api/cameras/yard?withRules=true', { method: 'DELETE', role: 'installer' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, removedRules: ['yard-night', 'yard-gate'] });
    const cfg = t.hub.ctx.config.get();
    expect(cfg.cameras.map((c) => c.id)).not.toContain('yard');
    expect(cfg.events.rules.map((r) => r.id)).toEqual(['gate-night']);
    const [removal] = t.hub.ctx.audit.query({ action: 'cameras.remove', target: 'camera:yard' });
    expect(removal).toMatchObject({ result: 'ok', detail: { withRules: true, removedRules: ['yard-night', 'yard-gate'] } });
    expect(
      t.hub.ctx.audit
        .query({ action: 'rules.remove' })
        .map((a) => a.target)
        .sort(),
    ).toEqual(['rule:yard-gate', 'rule:yard-night']);
  });

  it('adds a test-pattern camera that comes online, and removes it, auditing both', async () => {
    const res = await t.request('/api/cameras', {
      ...json({ id: 'pattern', name: 'Mẫu', source: { type: 'testsrc', width: 320, height: 240, fps: 10 } }),
      role: 'installer',
    });
    expect(res.status).toBe(201);
    await waitFor(() => t.hub.ctx.services.cameras!.state('pattern')?.online, 15_000, 'test pattern online');
    expect((await t.request('/api/cameras/pattern', { method: 'DELETE', role: 'installer' })).status).toBe(200);
    expect(t.hub.ctx.config.get().cameras.map((c) => c.id)).not.toContain('pattern');
    const actions = t.hub.ctx.audit.query({ actor: 'user:installer' }).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['cameras.add', 'cameras.remove']));
  });

  it('deletes a camera together with its own pipeline settings', async () => {
    const add = await t.request('/api/cameras', { ...json({ id: 'tuned', name: 'Chỉnh', enabled: false, source: { type: 'testsrc' } }), role: 'installer' });
    expect(add.status).toBe(201);
    await t.hub.ctx.config.update((d) => {
      d.pipeline = { ...(d.pipeline ?? {}), cameras: { ...(d.pipeline?.cameras ?? {}), tuned: { priority: 9 } } };
    }, 'test');
    const res = await t.request('/api/cameras/tuned', { method: 'DELETE', role: 'installer' });
    expect(res.status).toBe(200);
    expect(t.hub.ctx.config.get().cameras.map((c) => c.id)).not.toContain('tuned');
    expect(Object.keys(t.hub.ctx.config.get().pipeline.cameras)).not.toContain('tuned');
  });

  it('audits a change that could not be written as failed', async () => {
    // The backup copy made before each write lands on a directory: the write fails, as on a broken disk.
    const bak = join(t.dataDir, 'config.json.bak');
    rmSync(bak, { force: true });
    mkdirSync(bak);
    try {
      const res = await t.request('/api/cameras/gate', {
        method: 'PUT',
        role: 'installer',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Cổng sau', source: { type: 'testsrc' } }),
      });
      expect(res.status).toBe(500);
      const [entry] = t.hub.ctx.audit.query({ action: 'cameras.update', target: 'camera:gate' });
      expect(entry).toMatchObject({ result: 'failed', detail: { reason: expect.stringMatching(/EISDIR|directory/) } });
      expect(t.hub.ctx.config.get().cameras[0]!.name).toBe('Cổng');
    } finally {
      rmSync(bak, { recursive: true, force: true });
    }
  });

  it('keeps the stored password when a form sends back the masked URL', async () => {
    const res = await t.request('/api/cameras/gate', {
      method: 'PUT',
      role: 'installer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cổng chính', source: { type: 'rtsp', url: 'rtsp://admin:***@127.0.0.1:9/ch1' } }),
    });
    expect(res.status).toBe(200);
    const stored = t.hub.ctx.config.get().cameras[0]!;
    expect(stored.name).toBe('Cổng chính');
    expect(stored.source.type === 'rtsp' && stored.source.url).toBe('rtsp://admin:s3cret@127.0.0.1:9/ch1');
  });

  it('refuses the masked password once scheme, host, port or user change (400 naming source.url): the stored one never goes to a new host', async () => {
    const put = (url: string) =>
      t.request('/api/cameras/gate', {
        method: 'PUT',
        role: 'installer',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Cổng chính', source: { type: 'rtsp', url } }),
      });
    const before = t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.source;
    for (const url of [
      'rtsp://admin:***@10.9.9.9:9/ch1',
      'rtsp://admin:***@127.0.0.1:8554/ch1',
      'rtsp://root:***@127.0.0.1:9/ch1',
      'rtsps://admin:***@127.0.0.1:9/ch1',
    ]) {
      const res = await put(url);
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { detail: unknown }).detail, url).toEqual([
        { path: 'body.source.url', message: 'the password must be given again when host, port or user change' },
      ]);
    }
    expect(t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.source).toEqual(before);
    expect(t.hub.ctx.audit.query({ action: 'cameras.update', target: 'camera:gate' }).filter((a) => a.result === 'refused')).toHaveLength(4);
    // Another stream on the same camera keeps it; a new host with its own password takes that one.
    expect((await put('rtsp://admin:***@127.0.0.1:9/ch2')).status).toBe(200);
    expect(t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.source).toMatchObject({ url: 'rtsp://admin:s3cret@127.0.0.1:9/ch2' });
    expect((await put('rtsp://admin:m0i-pass@10.9.9.9:9/ch1')).status).toBe(200);
    expect(t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.source).toMatchObject({ url: 'rtsp://admin:m0i-pass@10.9.9.9:9/ch1' });
  });

  it('refuses a file source outside the media folders (422 naming source.path), however it points out, and audits it', async () => {
    const media = join(t.dataDir, 'media');
    mkdirSync(media, { recursive: true });
    symlinkSync('/etc/hostname', join(media, 'out.mp4'));
    for (const path of ['/etc/hostname', join(media, 'out.mp4'), `${media}/../config.json`, join(media, 'missing.mp4')]) {
      const res = await t.request('/api/cameras', { ...json({ id: 'leak', name: 'Rò', enabled: false, source: { type: 'file', path } }), role: 'installer' });
      expect(res.status, path).toBe(422);
      expect(((await res.json()) as { detail: Array<{ path: string }> }).detail[0]!.path, path).toBe('body.source.path');
    }
    const url = await t.request('/api/cameras', {
      ...json({ id: 'leak', name: 'Rò', source: { type: 'file', path: 'http://127.0.0.1:9/x.mp4' } }),
      role: 'installer',
    });
    expect(url.status).toBe(400);
    expect(((await url.json()) as { detail: Array<{ path: string }> }).detail[0]!.path).toBe('body.source.path');
    const repoint = await t.request('/api/cameras/gate', {
      method: 'PUT',
      role: 'installer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cổng', source: { type: 'file', path: '/etc/hostname' } }),
    });
    expect(repoint.status).toBe(422);
    expect(t.hub.ctx.config.get().cameras.map((c) => c.id)).not.toContain('leak');
    expect(t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.source.type).toBe('rtsp');
    expect(t.hub.ctx.audit.query({ action: 'cameras.add', target: 'camera:leak' }).map((a) => a.result)).toEqual(['refused', 'refused', 'refused', 'refused']);
  });

  it("takes a file inside the data folder's media/ and plays the bundled demo footage", async () => {
    const media = join(t.dataDir, 'media');
    mkdirSync(media, { recursive: true });
    copyFileSync(join(DEMO_MEDIA_DIR, 'vtest-demo.mp4'), join(media, 'clip.mp4'));
    const own = await t.request('/api/cameras', {
      ...json({ id: 'own-clip', name: 'Tự có', enabled: false, source: { type: 'file', path: join(media, 'clip.mp4') } }),
      role: 'installer',
    });
    expect(own.status).toBe(201);
    const demo = await t.request('/api/cameras', {
      ...json({
        id: 'demo-clip',
        name: 'Mẫu',
        source: { type: 'file', path: join(DEMO_MEDIA_DIR, 'vtest-demo.mp4') },
        detect: { width: 160, height: 90, fps: 2 },
        record: { enabled: false },
      }),
      role: 'installer',
    });
    expect(demo.status).toBe(201);
    await waitFor(() => t.hub.ctx.services.cameras!.state('demo-clip')?.online, 20_000, 'demo footage camera online');
    for (const id of ['own-clip', 'demo-clip']) expect((await t.request(`/api/cameras/${id}`, { method: 'DELETE', role: 'installer' })).status).toBe(200);
  });
});
