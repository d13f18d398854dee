import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidDir } from './orphans.ts';
import type { HubContext } from '../context.ts';
import type { CameraConfig } from './config.ts';
import { CameraRunner } from './camera-runner.ts';
import type { Frame, PixelFormat } from './frame.ts';
import { FrameQueue } from './frame-queue.ts';
import type { CameraService, CameraState, FrameListener } from './service.ts';
import { incomingDir } from '../record/paths.ts';

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
  private readonly dropped;

  constructor(private readonly ctx: HubContext, private readonly opts: ManagerOptions) {
    this.log = ctx.log.child('cameras');
    this.pidDir = pidDir(ctx.dataDir);
    this.dropped = ctx.metrics.counter('cameras_frames_dropped_total', 'Detect frames dropped because a consumer was slower than the camera');
    const frames = ctx.metrics.counter('cameras_frames_total', 'Detect frames received from ffmpeg');
    this.onFrame('*', (f) => frames.inc({ camera: f.cameraId }));
  }

  apply(cameras: CameraConfig[], segmentSeconds: number): void {
    const wanted = new Map(cameras.filter((c) => c.enabled).map((c) => [c.id, c]));
    for (const [id, runner] of this.runners) {
      const next = wanted.get(id);
      if (!next || JSON.stringify(next) !== JSON.stringify(runner.cam)) {
        void runner.stop();
        this.runners.delete(id);
        this.log.info(`camera ${id} ${next ? 'reconfigured' : 'removed'}`);
      }
    }
    for (const [id, cam] of wanted) {
      if (this.runners.has(id)) continue;
      const runner = new CameraRunner(cam, {
        ffmpegPath: this.opts.ffmpegPath,
        incomingDir: incomingDir(this.ctx.dataDir, id),
        segmentSeconds,
        pixelFormat: this.opts.pixelFormat ?? 'yuv420p',
        log: this.log.child(id),
        backoff: this.opts.backoff,
        onFrame: (f) => this.dispatch(f),
        onSegment: (seg) => this.ctx.bus.emit('camera.segment', { cameraId: id, ...seg }),
        onState: (s) => this.ctx.bus.emit('camera.state', s),
        onSpawn: (pid) => this.writePid(id, pid),
      });
      this.runners.set(id, runner);
      runner.start();
    }
  }

  private writePid(id: string, pid: number | undefined): void {
    mkdirSync(this.pidDir, { recursive: true });
    const file = join(this.pidDir, `ffmpeg-${id}.pid`);
    if (pid) writeFileSync(file, String(pid));
    else rmSync(file, { force: true });
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
    return { id, status: 'disabled', online: false, reason: 'disabled in configuration', fpsIn: 0, bitrateKbps: 0, restarts: 0, since: new Date().toISOString() };
  }

  onFrame(id: string, fn: FrameListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  frames(id: string, opts: { buffer?: number; signal?: AbortSignal } = {}): AsyncIterable<Frame> {
    const queue = new FrameQueue(opts.buffer ?? 2, () => this.dropped.inc({ camera: id }));
    const off = this.onFrame(id, (f) => queue.push(f));
    const close = () => {
      off();
      queue.close();
    };
    opts.signal?.addEventListener('abort', close, { once: true });
    const origReturn = queue.return.bind(queue);
    queue.return = () => {
      off();
      return origReturn();
    };
    return queue;
  }

  /** Records a finished segment's size so the camera's bitrate is known. */
  noteSegment(cameraId: string, bytes: number, durationSec: number): void {
    this.runners.get(cameraId)?.noteSegmentBytes(bytes, durationSec);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }
}
