import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../core/log.ts';
import { backoffDelay } from '../core/backoff.ts';
import { every, guarded, later } from '../core/guard.ts';
import type { CameraConfig } from './config.ts';
import { buildIngestArgs } from './ffmpeg-args.ts';
import { resolveMediaFile } from './media-folders.ts';
import { cameraRedactor } from './secrets.ts';
import { FrameAssembler } from './frame-assembler.ts';
import { frameBytes, type Frame, type PixelFormat } from '../lib/frame.ts';
import { detectGeometry, frameContent, type DetectGeometry, type SourceSize } from '../lib/frame-geometry.ts';
import { probeSource } from './probe.ts';
import { RateMeter } from './rate-meter.ts';
import { StreamClock } from './stream-clock.ts';
import type { CameraState } from './service.ts';

export interface RunnerOptions {
  ffmpegPath: string;
  incomingDir: string;
  segmentSeconds: number;
  pixelFormat: PixelFormat;
  log: Logger;
  onFrame(frame: Frame): void;
  onSegment(seg: { file: string; startedAt: number; endedAt: number }): void;
  onState(state: CameraState): void;
  /** Records this child's pid so a hub that died can kill an orphan at its next start. */
  onSpawn?(pid: number | undefined): void;
  backoff?: { baseMs: number; capMs: number };
  /** Detect only, no segments: the disk is full of held footage and this camera ranks lowest. */
  recordPaused?: boolean;
  /** The folders a file source may read from, asked at each start (hub/cameras/media-folders.ts). */
  mediaFolders(): readonly string[];
  /** How long the probe of the camera's picture may take at each start (default 10 s). */
  probeTimeoutMs?: number;
}

/** A camera's state with its video: the probed picture and the detect frames (what /api/cameras shows). */

const STDERR_LINES = 20;
const HEALTHY_AFTER_MS = 30_000;
/** Long enough for a camera on a slow link to send its SDP and first key frame; short beside the stall timeout. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Supervises one camera's ffmpeg child: starts it, reads its frames and finished segments,
 * declares it stalled when no frame arrives for `stallSeconds`, and restarts it with capped
 * exponential backoff and jitter. Never a fixed-delay respawn loop.
 */
export class CameraRunner {
  private child?: ChildProcess;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private attempt = 0;
  private startedAt = 0;
  private lastFrameAt = 0;
  private seq = 0;
  /** Frames of the current ffmpeg run, and that run's stream-time → wall-clock mapping. */
  private runFrames = 0;
  private clock = new StreamClock(1);
  private readonly fps = new RateMeter(5000);
  private readonly stderrTail: string[] = [];
  private state: CameraState;
  private killReason?: string;
  /** Counts starts and stops: a probe that ends after a stop (or a later start) spawns nothing. */
  private generation = 0;
  private probing?: AbortController;
  /** The picture the last successful probe found, kept for a start whose probe fails. */
  private lastSource?: SourceSize;
  /** Masks this camera's credentials in ffmpeg's lines, which quote the RTSP URL whole. */
  private readonly redact: (text: string) => string;

  constructor(
    readonly cam: CameraConfig,
    private readonly opts: RunnerOptions,
  ) {
    this.redact = cameraRedactor(cam.source);
    this.state = {
      id: cam.id,
      status: 'starting',
      online: false,
      fpsIn: 0,
      bitrateKbps: 0,
      restarts: 0,
      since: new Date().toISOString(),
    };
  }

  start(): void {
    this.stopped = false;
    this.spawnSupervised();
    this.watchdog = every(500, `cameras: watchdog of ${this.cam.id}`, this.opts.log, () => this.checkStall());
  }

