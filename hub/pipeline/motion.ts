/**
 * The motion stage: grey-level difference against a running background on a downscaled luma
 * plane, with masks, giving motion boxes in detect-frame pixels. Pure: one frame in, one result out.
 *
 * Cheap by design (a 640x360 frame becomes 160x90 cells): it runs on every frame, so inference
 * only happens where something moves.
 */
import type { Box } from './types.ts';
import { rasterizeMask, type Polygon } from './geometry.ts';
import { pictureToFrame, type FrameContent } from '../lib/frame-geometry.ts';
import { downscale, type GreyImage } from './grey.ts';

export interface MotionOptions {
  /** Detect-frame size. */
  width: number;
  height: number;
  scaleWidth: number;
  threshold: number;
  backgroundAlpha: number;
  /** Smallest blob as a fraction of the frame. */
  minArea: number;
  /** Polygons in fractions of the camera picture (0..1), mapped onto the frame through `content`. */
  masks: readonly Polygon[];
  /** Where the picture lies in the frame (a letterboxed or cropped detect stream); absent: the whole frame. */
  content?: FrameContent;
  /** Changed fraction above which the whole scene changed (camera moved, lights on): background resets. */
  sceneChangeFraction: number;
}

export interface MotionResult {
  /** Motion boxes in detect-frame pixels. */
  boxes: Box[];
  /** Fraction of the unmasked cells that changed (0..1). */
  changedFraction: number;
  /** True when the whole scene changed on this frame (the background was reset). */
  sceneChange: boolean;
  /** The downscaled grey frame (for the tamper stage). */
  grey: GreyImage;
}

export class MotionDetector {
  readonly factor: number;
  private readonly w: number;
  private readonly h: number;
  private readonly mask: Uint8Array;
  private readonly unmasked: number;
  private readonly minCells: number;
  private bg: Float32Array | undefined;
  private last: Uint8Array | undefined;
  private readonly changed: Uint8Array;
  private readonly dilated: Uint8Array;
  private readonly labels: Int32Array;
  private readonly stack: Int32Array;
  private frames = 0;
  private framesWithMotion = 0;
  private sceneChanges = 0;

  constructor(private readonly opts: MotionOptions) {
    this.factor = Math.max(1, Math.round(opts.width / opts.scaleWidth));
    this.w = Math.floor(opts.width / this.factor);
    this.h = Math.floor(opts.height / this.factor);
    const n = this.w * this.h;
    const masks = opts.masks.map((poly) => poly.map((p) => pictureToFrame(p, opts.width, opts.height, opts.content)));
    this.mask = rasterizeMask(masks, opts.width, opts.height, this.w, this.h);
    this.unmasked = Math.max(1, n - this.mask.reduce((s, v) => s + v, 0));
    this.minCells = Math.max(2, Math.round(opts.minArea * n));
    this.changed = new Uint8Array(n);
    this.dilated = new Uint8Array(n);
    this.labels = new Int32Array(n);
    this.stack = new Int32Array(n);
  }

  /** Processes one frame's luma plane (width x height bytes). */
  process(luma: Uint8Array): MotionResult {
    const { mask } = this;
    const grey = downscale(luma, this.opts.width, this.opts.height, this.factor);
    const g = grey.data;
    this.last = g;
    this.frames++;
    if (!this.bg) {
      this.bg = Float32Array.from(g);
      return { boxes: [], changedFraction: 0, sceneChange: false, grey };
    }
    const bg = this.bg;
    // Slow lighting drift (clouds, dusk) shifts every cell alike: compare against the background
    // shifted by the mean difference so drift is not motion.
    let drift = 0;
    for (let i = 0; i < g.length; i++) if (!mask[i]) drift += g[i]! - bg[i]!;
    drift /= this.unmasked;
    const thr = this.opts.threshold;
    let changedCount = 0;
    for (let i = 0; i < g.length; i++) {
      const d = g[i]! - bg[i]! - drift;
      const c = !mask[i] && (d > thr || d < -thr) ? 1 : 0;
      this.changed[i] = c;
      changedCount += c;
    }
    const changedFraction = changedCount / this.unmasked;

    if (changedFraction > this.opts.sceneChangeFraction) {
      // The camera moved or the lights changed: start over from this frame, and let the whole
      // frame be looked at once.
      bg.set(g);
      this.sceneChanges++;
      this.framesWithMotion++;
      return { boxes: [[0, 0, this.opts.width, this.opts.height]], changedFraction, sceneChange: true, grey };
    }

    const a = this.opts.backgroundAlpha;
    const aMoving = a / 4; // a person standing still is absorbed slowly, not in a few frames
    for (let i = 0; i < g.length; i++) {
      const k = this.changed[i] ? aMoving : a;
      bg[i] = bg[i]! + k * (g[i]! - bg[i]!);
    }

    const boxes = changedCount === 0 ? [] : this.blobs();
    if (boxes.length > 0) this.framesWithMotion++;
    return { boxes, changedFraction, sceneChange: false, grey };
  }

