/**
 * The tamper stage: camera-level signals from the motion stage's measures. A covered lens
 * (blackout), a smeared or defocused lens (heavy blur) and a moved camera (sudden whole-scene
 * change). Each condition must hold for a few frames before it is raised or cleared, and only the
 * transitions are emitted. Pure.
 */
import type { TamperSignal } from './types.ts';
import { meanStd, type GreyImage } from './grey.ts';

export interface TamperOptions {
  cameraId: string;
  blackoutLuma: number;
  blurRatio: number;
  holdFrames: number;
}

export interface TamperInput {
  at: number;
  grey: GreyImage;
  /** Sharpness of the full-resolution frame (grey.ts `sharpness`). */
  sharpness: number;
  sceneChange: boolean;
  changedFraction: number;
}

type Kind = TamperSignal['kind'];

interface Condition {
  active: boolean;
  on: number;
  off: number;
}

/** A flat image: a hand or tape over the lens gives almost no texture. */
const BLACKOUT_MAX_STD = 12;
/** Frames of normal picture that set the usual sharpness before blur can be judged. */
const WARMUP_FRAMES = 5;

export class TamperDetector {
  private readonly cond: Record<Kind, Condition> = {
    blackout: { active: false, on: 0, off: 0 },
    blur: { active: false, on: 0, off: 0 },
    'scene-change': { active: false, on: 0, off: 0 },
  };
  private baseline = 0;
  private baselineFrames = 0;
  private raised = 0;

  constructor(private readonly opts: TamperOptions) {}

  process(input: TamperInput): TamperSignal[] {
    const { mean, std } = meanStd(input.grey);
    const blackout = mean < this.opts.blackoutLuma && std < BLACKOUT_MAX_STD;
    const warm = this.baselineFrames >= WARMUP_FRAMES;
    const blur = !blackout && warm && input.sharpness < this.opts.blurRatio * this.baseline;
    if (!blackout && !blur && !this.cond.blur.active) {
      // The usual sharpness follows the scene slowly (day, night) while nothing is wrong.
      this.baselineFrames++;
      const k = this.baselineFrames <= WARMUP_FRAMES ? 1 / this.baselineFrames : 0.02;
      this.baseline += k * (input.sharpness - this.baseline);
    }
    const out: TamperSignal[] = [];
    this.step('blackout', blackout, mean, input.at, out);
    this.step('blur', blur, input.sharpness, input.at, out);
    // A scene change is an instant: raised at once, cleared once the picture is steady again.
    const sc = this.cond['scene-change'];
    if (input.sceneChange && !sc.active) {
      sc.active = true;
      sc.off = 0;
      this.raised++;
      out.push({ cameraId: this.opts.cameraId, at: input.at, kind: 'scene-change', active: true, value: input.changedFraction });
    } else if (sc.active) {
      sc.off = input.sceneChange ? 0 : sc.off + 1;
      if (sc.off >= this.opts.holdFrames) {
        sc.active = false;
        out.push({ cameraId: this.opts.cameraId, at: input.at, kind: 'scene-change', active: false, value: input.changedFraction });
      }
    }
    return out;
  }

  private step(kind: Kind, now: boolean, value: number, at: number, out: TamperSignal[]): void {
    const c = this.cond[kind];
    if (now) {
      c.on++;
      c.off = 0;
    } else {
      c.off++;
      c.on = 0;
    }
    if (!c.active && c.on >= this.opts.holdFrames) {
      c.active = true;
      this.raised++;
      out.push({ cameraId: this.opts.cameraId, at, kind, active: true, value });
    } else if (c.active && c.off >= this.opts.holdFrames) {
      c.active = false;
      out.push({ cameraId: this.opts.cameraId, at, kind, active: false, value });
    }
  }

  /** Conditions active now, and how many were raised since start. */
  stats(): { active: Kind[]; raised: number; baselineSharpness: number } {
    return {
      active: (Object.keys(this.cond) as Kind[]).filter((k) => this.cond[k].active),
      raised: this.raised,
      baselineSharpness: this.baseline,
    };
  }
}