  snapshot(): CameraState {
    return { ...this.state, fpsIn: Math.round(this.fps.rate(Date.now()) * 100) / 100 };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.probing?.abort();
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
      // 'close' (not 'exit'): the last segment's list line on fd 3 must be read before we return.
      child.once('close', () => {
        clearTimeout(hard);
        resolve();
      });
      // SIGTERM lets ffmpeg close the open segment cleanly (the MP4 stays playable to its end).
      child.kill('SIGTERM');
    });
  }

  private setState(patch: Partial<CameraState>): void {
    const changed = patch.status !== undefined && patch.status !== this.state.status;
    this.state = { ...this.state, ...patch, ...(changed ? { since: new Date().toISOString() } : {}) };
    if (changed) this.notify('state listener', this.opts.onState, this.snapshot());
  }

  /**
   * Probes the camera's picture, then starts ffmpeg; a start that fails before the child exists
   * (a file outside the media folders, a segment folder that cannot be made on a full or broken
   * disk) is treated like an exit: offline with the reason, retried with backoff. It must never
   * throw out of the restart timer, which would end the hub.
   */
  private spawnSupervised(): void {
    const generation = ++this.generation;
    let cam: CameraConfig;
    try {
      cam = this.inputCamera();
    } catch (err) {
      this.child = undefined;
      this.scheduleRestart(`cannot start: ${(err as Error).message}`);
      return;
    }
    const probing = (this.probing = new AbortController());
    void this.planFrames(cam, probing.signal)
      .then((geometry) => {
        if (generation === this.generation && !this.stopped) this.spawnChild(cam, geometry);
      })
      .catch((err: Error) => {
        this.child = undefined;
        this.scheduleRestart(`cannot start: ${err.message}`);
      });
  }

  /**
   * This run's detect frames: the configured box fitted to the picture the probe finds. A probe
   * that fails never stops the camera: the picture probed at an earlier start is used, or, with
   * none, the box itself (stretched, as before issue 13), and the camera's state says so.
   */
  private async planFrames(cam: CameraConfig, signal: AbortSignal): Promise<DetectGeometry> {
    const src = cam.source;
    let source: SourceSize | undefined;
    let note: string | undefined;
    if (src.type === 'testsrc') {
      source = { width: src.width, height: src.height };
    } else {
      const probe = await probeSource(cam, {
        ffmpegPath: this.opts.ffmpegPath,
        timeoutMs: this.opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS,
        signal,
        redact: this.redact,
      });
      if (probe.ok) {
        source = this.lastSource = probe.size;
      } else if (this.lastSource) {
        source = this.lastSource;
        note = `cannot probe the picture (${probe.reason}); frames keep the shape probed at an earlier start, ${source.width}x${source.height}`;
      } else {
        note = `cannot probe the picture (${probe.reason}); frames are ${cam.detect.width}x${cam.detect.height}, stretched to fill them, until a start that probes it`;
      }
    }
    const geometry = detectGeometry(cam.detect, cam.detect.fit, source);
    if (signal.aborted) return geometry; // stopped while probing: nothing runs, nothing to show
    if (note && note !== this.state.video?.note) this.opts.log.warn(`camera ${cam.id}: ${note}`);
    this.state.video = {
      source: source ? { ...source } : null,
      detect: { width: geometry.width, height: geometry.height },
      fit: geometry.fit,
      content: geometry.content,
      ...(note ? { note } : {}),
    };
    return geometry;
  }

  /** Calls one of the owner's callbacks from a child or stream event, never letting it throw. */
  private notify<A extends unknown[]>(what: string, fn: ((...args: A) => void) | undefined, ...args: A): void {
    if (fn) guarded(`cameras: ${what} of ${this.cam.id}`, this.opts.log, fn)(...args);
  }

  private spawnChild(cam: CameraConfig, geometry: DetectGeometry): void {
    if (this.recordEnabled()) mkdirSync(this.opts.incomingDir, { recursive: true });
    const runTag = `${Date.now().toString(36)}`;
    const args = buildIngestArgs(cam, {
      incomingDir: this.opts.incomingDir,
      runTag,
      segmentSeconds: this.opts.segmentSeconds,
      record: this.recordEnabled(),
      pixelFormat: this.opts.pixelFormat,
      geometry,
    });
    this.startedAt = Date.now();
    this.lastFrameAt = 0;
    this.runFrames = 0;
    this.clock = new StreamClock(this.cam.detect.fps);
    this.killReason = undefined;
    this.stderrTail.length = 0;
    const child = spawn(this.opts.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.notify('pid file', this.opts.onSpawn, child.pid);
    const assembler = new FrameAssembler(frameBytes(geometry.width, geometry.height, this.opts.pixelFormat));

    const log = this.opts.log;
    const id = this.cam.id;
    child.stdout!.on(
      'data',
      guarded(`cameras: frames of ${id}`, log, (chunk: Buffer) => {
        // Bytes still in the pipe when the child has exited are frames of a run already declared
        // offline: stamped on arrival they would be late, and they would flip the camera back to
        // online milliseconds after it went offline (an offline event ended before it began).
        if (child !== this.child || child.exitCode !== null || child.signalCode !== null) return;
        for (const data of assembler.push(chunk)) this.handleFrame(data, geometry);
      }),
    );
    createInterface({ input: child.stderr! }).on('line', (raw) => {
      // Masked before anything keeps it: the tail becomes the state's reason, seen by viewers.
      const line = this.redact(raw);
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
      log.debug(`ffmpeg: ${line}`);
    });
    createInterface({ input: child.stdio[3] as Readable }).on(
      'line',
      guarded(`cameras: segment list of ${id}`, log, (line: string) => this.handleSegmentLine(line)),
    );
    child.on('error', (err) => {
      this.killReason = `cannot run ffmpeg (${this.opts.ffmpegPath}): ${err.message}`;
    });
    child.on(
      'exit',
      guarded(`cameras: exit of ${id}`, log, (code: number | null, signal: NodeJS.Signals | null) => this.handleExit(child, code, signal)),
    );
  }

  private handleFrame(data: Buffer, geometry: DetectGeometry): void {
    const now = Date.now();
    this.lastFrameAt = now;
    this.fps.mark(now);
    this.clock.observe(this.runFrames++, now);
    if (this.state.status !== 'online') {
      this.opts.log.info(`camera ${this.cam.id} online`);
      this.setState({ status: 'online', online: true, reason: undefined });
    }
    this.state.lastFrameAt = new Date(now).toISOString();
    if (now - this.startedAt > HEALTHY_AFTER_MS) this.attempt = 0;
    const content = frameContent(geometry);
    this.opts.onFrame({
      cameraId: this.cam.id,
      seq: this.seq++,
      capturedAt: now,
      width: geometry.width,
      height: geometry.height,
      ...(content ? { content } : {}),
      format: this.opts.pixelFormat,
      data,
    });
  }

  private handleSegmentLine(line: string): void {
    // csv: file,start,end (seconds of stream time)
    const m = /^(.*),([\d.]+),([\d.]+)$/.exec(line.trim());
    if (!m) {
      this.opts.log.warn(`unexpected segment list line from ffmpeg: ${line}`);
      return;
    }
    const start = Number(m[2]);
    const end = Number(m[3]);
    const file = m[1]!.startsWith('/') ? m[1]! : `${this.opts.incomingDir}/${m[1]}`;
    // Place the segment on the detect frames' clock, so recordings and detections agree; before
    // the first frame, fall back to the line's arrival.
    const now = Date.now();
    const placed = this.clock.placeSegment(start, end) ?? { startMs: now - Math.round((end - start) * 1000), endMs: now };
    this.notify('segment listener', this.opts.onSegment, { file, startedAt: placed.startMs, endedAt: placed.endMs });
  }

  private checkStall(): void {
    if (!this.child || this.stopped || this.child.exitCode !== null) return;
    const since = this.lastFrameAt || this.startedAt;
    const limit = this.cam.stallSeconds * 1000;
    if (Date.now() - since > limit) {
      this.killReason = this.lastFrameAt ? `stalled: no frame for ${this.cam.stallSeconds} s` : `no video within ${this.cam.stallSeconds} s of connecting`;
      this.opts.log.warn(`camera ${this.cam.id} ${this.killReason}; restarting`);
      this.child.kill('SIGKILL');
    }
  }

  private handleExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.notify('pid file', this.opts.onSpawn, undefined);
    if (this.stopped) {
      this.setState({ status: 'disabled', online: false, reason: 'stopped' });
      return;
    }
    const lastError = this.stderrTail.at(-1);
    const reason =
      this.killReason ??
      (lastError ? `ffmpeg: ${lastError}` : code === 0 ? 'stream ended: the camera closed the connection' : `ffmpeg exited (${signal ?? `code ${code}`})`);
    this.scheduleRestart(reason);
  }

  /**
   * The camera as ffmpeg reads it: a file source by its path resolved inside a media folder, so a
   * file outside them, or a symlink pointing out of them, is never opened. Throws otherwise.
   */
  private inputCamera(): CameraConfig {
    const src = this.cam.source;
    if (src.type !== 'file') return this.cam;
    const found = resolveMediaFile(src.path, this.opts.mediaFolders());
    if (!found.ok) throw new Error(`source.path ${src.path} ${found.message}`);
    return { ...this.cam, source: { ...src, path: found.path } };
  }

  /** Offline with `reason`; the next start after a capped, jittered backoff. */
  private scheduleRestart(why: string): void {
    if (this.stopped) return;
    // Every reason passes here on its way to the state, the bus, the events and the log.
    const reason = this.redact(why);
    const delay = backoffDelay(this.attempt++, this.opts.backoff?.baseMs ?? 1000, this.opts.backoff?.capMs ?? 8000);
    this.opts.log.warn(`camera ${this.cam.id} offline: ${reason}; retry in ${delay} ms`);
    this.setState({ status: 'offline', online: false, reason, restarts: this.state.restarts + 1 });
    this.restartTimer = later(delay, `cameras: restart of ${this.cam.id}`, this.opts.log, () => {
      if (!this.stopped) this.spawnSupervised();
    });
  }

  /** Whether this run writes segments: the camera's setting, unless the disk paused it. */
  private recordEnabled(): boolean {
    return this.cam.record.enabled && !this.opts.recordPaused;
  }

  /** Updates the recorded bitrate from a finished segment. */
  noteSegmentBytes(bytes: number, durationSec: number): void {
    if (durationSec > 0) this.state.bitrateKbps = Math.round((bytes * 8) / durationSec / 1000);
  }
}