  /**
   * Takes the latest frame into the background inside `boxes` (detect-frame pixels) at once: the
   * detector looked there and found nothing, so the change is a ghost (someone who stood in the
   * first frame and walked off, a light switched on), not something to look at again and again.
   */
  absorb(boxes: readonly Box[]): void {
    const bg = this.bg;
    const g = this.last;
    if (!bg || !g) return;
    const f = this.factor;
    for (const b of boxes) {
      const x0 = Math.max(0, Math.floor(b[0] / f));
      const y0 = Math.max(0, Math.floor(b[1] / f));
      const x1 = Math.min(this.w, Math.ceil(b[2] / f));
      const y1 = Math.min(this.h, Math.ceil(b[3] / f));
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) bg[y * this.w + x] = g[y * this.w + x]!;
    }
  }

  private blobs(): Box[] {
    return blobBoxes(this.changed, this.w, this.h, this.minCells, this.factor, this.opts.width, this.opts.height, {
      dilated: this.dilated,
      labels: this.labels,
      stack: this.stack,
    });
  }

  stats(): { frames: number; framesWithMotion: number; sceneChanges: number; gridWidth: number; gridHeight: number } {
    return { frames: this.frames, framesWithMotion: this.framesWithMotion, sceneChanges: this.sceneChanges, gridWidth: this.w, gridHeight: this.h };
  }
}

/**
 * Boxes of the connected blobs of set cells (after a 3x3 dilation that joins a person's parts),
 * keeping blobs with at least `minCells` set cells, scaled by `factor` into frame pixels.
 */
export function blobBoxes(
  bits: Uint8Array,
  w: number,
  h: number,
  minCells: number,
  factor: number,
  frameW: number,
  frameH: number,
  scratch?: { dilated: Uint8Array; labels: Int32Array; stack: Int32Array },
): Box[] {
  const n = w * h;
  const dilated = scratch?.dilated ?? new Uint8Array(n);
  const labels = scratch?.labels ?? new Int32Array(n);
  const stack = scratch?.stack ?? new Int32Array(n);
  dilated.fill(0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!bits[y * w + x]) continue;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
        const row = yy * w;
        for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) dilated[row + xx] = 1;
      }
    }
  }
  labels.fill(0);
  const boxes: Box[] = [];
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (!dilated[start] || labels[start]) continue;
    next++;
    let sp = 0;
    stack[sp++] = start;
    labels[start] = next;
    let x1 = w,
      y1 = h,
      x2 = 0,
      y2 = 0,
      hot = 0;
    while (sp > 0) {
      const i = stack[--sp]!;
      const x = i % w;
      const y = (i - x) / w;
      hot += bits[i]!;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      if (x > 0 && dilated[i - 1] && !labels[i - 1]) {
        labels[i - 1] = next;
        stack[sp++] = i - 1;
      }
      if (x < w - 1 && dilated[i + 1] && !labels[i + 1]) {
        labels[i + 1] = next;
        stack[sp++] = i + 1;
      }
      if (y > 0 && dilated[i - w] && !labels[i - w]) {
        labels[i - w] = next;
        stack[sp++] = i - w;
      }
      if (y < h - 1 && dilated[i + w] && !labels[i + w]) {
        labels[i + w] = next;
        stack[sp++] = i + w;
      }
    }
    if (hot < minCells) continue; // noise speckle
    boxes.push([x1 * factor, y1 * factor, Math.min(frameW, (x2 + 1) * factor), Math.min(frameH, (y2 + 1) * factor)]);
  }
  return boxes;
}
