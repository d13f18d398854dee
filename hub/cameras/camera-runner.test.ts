import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import { CameraRunner } from './camera-runner.ts';
import { cameraSchema } from './config.ts';
import type { CameraState } from './service.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Waits for `check` by polling, bounded (never a fixed sleep as the wait itself). */
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('camera runner', () => {
  it('never takes frames still in the pipe after its ffmpeg exited for a camera coming back online', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    dirs.push(dir);
    // A stand-in for ffmpeg that fails at once, like a camera dropping, while frames it wrote
    // before are still on their way through the pipe (here: written by a child it leaves behind,
    // so they arrive after the exit for certain).
    const fake = join(dir, 'ffmpeg');
    writeFileSync(fake, `#!/bin/sh\n( sleep 0.3; head -c ${5 * 6144} /dev/zero ) &\necho "Connection reset by peer" >&2\nexit 1\n`);
    chmodSync(fake, 0o755);
    const states: CameraState['status'][] = [];
    const cam = cameraSchema.parse({ id: 'gate', name: 'Gate', source: { type: 'testsrc' }, detect: { width: 64, height: 64 }, record: { enabled: false } });
    const runner = new CameraRunner(cam, {
      ffmpegPath: fake, incomingDir: join(dir, 'incoming'), segmentSeconds: 2, pixelFormat: 'yuv420p',
      log: createLogger('t', () => {}), backoff: { baseMs: 60_000, capMs: 60_000 },
      onFrame: () => {}, onSegment: () => {}, onState: (s) => states.push(s.status), mediaFolders: () => [],
    });
    try {
      runner.start();
      await until(() => states.includes('offline'), 10_000);
      // Let every byte left in the pipe arrive: the state must stay offline until the restart.
      await until(() => runner.snapshot().status === 'offline' && (runner as unknown as { child?: { stdout?: { readableEnded: boolean } } }).child?.stdout?.readableEnded === true, 10_000);
      expect(states.slice(states.indexOf('offline'))).toEqual(['offline']);
    } finally {
      await runner.stop();
    }
  });
});
