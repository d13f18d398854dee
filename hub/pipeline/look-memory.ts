/**
 * What the detector looked at lately on one camera, so motion it already explained is not sent
 * again on every frame. Pure, bounded.
 * - Recent looks: a region the detector saw less than `motionRecheckFrames` frames ago; new
 *   motion inside it waits for the next check (a person the model cannot see, a swaying flag,
 *   costs one look every few frames, not one per frame).
 * - Empty zones: motion the detector looked at and found no moving object in (a lighting ghost
 *   the background has not absorbed yet, a shadow, the outline of a still person); motion
 *   staying inside one is re-checked only after `emptyRecheckFrames`. Motion that leaves the
 *   zone is new again.
 */
import type { Box } from './types.ts';
import { expand, intersection } from './geometry.ts';

const MAX_ZONES = 32;

export interface LookMemoryOptions {
  motionRecheckFrames: number;
  emptyRecheckFrames: number;
}

export class LookMemory {
  private looks: Array<{ box: Box; frame: number }> = [];
  private empty: Array<{ box: Box; frame: number }> = [];

  constructor(private readonly opts: LookMemoryOptions) {}

  /**
   * Records a check at `frame`: the regions seen, the motion they covered, the moving objects found.
   * Returns the motion found empty (the camera lets its background absorb it).
   */
  note(frame: number, regions: readonly Box[], motion: readonly Box[], found: readonly Box[]): Box[] {
    const empty: Box[] = [];
    for (const r of regions) this.looks.push({ box: r, frame });
    for (const m of motion) {
      if (!regions.some((r) => intersection(m, r) > 0.8 * area(m))) continue;
      const grown = expand(m, 0.15);
      if (found.some((f) => intersection(f, grown) > 0)) continue;
      this.empty.push({ box: grown, frame });
      empty.push(m);
    }
    this.prune(frame);
    return empty;
  }

  /**
   * Lets empty zones follow their blob: motion overlapping a zone and not much bigger than it is
   * the same thing moving on (a shadow, a person the model cannot see), not something new. The
   * zone keeps the frame of its look, so it is looked at again after `emptyRecheckFrames`.
   */
  follow(frame: number, motion: readonly Box[]): void {
    for (const z of this.empty) {
      if (frame - z.frame >= this.opts.emptyRecheckFrames) continue;
      const za = area(z.box);
      const same = motion.find((m) => intersection(m, z.box) > 0.3 * Math.min(area(m), za) && area(m) <= 2 * za);
      if (same) z.box = expand(same, 0.15);
    }
  }

  /** Regions seen recently enough that new motion inside them can wait. */
  recentLooks(frame: number): Box[] {
    return this.looks.filter((l) => frame - l.frame < this.opts.motionRecheckFrames).map((l) => l.box);
  }

  /** Zones checked and found empty recently enough that motion staying inside them can wait. */
  emptyZones(frame: number): Box[] {
    return this.empty.filter((z) => frame - z.frame < this.opts.emptyRecheckFrames).map((z) => z.box);
  }

  private prune(frame: number): void {
    this.looks = this.looks.filter((l) => frame - l.frame < this.opts.motionRecheckFrames).slice(-MAX_ZONES);
    this.empty = this.empty.filter((z) => frame - z.frame < this.opts.emptyRecheckFrames).slice(-MAX_ZONES);
  }
}

function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}
