/**
 * Ground truth for end-to-end events tests, independent of the detector: people found by
 * background subtraction against vtest's per-pixel median (the pipeline bench's stand-in truth),
 * linked frame to frame by nearest feet position.
 */
import type { Frame } from '../hub/lib/frame.ts';
import { lumaPlane } from '../hub/lib/frame.ts';
import { foregroundBoxes } from './lib-pipeline-oracle.ts';
import { anchor, crossing, pointInPolygon, side, type Pt } from '../hub/events/rules/geometry.ts';

interface Track {
  points: Array<{ at: number; p: Pt }>;
}

export class TruthTracker {
  readonly tracks: Track[] = [];
  private live: Track[] = [];

  constructor(private readonly background: Uint8Array) {}

  push(f: Frame): void {
    const boxes = foregroundBoxes(lumaPlane(f), this.background, f.width, f.height);
    const anchors = boxes.map((b) => anchor(b, f.width, f.height));
    this.live = this.live.filter((t) => f.capturedAt - t.points.at(-1)!.at < 800);
    const taken = new Set<Track>();
    for (const p of anchors) {
      let best: Track | undefined;
      let bestD = 0.06;
      for (const t of this.live) {
        if (taken.has(t)) continue;
        const q = t.points.at(-1)!.p;
        const d = Math.hypot(p[0] - q[0], p[1] - q[1]);
        if (d < bestD) {
          best = t;
          bestD = d;
        }
      }
      if (best) {
        best.points.push({ at: f.capturedAt, p });
        taken.add(best);
      } else {
        const t = { points: [{ at: f.capturedAt, p }] };
        this.tracks.push(t);
        this.live.push(t);
        taken.add(t);
      }
    }
  }

  /** Times a person's feet went from outside the zone to inside (or first appeared inside). */
  entries(zone: readonly Pt[]): number[] {
    const out: number[] = [];
    for (const t of this.tracks) {
      if (t.points.length < 5) continue;
      t.points.forEach((pt, i) => {
        const inside = pointInPolygon(pt.p, zone);
        const before = i > 0 && pointInPolygon(t.points[i - 1]!.p, zone);
        if (inside && !before) out.push(pt.at);
      });
    }
    return out.sort((a, b) => a - b);
  }

  /** Anchor at any time of any track: is someone inside the zone then (±window ms)? */
  anyInside(zone: readonly Pt[], at: number, windowMs: number): boolean {
    return this.tracks.some((t) => t.points.some((pt) => Math.abs(pt.at - at) <= windowMs && pointInPolygon(pt.p, zone)));
  }

  /**
   * Each time a track's feet went from one side of the segment A→B to the other. A point exactly
   * on the line is stepped over, the crossing judged from the last point off it: anchors are whole
   * or half pixels, and a line at x 0.75 of 640 px is pixel 480, where a walker's feet often land
   * (compared pair by pair, such a walker crossed nothing: 4 of 13 crossings were lost on vtest).
   */
  crossings(a: Pt, b: Pt): Array<{ at: number; direction: 'a-b' | 'b-a' }> {
    const out: Array<{ at: number; direction: 'a-b' | 'b-a' }> = [];
    for (const t of this.tracks) {
      if (t.points.length < 5) continue;
      let from = t.points[0]!.p;
      for (const pt of t.points.slice(1)) {
        if (side(a, b, pt.p) === 0) continue;
        const dir = crossing(a, b, from, pt.p);
        if (dir) out.push({ at: pt.at, direction: dir });
        from = pt.p;
      }
    }
    return out.sort((x, y) => x.at - y.at);
  }

  /** People (tracks seen at least 5 times) who set foot in the zone before `until`. */
  inZoneCount(zone: readonly Pt[], until = Infinity): number {
    return this.tracks.filter((t) => t.points.length >= 5 && t.points.some((pt) => pt.at < until && pointInPolygon(pt.p, zone))).length;
  }

  /** Distinct people (tracks seen at least 5 times) with their feet in the zone within [from, to]. */
  peopleInside(zone: readonly Pt[], from: number, to: number): number {
    return this.tracks.filter((t) => t.points.length >= 5 && t.points.some((pt) => pt.at >= from && pt.at <= to && pointInPolygon(pt.p, zone))).length;
  }

  /** Whether someone's feet were within `dist` of `p` at `at` (± windowMs). */
  someoneNear(p: Pt, at: number, windowMs: number, dist: number): boolean {
    return this.tracks.some((t) => t.points.some((pt) => Math.abs(pt.at - at) <= windowMs && Math.hypot(pt.p[0] - p[0], pt.p[1] - p[1]) <= dist));
  }
}
