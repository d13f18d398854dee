/**
 * Issue 10, finding 3 (configuration half): concurrent changes are neither lost nor doubled.
 * Configuration updates are serialised, so three admins adding a camera at the same moment add
 * three cameras, in memory, in config.json and in the audit log. Real hub, real HTTP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';

describe('concurrent configuration changes', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { detect: { enabled: false }, pipeline: { enabled: false }, cameras: [] } });
  });
  afterAll(async () => t?.stop());

  it('three admins adding a camera at the same moment get three 201s, three cameras in memory and on disk, three audit entries', async () => {
    const admins = ['admin', 'chi', 'nam'];
    for (const name of admins.slice(1)) await t.hub.ctx.users.add(name, 'admin', TEST_PASSWORD);
    const tokens = await Promise.all(admins.map(async (name) => (await t.hub.ctx.users.login(name, TEST_PASSWORD)).token));
    const camera = (i: number) => ({
      id: `cam-${i}`,
      name: `Camera ${i}`,
      source: { type: 'testsrc', width: 64, height: 64, fps: 2 },
      detect: { width: 64, height: 64, fps: 1 },
    });

    const responses = await Promise.all(
      tokens.map((token, i) =>
        fetch(`${t.base}/api/cameras`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(camera(i)),
        }),
      ),
    );

    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    const listed = (await (await t.request('/api/cameras', { role: 'viewer' })).json()) as Array<{ id: string }>;
    expect(listed.map((c) => c.id).sort()).toEqual(['cam-0', 'cam-1', 'cam-2']);
    const onDisk = JSON.parse(readFileSync(join(t.dataDir, 'config.json'), 'utf8')) as { cameras: Array<{ id: string }> };
    expect(onDisk.cameras.map((c) => c.id).sort()).toEqual(['cam-0', 'cam-1', 'cam-2']);
    const audit = t.hub.ctx.audit.query({ action: 'cameras.add' });
    expect(audit.map((a) => `${a.actor} ${a.target} ${a.result}`).sort()).toEqual([
      'user:admin camera:cam-0 ok',
      'user:chi camera:cam-1 ok',
      'user:nam camera:cam-2 ok',
    ]);
    // Every module applied every change: the camera service runs all three.
    await waitFor(() => ['cam-0', 'cam-1', 'cam-2'].every((id) => t.hub.ctx.services.cameras!.state(id)?.online), 20_000, 'three cameras online');
  }, 60_000);
});
