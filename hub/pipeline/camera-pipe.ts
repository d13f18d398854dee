/**
 * One camera's chain of pure stages (motion → tamper, regions, track) plus its latest-frame slot
 * and counters. Driven by pipeline.ts; holds no timers and does no I/O.
 */
import { lumaPlane, type Frame } from '../lib/frame.ts';
import type { FrameContent, Rect } from '../lib/frame-geometry.ts';
import type { Box, TamperSignal, TrackedObject } from './types.ts';
import type { CameraPipelineConfig, PipelineConfig } from './config.ts';
import { LatestSlot } from './frame-slot.ts';
import { MotionDetector } from './motion.ts';
import { TamperDetector } from './tamper.ts';
import { Tracker } from './tracker.ts';
import { planChecks, wholeFrame, type CheckReason, type Region } from './regions.ts';
import { sharpness } from './grey.ts';
import { LookMemory } from './look-memory.ts';
import { union } from './geometry.ts';
import { RateWindow, Reservoir } from './stats.ts';

export type PipelineMode = 'gated' | 'naive';

/** A frame waiting for the detector, with the motion seen since the last processed frame. */
export interface Pending {
  frame: Frame;
  motion: Box[];
}

const MAX_PENDING_BOXES = 32;

const sameRect = (a: Rect, b: Rect): boolean => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
/** Whether two frames lay the picture out alike (the motion stage's masks are mapped through it). */
function sameContent(a: FrameContent | undefined, b: FrameContent | undefined): boolean {
  return a === b || (!!a && !!b && sameRect(a.inFrame, b.inFrame) && sameRect(a.ofPicture, b.ofPicture));
}

export class CameraPipe {
  readonly slot = new LatestSlot<Pending>();
  readonly tracker: Tracker;
  private motion: MotionDetector | undefined;
  private tamper: TamperDetector | undefined;
  private size: { width: number; height: number; content?: FrameContent } = { width: 0, height: 0 };
  busy = false;
  readonly inRate = new RateWindow();
  readonly doneRate = new RateWindow();
  readonly latency = new Reservoir();
  framesIn = 0;
  processed = 0;
  inferenceCalls = 0;
  inferenceImages = 0;
  lastObjects: TrackedObject[] = [];
  /** Capture time of the last whole-frame check (undefined: none yet, the next frame gets one). */
  private lastWholeAt: number | undefined;
  private planned: CheckReason | null = null;
  private checkFrame = 0;
  private readonly looks: LookMemory;
  /** Frames sent to the detector, by the first reason they needed it. */
  readonly reasons: Record<CheckReason, number> = { refresh: 0, motion: 0, candidate: 0, moving: 0, stationary: 0 };

  constructor(
    readonly id: string,
    private readonly cfg: PipelineConfig,
    readonly settings: CameraPipelineConfig,
    private readonly mode: PipelineMode,
  ) {
    this.tracker = new Tracker({ cameraId: id, ...cfg.tracker });
    this.looks = new LookMemory(cfg.regions);
  }

  /**
   * Runs the per-frame stages that never wait (motion, tamper) and parks the frame in the slot.
   * Returns the tamper transitions; a frame it displaced is counted as dropped by the slot.
   */
  accept(frame: Frame, at: number): TamperSignal[] {
    this.framesIn++;
    this.inRate.mark(at);
    if (this.mode === 'naive') {
      this.park(frame, []);
      return [];
    }
    const { size } = this;
    if (frame.width !== size.width || frame.height !== size.height || !sameContent(frame.content, size.content) || !this.motion) this.resize(frame);
    const luma = lumaPlane(frame);
    const m = this.motion!.process(luma);
    const signals = this.tamper!.process({
      at: frame.capturedAt,
      grey: m.grey,
      sharpness: sharpness(luma, frame.width, frame.height),
      sceneChange: m.sceneChange,
      changedFraction: m.changedFraction,
    });
    this.park(frame, m.boxes);
    return signals;
  }

  private park(frame: Frame, boxes: Box[]): void {
    const prev = this.slot.put({ frame, motion: boxes });
    if (prev && prev.motion.length > 0) {
      // The dropped frame's motion still counts: something moved there since the last check.
      const all = [...prev.motion, ...boxes];
      this.slot.peek()!.motion = all.length <= MAX_PENDING_BOXES ? all : [all.reduce((a, b) => union(a, b))];
    }
  }

  private resize(frame: Frame): void {
    this.size = { width: frame.width, height: frame.height, content: frame.content };
    const mc = this.cfg.motion;
    this.motion = new MotionDetector({
      width: frame.width,
      height: frame.height,
      scaleWidth: mc.scaleWidth,
      threshold: this.settings.motionThreshold ?? mc.threshold,
      backgroundAlpha: mc.backgroundAlpha,
      minArea: mc.minArea,
      masks: this.settings.masks,
      content: frame.content,
      sceneChangeFraction: this.cfg.tamper.sceneChangeFraction,
    });
    this.tamper = new TamperDetector({ cameraId: this.id, ...this.cfg.tamper });
  }

  /** Where the detector should look on the pending frame (empty: nowhere, no inference needed). */
  plan(pending: Pending, inputSize: number): Region[] {
    const { width, height, capturedAt } = pending.frame;
    if (this.mode === 'naive') return [wholeFrame(width, height)];
    this.looks.follow(this.processed, pending.motion);
    const refreshMs = this.cfg.regions.refreshSeconds * 1000;
    const refresh = this.lastWholeAt === undefined || (refreshMs > 0 && capturedAt - this.lastWholeAt >= refreshMs);
    const { regions, reason } = planChecks(
      {
        width,
        height,
        motion: pending.motion,
        tracks: this.tracker.regionTracks(capturedAt),
        refresh,
        recentLooks: this.looks.recentLooks(this.processed),
        emptyZones: this.looks.emptyZones(this.processed),
      },
      { inputSize, ...this.cfg.regions, wholeFrameAt: this.cfg.motion.wholeFrameAt },
    );
    this.planned = reason;
    return regions;
  }

  /** The planned check was sent to the detector: counts its reason, notes a whole-frame look. */
  checked(frame: Frame, regions: readonly Region[]): void {
    this.checkFrame = this.processed;
    if (this.planned) this.reasons[this.planned]++;
    if (regions.some((r) => r.kind === 'whole')) this.lastWholeAt = frame.capturedAt;
  }

  /** The check's outcome: the regions seen, the motion they covered and the boxes found there. */
  looked(regions: readonly Region[], motion: readonly Box[], found: readonly Box[]): void {
    const empty = this.looks.note(
      this.checkFrame,
      regions.map((r) => r.box),
      motion,
      found,
    );
    this.motion?.absorb(empty);
  }

  /** Marks a frame as processed and records its capture-to-update latency. */
  done(frame: Frame, at: number, objects: TrackedObject[]): void {
    this.processed++;
    this.doneRate.mark(at);
    this.latency.add(at - frame.capturedAt);
    this.lastObjects = objects.filter((o) => o.leftAt === undefined);
  }

  stats(at: number): Record<string, unknown> {
    return {
      cameraId: this.id,
      fpsIn: this.inRate.rate(at),
      fpsProcessed: this.doneRate.rate(at),
      framesIn: this.framesIn,
      processed: this.processed,
      dropped: this.slot.stats().dropped,
      inferenceCalls: this.inferenceCalls,
      inferenceImages: this.inferenceImages,
      latencyMs: this.latency.summary(),
      checks: { ...this.reasons },
      motion: this.motion?.stats(),
      tamper: this.tamper?.stats(),
      tracks: this.tracker.stats(),
    };
  }
}
