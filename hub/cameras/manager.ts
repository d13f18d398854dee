import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidDir } from './orphans.ts';
import type { HubContext } from '../context.ts';
import type { CameraConfig } from './config.ts';
import { CameraRunner } from './camera-runner.ts';
import type { Frame, PixelFormat } from '../lib/frame.ts';
import type { CameraService, CameraState, FrameListener } from './service.ts';
import { incomingDir } from '../record/index.ts';
import { isNoSpace } from '../core/guard.ts';

export interface ManagerOptions {
  ffmpegPath: string;
  pixelFormat?: PixelFormat;
  backoff?: { baseMs: number; capMs: number };
}

/**
 * Keeps one CameraRunner per enabled camera in step with the configuration, fans frames out to
 * subscribers, and kills ffmpeg orphans a crashed hub left behind.
 */
export class CameraManager implements CameraService {
  private readonly runners = new Map<string, CameraRunner>();
  private readonly listeners = new Map<string, Set<FrameListener>>();
  private readonly pidDir: string;
  private readonly log;
  /** Cameras whose recording the disk paused (see hub/record/space.ts); they keep detecting. */
  private paused = new Set<string>();
  private cameras: CameraConfig[] = [];
  private segmentSeconds = 10;
  /** apply() and pause changes run one at a time, in order: each may stop and start runners. */
  private chain: Promise<void> = Promise.resolve();
  private readonly offPause: () => void;

  constructor(
    private readonly ctx: HubContext,
    private readonly opts: ManagerOptions,
  ) {
    this.log = ctx.log.child('cameras');
    this.pidDir = pidDir(ctx.dataDir);
    const frames = ctx.metrics.counter('cameras_frames_total', 'Detect frames received from ffmpeg');
    this.onFrame('*', (f) => frames.inc({ camera: f.cameraId }));
    this.offPause = ctx.bus.on('record.paused', 'cameras', ({ cameraIds }) => void this.setRecordPaused(cameraIds));
  }

  /** Serialises work that changes the set of runners. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch((err: Error) => this.log.error(`applying a change failed: ${err.message}`));
    return next;
  }

  /**
   * Stops or resumes writing segments for the given cameras (the disk is full of held footage):
   * their ffmpeg is restarted detecting only, or recording again.
   */
  setRecordPaused(cameraIds: readonly string[]): Promise<void> {
    return this.serial(async () => {
      const next = new Set(cameraIds);
      const changed = [...this.runners.keys()].filter((id) => next.has(id) !== this.paused.has(id));
      this.paused = next;
      if (changed.length === 0) return;
      for (const id of changed) this.log.warn(`recording of ${id} ${next.has(id) ? 'paused: the disk is full' : 'resumed'}`);
      await Promise.all(changed.map((id) => this.runners.get(id)?.stop()));
      for (const id of changed) this.runners.delete(id);
      this.startMissing();
    });
  }

  /**
   * Brings the runners in step with `cameras`: a removed or changed camera's ffmpeg is stopped
   * (awaited, so its last segment is announced and no two children ever write one camera's
   * folder), then new ones start.
   */
  apply(cameras: CameraConfig[], segmentSeconds: number): Promise<void> {
    return this.serial(() => this.applyNow(cameras, segmentSeconds));
  }

  private async applyNow(cameras: CameraConfig[], segmentSeconds: number): Promise<void> {
    this.cameras = cameras;
    this.segmentSeconds = segmentSeconds;
    const wanted = new Map(cameras.filter((c) => c.enabled).map((c) => [c.id, c]));
    const stopping: Promise<void>[] = [];
    for (const [id, runner] of this.runners) {
      const next = wanted.get(id);
      if (!next || JSON.stringify(next) !== JSON.stringify(runner.cam)) {
        stopping.push(runner.stop());
        this.runners.delete(id);
        this.log.info(`camera ${id} ${next ? 'reconfigured' : 'removed'}`);
      }
    }
    await Promise.all(stopping);
    this.startMissing();
  }

