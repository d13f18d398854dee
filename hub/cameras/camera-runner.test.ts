import { chmodSync, copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import { ffmpegPath } from '../core/ffmpeg-path.ts';
import { freePort } from '../../tools/ports.ts';
import { CameraRunner, type RunnerOptions } from './camera-runner.ts';
import { cameraSchema, type CameraConfig } from './config.ts';
import { DEMO_MEDIA_DIR } from './media-folders.ts';
import type { CameraState } from './service.ts';
import type { Frame } from '../lib/frame.ts';
import { fixtures } from '../../tools/fixtures.ts';

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
      ffmpegPath: fake,
      incomingDir: join(dir, 'incoming'),
      segmentSeconds: 2,
      pixelFormat: 'yuv420p',
      log: createLogger('t', () => {}),
      backoff: { baseMs: 60_000, capMs: 60_000 },
      onFrame: () => {},
      onSegment: () => {},
      onState: (s) => states.push(s.status),
      mediaFolders: () => [],
    });
    try {
      runner.start();
      await until(() => states.includes('offline'), 10_000);
      // Let every byte left in the pipe arrive: the state must stay offline until the restart.
      await until(
        () =>
          runner.snapshot().status === 'offline' &&
          (runner as unknown as { child?: { stdout?: { readableEnded: boolean } } }).child?.stdout?.readableEnded === true,
        10_000,
      );
      expect(states.slice(states.indexOf('offline'))).toEqual(['offline']);
    } finally {
      await runner.stop();
    }
  });

  /** A runner on the real ffmpeg, without recording, that retries only when a test waits that long. */
  function realRunner(cam: CameraConfig, over: Partial<RunnerOptions> & { lines?: string[] } = {}): CameraRunner {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    dirs.push(dir);
    return new CameraRunner(cam, {
      ffmpegPath: ffmpegPath(),
      incomingDir: join(dir, 'incoming'),
      segmentSeconds: 2,
      pixelFormat: 'yuv420p',
      log: createLogger('t', (l) => over.lines?.push(l)),
      backoff: { baseMs: 60_000, capMs: 60_000 },
      onFrame: () => {},
      onSegment: () => {},
      onState: () => {},
      mediaFolders: () => [],
      ...over,
    });
  }

  it('never puts the camera password in its state or its log lines, though ffmpeg quotes the URL', async () => {
    const secret = 'Zq9-planted/SECRET:77';
    const encoded = encodeURIComponent(secret);
    const port = await freePort(); // nothing listens: ffmpeg fails at once, naming its input
    const cam = cameraSchema.parse({
      id: 'gate',
      name: 'Gate',
      source: { type: 'rtsp', url: `rtsp://admin:${encoded}@127.0.0.1:${port}/ch1` },
      detect: { width: 64, height: 64 },
      record: { enabled: false },
    });
    const level = process.env.HUB_LOG_LEVEL;
    process.env.HUB_LOG_LEVEL = 'debug'; // ffmpeg's own lines are logged at debug
    const lines: string[] = [];
    const runner = realRunner(cam, { lines });
    process.env.HUB_LOG_LEVEL = level;
    try {
      runner.start();
      await until(() => runner.snapshot().status === 'offline', 20_000);
      const reason = runner.snapshot().reason ?? '';
      expect(reason).toContain(`rtsp://admin:***@127.0.0.1:${port}/ch1`);
      expect(lines.some((l) => l.includes('ffmpeg: rtsp://admin:***@'))).toBe(true);
      for (const text of [reason, ...lines]) {
        expect(text).not.toContain(encoded);
        expect(text).not.toContain(secret);
      }
    } finally {
      await runner.stop();
    }
  });

  it('never starts ffmpeg on a file outside the media folders, nor through a symlink leading out of them', async () => {
    const media = realpathSync(mkdtempSync(join(tmpdir(), 'media-')));
    dirs.push(media);
    symlinkSync(join(DEMO_MEDIA_DIR, 'vtest-demo.mp4'), join(media, 'link.mp4'));
    for (const path of [join(DEMO_MEDIA_DIR, 'vtest-demo.mp4'), join(media, 'link.mp4')]) {
      const spawned: Array<number | undefined> = [];
      const cam = cameraSchema.parse({
        id: 'file',
        name: 'File',
        source: { type: 'file', path },
        detect: { width: 64, height: 64 },
        record: { enabled: false },
      });
      const runner = realRunner(cam, { mediaFolders: () => [media], onSpawn: (pid) => spawned.push(pid) });
      try {
        runner.start();
        await until(() => runner.snapshot().status === 'offline', 10_000);
        expect(runner.snapshot().reason, path).toMatch(/^cannot start: source\.path .* must name a file inside a media folder/);
        expect(spawned, path).toEqual([]);
      } finally {
        await runner.stop();
      }
    }
  });

  it('gives ffmpeg the resolved path of a file inside a media folder', async () => {
    const media = realpathSync(mkdtempSync(join(tmpdir(), 'media-')));
    dirs.push(media);
    copyFileSync(join(DEMO_MEDIA_DIR, 'vtest-demo.mp4'), join(media, 'clip.mp4'));
    symlinkSync(join(media, 'clip.mp4'), join(media, 'alias.mp4'));
    const cmdlines: string[][] = [];
    const cam = cameraSchema.parse({
      id: 'file',
      name: 'File',
      source: { type: 'file', path: join(media, 'alias.mp4') },
      detect: { width: 64, height: 64 },
      record: { enabled: false },
    });
    const runner = realRunner(cam, {
      mediaFolders: () => [media],
      onSpawn: (pid) => pid && cmdlines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')),
    });
    try {
      runner.start();
      await until(() => runner.snapshot().status === 'online', 20_000);
      const args = cmdlines[0]!;
      expect(args.slice(args.indexOf('-protocol_whitelist'), args.indexOf('-protocol_whitelist') + 2)).toEqual(['-protocol_whitelist', 'file']);
      expect(args[args.indexOf('-i') + 1]).toBe(join(media, 'clip.mp4'));
    } finally {
      await runner.stop();
    }
  });

  it('probes a 4:3 camera and delivers frames of its shape (480x360 in 640x360), saying so in its state', async () => {
    const media = realpathSync(mkdtempSync(join(tmpdir(), 'media-')));
    dirs.push(media);
    copyFileSync(fixtures.vtestH264, join(media, 'vtest.mp4'));
    const frames: Frame[] = [];
    const cam = cameraSchema.parse({ id: 'lobby', name: 'Lobby', source: { type: 'file', path: join(media, 'vtest.mp4') }, record: { enabled: false } });
    const runner = realRunner(cam, { mediaFolders: () => [media], onFrame: (f) => frames.push(f) });
    try {
      runner.start();
      await until(() => frames.length >= 2, 20_000);
      expect(frames.map((f) => [f.width, f.height, f.data.length, f.content])).toEqual([
        [480, 360, 480 * 360 * 1.5, undefined],
        [480, 360, 480 * 360 * 1.5, undefined],
      ]);
      expect(runner.snapshot().video).toEqual({
        source: { width: 768, height: 576 },
        detect: { width: 480, height: 360 },
        fit: 'scale',
        content: { inFrame: { x: 0, y: 0, width: 480, height: 360 }, ofPicture: { x: 0, y: 0, width: 1, height: 1 } },
      });
    } finally {
      await runner.stop();
    }
  });

  it('letterboxed frames carry where the picture lies in them', async () => {
    const media = realpathSync(mkdtempSync(join(tmpdir(), 'media-')));
    dirs.push(media);
    copyFileSync(fixtures.vtestH264, join(media, 'vtest.mp4'));
    const frames: Frame[] = [];
    const cam = cameraSchema.parse({
      id: 'lobby',
      name: 'Lobby',
      source: { type: 'file', path: join(media, 'vtest.mp4') },
      detect: { fit: 'letterbox' },
      record: { enabled: false },
    });
    const runner = realRunner(cam, { mediaFolders: () => [media], onFrame: (f) => frames.push(f) });
    try {
      runner.start();
      await until(() => frames.length >= 1, 20_000);
      const f = frames[0]!;
      expect([f.width, f.height, f.content?.inFrame]).toEqual([640, 360, { x: 80, y: 0, width: 480, height: 360 }]);
      // The bars are black: luma 16 in the first column, picture in the middle.
      const luma = f.data.subarray(0, 640 * 360);
      expect(Math.max(...Array.from({ length: 360 }, (_, y) => luma[y * 640 + 10]!))).toBeLessThanOrEqual(20);
      expect(Math.max(...Array.from({ length: 360 }, (_, y) => luma[y * 640 + 320]!))).toBeGreaterThan(60);
    } finally {
      await runner.stop();
    }
  });

  it('a probe that fails does not stop the camera: frames at the configured size, stretched, and a note in its state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    dirs.push(dir);
    // ffmpeg that fails the probe (the only run at -loglevel info) and ingests as the real one.
    const flaky = join(dir, 'ffmpeg');
    writeFileSync(
      flaky,
      `#!/bin/sh\ncase " $* " in *" -loglevel info "*) echo "Server returned 5XX Server Error reply" >&2; exit 1;; esac\nexec ${ffmpegPath()} "$@"\n`,
    );
    chmodSync(flaky, 0o755);
    const media = realpathSync(mkdtempSync(join(tmpdir(), 'media-')));
    dirs.push(media);
    copyFileSync(fixtures.vtestH264, join(media, 'vtest.mp4'));
    const frames: Frame[] = [];
    const lines: string[] = [];
    const cam = cameraSchema.parse({ id: 'lobby', name: 'Lobby', source: { type: 'file', path: join(media, 'vtest.mp4') }, record: { enabled: false } });
    const runner = realRunner(cam, { ffmpegPath: flaky, lines, mediaFolders: () => [media], onFrame: (f) => frames.push(f) });
    try {
      runner.start();
      await until(() => frames.length >= 1 && runner.snapshot().status === 'online', 20_000);
      expect([frames[0]!.width, frames[0]!.height, frames[0]!.data.length]).toEqual([640, 360, 640 * 360 * 1.5]);
      const video = runner.snapshot().video!;
      expect([video.source, video.detect, video.fit]).toEqual([null, { width: 640, height: 360 }, 'stretch']);
      expect(video.note).toBe(
        'cannot probe the picture (ffmpeg: Server returned 5XX Server Error reply); frames are 640x360, stretched to fill them, until a start that probes it',
      );
      expect(lines.some((l) => l.includes('WARN') && l.includes('cannot probe the picture'))).toBe(true);
    } finally {
      await runner.stop();
    }
  });

  it('a camera stopped while its probe waits on a silent server starts no ffmpeg', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const spawned: Array<number | undefined> = [];
    let connected = false;
    let closed = false;
    silent.on('connection', (socket) => {
      connected = true;
      socket.resume(); // read, so that the probe's end is seen
      socket.on('close', () => void (closed = true));
    });
    const cam = cameraSchema.parse({ id: 'gate', name: 'Gate', source: { type: 'rtsp', url: `rtsp://127.0.0.1:${port}/ch1` }, record: { enabled: false } });
    const runner = realRunner(cam, { onSpawn: (pid) => spawned.push(pid), probeTimeoutMs: 30_000 });
    try {
      runner.start();
      await until(() => connected, 10_000);
      await runner.stop();
      // The probe ends with the stop (its ffmpeg killed, the connection gone); its end must not
      // start the ingest afterwards.
      await until(() => closed, 10_000);
      expect(spawned).toEqual([]);
      expect(runner.snapshot().video).toBeUndefined();
    } finally {
      silent.close();
    }
  });
});
