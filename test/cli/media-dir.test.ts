import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MEDIA_DIR } from '../../hub/cameras/media-folders.ts';
import { freePort } from '../../tools/ports.ts';
import { makeDataDir, waitFor } from '../helpers/test-hub.ts';

describe('hub start --media-dir', () => {
  it('plays file cameras inside the folders given on the command line and refuses one outside them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'media-dir-'));
    const allowed = join(root, 'allowed');
    const other = join(root, 'other');
    for (const dir of [allowed, other]) {
      mkdirSync(dir);
      copyFileSync(join(DEMO_MEDIA_DIR, 'vtest-demo.mp4'), join(dir, 'clip.mp4'));
    }
    const small = { detect: { width: 160, height: 90, fps: 1 }, record: { enabled: false } };
    const dataDir = makeDataDir({
      detect: { enabled: false },
      pipeline: { enabled: false },
      cameras: [
        { id: 'inside', name: 'Trong', source: { type: 'file', path: join(allowed, 'clip.mp4') }, ...small },
        { id: 'outside', name: 'Ngoài', source: { type: 'file', path: join(other, 'clip.mp4') }, ...small },
      ],
    });
    const port = await freePort();
    const hub = spawn(process.execPath, ['bin/hub.mjs', 'start', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1', '--media-dir', allowed], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    hub.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await waitFor(
        () => /camera outside offline: cannot start: source\.path \S+ must name a file inside a media folder/.test(log),
        30_000,
        'the outside camera refused',
      );
      const online = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined);
          const health = (await res?.json()) as { cameras: Array<{ id: string; online: boolean }> } | undefined;
          return health?.cameras.find((c) => c.id === 'inside' && c.online) && health;
        },
        30_000,
        'the inside camera online',
      );
      expect(online.cameras.find((c) => c.id === 'outside')!.online).toBe(false);
    } finally {
      const exited = new Promise((ok) => hub.once('exit', ok));
      hub.kill('SIGTERM');
      await exited;
    }
  }, 90_000);
});
