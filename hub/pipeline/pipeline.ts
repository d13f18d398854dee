/**
 * The frame pipeline's driver: frames in (push), tracked-object updates, tamper signals and health
 * alerts out (callbacks). It owns the cameras' pipes, the fair scheduler and the detector calls;
 * the hub module (module.ts) and the benchmark both drive it.
 *
 *   push(frame) ─► motion+tamper ─► latest-frame slot ─► [scheduler picks cameras] ─► regions
 *     ─► RGB crops ─► engine.detect (batched across cameras) ─► back to frame coords + NMS ─► track
 */
import type { Frame } from '../lib/frame.ts';
import type { InferenceEngine, RgbImage } from '../detect/index.ts';
import type { Box, TamperSignal, TrackedObject, TrackReport } from './types.ts';
import { cameraSettings, type PipelineConfig } from './config.ts';
import { CameraPipe, type Pending, type PipelineMode } from './camera-pipe.ts';
import { FairScheduler, fillBatch, type HealthChange } from './scheduler.ts';
import type { Region } from './regions.ts';
import { cropToFrame, cropToRgb } from './crop.ts';
import { clampBox, area, nms } from './geometry.ts';
import { Reservoir, round } from './stats.ts';
import type { TrackDetection } from './tracker.ts';

export interface PipelineSinks {
  /** One processed frame's tracks, with that frame. */
  tracks(report: TrackReport): void;
  tamper(signal: TamperSignal): void;
  health(change: HealthChange): void;
  error?(message: string): void;
}

export interface PipelineOptions {
  config: PipelineConfig;
  engine?: InferenceEngine | undefined;
  sinks: PipelineSinks;
  /** naive: every frame, whole frame, no motion gating (the benchmark's baseline). */
  mode?: PipelineMode;
  now?: () => number;
  /** Instrumentation: sees each crop sent to the detector and where it came from (bench, tests). */
  onCrop?: (image: RgbImage, frame: Frame, region: Box) => void;
  /** Instrumentation: each frame once processed (capture-to-update latency = at - frame.capturedAt). */
  onProcessed?: (frame: Frame, at: number, inferred: boolean) => void;
}

type Stage = 'motion' | 'regions' | 'crop' | 'infer' | 'track';
const STAGES: Stage[] = ['motion', 'regions', 'crop', 'infer', 'track'];

interface Job {
  cam: CameraPipe;
  pending: Pending;
  regions: Region[];
  first: number;
}

export class Pipeline {
  private readonly cams = new Map<string, CameraPipe>();
  private readonly scheduler = new FairScheduler();
  private readonly stage = Object.fromEntries(STAGES.map((s) => [s, new Reservoir()])) as Record<Stage, Reservoir>;
  private readonly mode: PipelineMode;
  private readonly now: () => number;
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private calls = 0;
  /** Detector wall time per image, smoothed (the batch time budget's unit). */
  private msPerImage = 0;
  private images = 0;
  private errors = 0;
  private lastHealthAt = 0;
  private closed = false;

  constructor(private readonly opts: PipelineOptions) {
    this.mode = opts.mode ?? 'gated';
    this.now = opts.now ?? Date.now;
  }

  get engine(): InferenceEngine | undefined {
    return this.opts.engine;
  }

  private camera(id: string): CameraPipe {
    let cam = this.cams.get(id);
    if (!cam) {
      const settings = cameraSettings(this.opts.config, id);
      cam = new CameraPipe(id, this.opts.config, settings, this.mode);
      this.cams.set(id, cam);
      this.scheduler.add({ id, priority: settings.priority, floorFps: settings.floorFps }, this.now());
    }
    return cam;
  }

  /** One camera frame in. Never blocks, never queues more than one frame per camera. */
  push(frame: Frame): void {
    if (this.closed) return;
    const cam = this.camera(frame.cameraId);
    const t0 = this.now();
    this.scheduler.arrived(cam.id, t0);
    const signals = cam.accept(frame, t0);
    if (this.mode === 'gated') this.stage.motion.add(this.now() - t0);
    for (const s of signals) this.opts.sinks.tamper(s);
    if (t0 - this.lastHealthAt >= 1000) {
      this.lastHealthAt = t0;
      for (const h of this.scheduler.health(t0)) this.opts.sinks.health(h);
    }
    this.dispatch();
  }