  /** Starts a runner for every enabled camera that has none. */
  private startMissing(): void {
    for (const cam of this.cameras) {
      const id = cam.id;
      if (!cam.enabled || this.runners.has(id)) continue;
      const runner = new CameraRunner(cam, {
        ffmpegPath: this.opts.ffmpegPath,
        incomingDir: incomingDir(this.ctx.dataDir, id),
        segmentSeconds: this.segmentSeconds,
        recordPaused: this.paused.has(id),
        pixelFormat: this.opts.pixelFormat ?? 'yuv420p',
        log: this.log.child(id),
        backoff: this.opts.backoff,
        mediaFolders: () => this.ctx.config.mediaFolders(),
        onFrame: (f) => this.dispatch(f),
        onSegment: (seg) => this.ctx.bus.emit('camera.segment', { cameraId: id, ...seg }),
        onState: (s) => {
          this.ctx.bus.emit('camera.state', s);
          // A camera whose picture could not be probed runs on a guessed frame shape: the health
          // board says so until a start probes it.
          const key = `cameras/${s.id}/video`;
          if (s.video?.note) this.ctx.health.set(key, 'degraded', `camera ${s.id}: ${s.video.note}`);
          else if (this.ctx.health.get(key)) this.ctx.health.ok(key);
        },
        onSpawn: (pid) => this.writePid(id, pid),
      });
      this.runners.set(id, runner);
      runner.start();
    }
  }

  /**
   * Records a child's pid for the next start's orphan kill. Best effort: on a full or broken
   * disk the camera must still run (an orphan is then only killed by its own stall), so a
   * failure is reported on /api/health, never thrown into the runner's timers.
   */
  private writePid(id: string, pid: number | undefined): void {
    const file = join(this.pidDir, `ffmpeg-${id}.pid`);
    try {
      if (pid) {
        mkdirSync(this.pidDir, { recursive: true });
        writeFileSync(file, String(pid));
      } else {
        rmSync(file, { force: true });
      }
      if (this.ctx.health.get('cameras/pid-files')?.level !== 'ok' && pid) this.ctx.health.ok('cameras/pid-files');
    } catch (err) {
      const e = err as Error;
      this.log.error(`cannot ${pid ? 'write' : 'remove'} the pid file of ${id}: ${e.message}`);
      this.ctx.health.set(
        'cameras/pid-files',
        'degraded',
        `cannot write ffmpeg pid files (${e.message}); an orphan ffmpeg after a crash will not be killed at the next start`,
      );
      if (isNoSpace(e)) this.ctx.bus.emit('record.no-space', { owner: 'cameras', message: e.message });
    }
  }

  private dispatch(frame: Frame): void {
    for (const key of [frame.cameraId, '*']) {
      for (const fn of this.listeners.get(key) ?? []) {
        try {
          fn(frame);
        } catch (err) {
          this.log.error(`frame listener of ${key} failed: ${(err as Error).message}`);
        }
      }
    }
  }

  states(): CameraState[] {
    return this.ctx.config.get().cameras.map((c) => this.state(c.id)!);
  }

  state(id: string): CameraState | undefined {
    const runner = this.runners.get(id);
    if (runner) return runner.snapshot();
    const cam = this.ctx.config.get().cameras.find((c) => c.id === id);
    if (!cam) return undefined;
    return {
      id,
      status: 'disabled',
      online: false,
      reason: 'disabled in configuration',
      fpsIn: 0,
      bitrateKbps: 0,
      restarts: 0,
      since: new Date().toISOString(),
    };
  }

  onFrame(id: string, fn: FrameListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Records a finished segment's size so the camera's bitrate is known. */
  noteSegment(cameraId: string, bytes: number, durationSec: number): void {
    this.runners.get(cameraId)?.noteSegmentBytes(bytes, durationSec);
  }

  async stopAll(): Promise<void> {
    this.offPause();
    await this.serial(async () => {
      await Promise.all([...this.runners.values()].map((r) => r.stop()));
      this.runners.clear();
      this.cameras = [];
    });
  }
}
