/**
 * Issue 10, finding 1: an I/O error inside a camera's restart timer (the ffmpeg pid file write)
 * ended the whole process. Here the pid folder is replaced by a plain file while a camera runs,
 * then its ffmpeg is killed: the restart must still happen and the hub must stay up.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, fixtures } from '../../tools/fixtures.ts';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import { cameraTestHooks } from '../../hub/cameras/module.ts';

describe('camera supervision when the pid file cannot be written', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    cameraTestHooks.backoff = undefined;
  });

  it('restarts the camera and keeps the hub running when writing the pid file fails', async () => {
    cameraTestHooks.backoff = { baseMs: 100, capMs: 200 };
    t = await startTestHub({
      config: {
        media: { folders: [FIXTURE_DIR] },
        cameras: [{ id: 'cam', name: 'Cam', source: { type: 'file', path: fixtures.vtestH264 }, record: { enabled: false } }],
      },
    });
    const cams = t.hub.ctx.services.cameras!;
    await waitFor(() => cams.state('cam')?.online, 30_000, 'camera online');
    const runDir = join(t.dataDir, 'run');
    const pid = Number(readFileSync(join(runDir, 'ffmpeg-cam.pid'), 'utf8'));

    // A file where the pid folder should be: every pid write and removal now fails (ENOTDIR/EEXIST).
    rmSync(runDir, { recursive: true, force: true });
    writeFileSync(runDir, 'not a folder');
    process.kill(pid, 'SIGKILL');

    await waitFor(() => (cams.state('cam')?.restarts ?? 0) >= 1, 30_000, 'the camera noticed its ffmpeg died');
    await waitFor(() => cams.state('cam')?.online, 30_000, 'camera back online after the restart');
    const health = (await (await t.request('/api/health')).json()) as { conditions: Array<{ component: string; level: string; message: string }> };
    expect(health.conditions.find((c) => c.component === 'cameras/pid-files')?.message).toMatch(/pid/);

    // The next start with the pid folder still broken: the hub starts and the camera runs.
    const dataDir = t.dataDir;
    await t.stop();
    t = await startTestHub({ dataDir });
    await waitFor(() => t!.hub.ctx.services.cameras!.state('cam')?.online, 30_000, 'camera online after a restart of the hub');
  });
});