  /** Starts detector calls while capacity allows. */
  private dispatch(): void {
    const engine = this.opts.engine;
    const cfg = this.opts.config.scheduler;
    // The batch is capped by a time budget too: a frame that arrives just after a call started
    // waits for it, so a long call is latency for everyone (measured per image, smoothed).
    const byTime = Math.max(1, Math.floor(cfg.batchLatencyMs / Math.max(1, this.msPerImage)));
    const maxBatch = cfg.batching && engine ? Math.max(1, Math.min(cfg.maxBatch, engine.maxBatch, byTime)) : 1;
    while (!this.closed) {
      const jobs = new Map<string, Job>();
      for (const cam of this.cams.values()) {
        if (cam.busy || !cam.slot.full) continue;
        const t0 = this.now();
        const pending = cam.slot.peek()!;
        const regions = engine ? cam.plan(pending, engine.inputSize) : [];
        this.stage.regions.add(this.now() - t0);
        if (regions.length === 0) {
          // Nothing to look at: the frame is processed at once, objects move on by prediction.
          cam.slot.take();
          this.finishFrame(cam, pending.frame, cam.tracker.predict(pending.frame.capturedAt).objects, false);
          continue;
        }
        jobs.set(cam.id, { cam, pending, regions, first: 0 });
      }
      if (jobs.size === 0 || !engine || this.inFlight >= cfg.maxInFlight) return;
      const order = this.scheduler.order([...jobs.keys()], this.now());
      const chosen = fillBatch(order, (id) => jobs.get(id)!.regions.length, maxBatch).map((id) => jobs.get(id)!);
      for (const job of chosen) {
        job.cam.slot.take();
        job.cam.busy = true;
        job.cam.checked(job.pending.frame, job.regions);
      }
      this.inFlight++;
      void this.infer(engine, chosen, maxBatch).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const fn of this.idle) fn();
        this.dispatch();
      });
    }
  }

  private async infer(engine: InferenceEngine, jobs: Job[], maxBatch: number): Promise<void> {
    const t0 = this.now();
    const images: RgbImage[] = [];
    for (const job of jobs) {
      job.first = images.length;
      for (const r of job.regions) {
        const img = cropToRgb(job.pending.frame, r.box, engine.inputSize);
        this.opts.onCrop?.(img, job.pending.frame, r.box);
        images.push(img);
      }
    }
    const t1 = this.now();
    this.stage.crop.add(t1 - t0);
    let results: Array<Awaited<ReturnType<InferenceEngine['detect']>>[number]> = [];
    try {
      for (let i = 0; i < images.length; i += maxBatch) {
        const part = images.slice(i, i + maxBatch);
        this.calls++;
        this.images += part.length;
        results = results.concat(await engine.detect(part));
      }
    } catch (err) {
      this.errors++;
      this.opts.sinks.error?.(`pipeline: detect failed for ${jobs.map((j) => j.cam.id).join(', ')}: ${(err as Error).message}`);
      results = images.map(() => []);
    }
    const t2 = this.now();
    this.stage.infer.add(t2 - t1);
    if (images.length > 0) this.msPerImage = this.msPerImage === 0 ? (t2 - t1) / images.length : 0.8 * this.msPerImage + 0.2 * ((t2 - t1) / images.length);
    for (const job of jobs) {
      const { cam, pending, regions } = job;
      const { frame } = pending;
      cam.inferenceCalls++;
      cam.inferenceImages += regions.length;
      const found: TrackDetection[] = [];
      regions.forEach((r, k) => {
        for (const d of results[job.first + k] ?? []) {
          const box = clampBox(cropToFrame(d.box, r.box, engine.inputSize), frame.width, frame.height);
          if (area(box) < 4) continue;
          found.push({ label: d.label, score: d.score, box });
        }
      });
      const t3 = this.now();
      // Overlapping crops see the same object twice: keep the surest box.
      const dets = nms(found, 0.5);
      const res = cam.tracker.update(
        dets,
        frame.capturedAt,
        regions.map((r) => r.box),
      );
      // Motion with no moving object found in it is a ghost (or a still object's own outline):
      // the camera stops looking at it (look-memory.ts) and lets its background take it in.
      if (this.mode === 'gated') {
        const movers = res.objects.filter((o) => !o.stationary && o.lastSeenAt === frame.capturedAt && o.leftAt === undefined).map((o) => o.box);
        cam.looked(regions, pending.motion, movers);
      }
      this.stage.track.add(this.now() - t3);
      this.finishFrame(cam, frame, res.objects, true);
      cam.busy = false;
    }
  }

  private finishFrame(cam: CameraPipe, frame: Frame, objects: TrackedObject[], inferred: boolean): void {
    const at = this.now();
    this.scheduler.processed(cam.id, at, inferred);
    cam.done(frame, at, objects);
    this.opts.onProcessed?.(frame, at, inferred);
    // Quiet cameras with nothing tracked send nothing; any tracked object means an update.
    if (objects.length > 0 || inferred) {
      // The frame rides along: events cut an event's picture from the frame its box was found on.
      this.opts.sinks.tracks({ cameraId: cam.id, frameAt: frame.capturedAt, frameWidth: frame.width, frameHeight: frame.height, objects, frame });
    }
  }

  /** Objects currently tracked on a camera. */
  objects(cameraId: string): TrackedObject[] {
    return this.cams.get(cameraId)?.lastObjects ?? [];
  }

  /** Forgets a camera (removed from the configuration). */
  removeCamera(id: string): void {
    this.cams.delete(id);
    this.scheduler.remove(id);
  }

  stats(): PipelineStats {
    const at = this.now();
    const sched = new Map(this.scheduler.stats(at).map((s) => [s.cameraId, s]));
    return {
      mode: this.mode,
      detector: this.opts.engine ? { modelId: this.opts.engine.modelId, inputSize: this.opts.engine.inputSize, maxBatch: this.opts.engine.maxBatch } : null,
      inferenceCalls: this.calls,
      inferenceImages: this.images,
      inferenceErrors: this.errors,
      meanBatch: this.calls ? round(this.images / this.calls) : 0,
      stagesMs: Object.fromEntries(STAGES.map((s) => [s, this.stage[s].summary()])) as PipelineStats['stagesMs'],
      cameras: [...this.cams.values()].map((c) => {
        const s = c.stats(at) as unknown as CameraStats;
        const sc = sched.get(c.id);
        return {
          ...s,
          fpsIn: round(s.fpsIn),
          fpsProcessed: round(s.fpsProcessed),
          priority: sc?.priority ?? 0,
          floorFps: sc?.floorFps ?? 0,
          belowFloor: sc?.belowFloor ?? false,
        };
      }),
    };
  }

  /** Stops taking frames and waits for calls in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
  }

  /** Resolves once no detector call is in flight (tests and the benchmark pace on it). */
  async settled(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((ok) => {
      const fn = (): void => {
        this.idle.delete(fn);
        ok();
      };
      this.idle.add(fn);
    });
  }
}

export interface CameraStats {
  cameraId: string;
  fpsIn: number;
  fpsProcessed: number;
  framesIn: number;
  processed: number;
  dropped: number;
  inferenceCalls: number;
  inferenceImages: number;
  latencyMs: { count: number; p50: number; p95: number };
  priority: number;
  floorFps: number;
  belowFloor: boolean;
  /** Frames sent to the detector, by the first reason they needed it (gated mode). */
  checks?: Record<string, number>;
  motion?: unknown;
  tamper?: { active: string[]; raised: number };
  tracks: { active: number; created: number; left: number };
}

export interface PipelineStats {
  mode: PipelineMode;
  detector: { modelId: string; inputSize: number; maxBatch: number } | null;
  inferenceCalls: number;
  inferenceImages: number;
  inferenceErrors: number;
  meanBatch: number;
  /** Per stage: samples, p50/p95 ms per sample and total ms (motion per frame, the rest per frame or call). */
  stagesMs: Record<Stage, { count: number; p50: number; p95: number; total: number }>;
  cameras: CameraStats[];
}
