import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('camera management API', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({
      config: { cameras: [{ id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: 'rtsp://admin:s3cret@127.0.0.1:9/ch1' } }] },
    });
  });
  afterAll(async () => t?.stop());

  it('never shows a camera password', async () => {
    const list = (await (await t.request('/api/cameras', { role: 'viewer' })).json()) as Array<{ source: { url: string } }>;
    expect(list[0]!.source.url).toBe('rtsp://admin:***@127.0.0.1:9/ch1');
  });

  it('rejects an invalid camera with the field and the reason, and keeps the stored config', async () => {
    const before = readFileSync(join(t.dataDir, 'config.json'), 'utf8');
    const res = await t.request('/api/cameras', { ...json({ id: 'cho', name: 'Chợ', source: { type: 'rtsp', url: 'http://x/y' } }), role: 'installer' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: Array<{ path: string; message: string }> };
    expect(body.detail[0]!.path).toBe('cameras[1].source.url');
    const dup = await t.request('/api/cameras', { ...json({ id: 'gate', name: 'again', source: { type: 'testsrc' } }), role: 'installer' });
    expect(((await dup.json()) as { detail: Array<{ path: string }> }).detail[0]!.path).toBe('cameras[1].id');
    expect(readFileSync(join(t.dataDir, 'config.json'), 'utf8')).toBe(before);
  });

  it('adds a test-pattern camera that comes online, and removes it, auditing both', async () => {
    const res = await t.request('/api/cameras', { ...json({ id: 'pattern', name: 'Mẫu', source: { type: 'testsrc', width: 320, height: 240, fps: 10 } }), role: 'installer' });
    expect(res.status).toBe(201);
    await waitFor(() => t.hub.ctx.services.cameras!.state('pattern')?.online, 15_000, 'test pattern online');
    expect((await t.request('/api/cameras/pattern', { method: 'DELETE', role: 'installer' })).status).toBe(200);
    expect(t.hub.ctx.config.get().cameras.map((c) => c.id)).toEqual(['gate']);
    const actions = t.hub.ctx.audit.query({ actor: 'user:installer' }).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['cameras.add', 'cameras.remove']));
  });

  it('keeps the stored password when a form sends back the masked URL', async () => {
    const res = await t.request('/api/cameras/gate', {
      method: 'PUT', role: 'installer', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cổng chính', source: { type: 'rtsp', url: 'rtsp://admin:***@127.0.0.1:9/ch1' } }),
    });
    expect(res.status).toBe(200);
    const stored = t.hub.ctx.config.get().cameras[0]!;
    expect(stored.name).toBe('Cổng chính');
    expect(stored.source.type === 'rtsp' && stored.source.url).toBe('rtsp://admin:s3cret@127.0.0.1:9/ch1');
  });
});
