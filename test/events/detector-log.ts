/**
 * What the detector and tracker reported, frame by frame (pipeline.tracks), kept by an end-to-end
 * test to derive what crowd, loitering and parked rules should have raised from the pipeline's
 * own per-frame view, independently of the events code.
 */
import type { Box, TrackUpdate } from '../../hub/pipeline/types.ts';
import { anchor, centre, distance, pointInPolygon, type Pt } from '../../hub/events/rules/geometry.ts';

interface Seen {
  trackId: string;
  label: string;
  confirmed: boolean;
  medianScore: number;
  box: Box;
}
interface Row {
  at: number;
  w: number;
  h: number;
  objects: Seen[];
}

export class DetectorLog {
  readonly rows: Row[] = [];

  push(u: TrackUpdate): void {
    // Copied: the pipeline may reuse its objects.
    const objects = u.objects
      .filter((o) => o.leftAt === undefined)
      .map((o) => ({ trackId: o.trackId, label: o.label, confirmed: o.confirmed, medianScore: o.medianScore, box: [...o.box] as Box }));
    this.rows.push({ at: u.frameAt, w: u.frameWidth, h: u.frameHeight, objects });
  }

  /** Footage time the pipeline has reported on, first frame to last. */
  spanMs(): number {
    return this.rows.length ? this.rows.at(-1)!.at - this.rows[0]!.at : 0;
  }

  private inside(r: Row, o: Seen, zone: readonly Pt[], minScore: number, classes: readonly string[]): boolean {
    return o.confirmed && o.medianScore >= minScore && classes.includes(o.label) && pointInPolygon(anchor(o.box, r.w, r.h), zone);
  }

  /** Stretches of frames in which more than `n` objects stood in the zone, frame after frame. */
  crowdStretches(zone: readonly Pt[], n: number, minScore: number, until: number, classes = ['person']): Array<{ from: number; to: number }> {
    const out: Array<{ from: number; to: number }> = [];
    let cur: { from: number; to: number } | undefined;
    for (const r of this.rows) {
      if (r.at >= until) break;
      const count = r.objects.filter((o) => this.inside(r, o, zone, minScore, classes)).length;
      if (count > n) {
        if (cur) cur.to = r.at;
        else out.push((cur = { from: r.at, to: r.at }));
      } else cur = undefined;
    }
    return out;
  }

  /** The count in the zone on each frame within [from, to], with the frame's time. */
  counts(zone: readonly Pt[], minScore: number, from: number, to: number, classes = ['person']): Array<{ at: number; n: number }> {
    return this.rows
      .filter((r) => r.at >= from && r.at <= to)
      .map((r) => ({ at: r.at, n: r.objects.filter((o) => this.inside(r, o, zone, minScore, classes)).length }));
  }

  /** Each track's unbroken stays in the zone (every update of the track inside). */
  stays(zone: readonly Pt[], minScore: number, until: number, classes = ['person']): Array<{ trackId: string; from: number; to: number }> {
    const open = new Map<string, { trackId: string; from: number; to: number }>();
    const out: Array<{ trackId: string; from: number; to: number }> = [];
    for (const r of this.rows) {
      if (r.at >= until) break;
      const present = new Set<string>();
      for (const o of r.objects) {
        present.add(o.trackId);
        const s = open.get(o.trackId);
        if (this.inside(r, o, zone, minScore, classes)) {
          if (s) s.to = r.at;
          else {
            const n = { trackId: o.trackId, from: r.at, to: r.at };
            open.set(o.trackId, n);
            out.push(n);
          }
        } else open.delete(o.trackId);
      }
      for (const id of [...open.keys()]) if (!present.has(id)) open.delete(id);
    }
    return out;
  }

  /** The first frame in which an object of `classes` had its centre within `tol` of `c`. */
  firstSightingNear(c: Pt, tol: number, classes: readonly string[]): number | undefined {
    for (const r of this.rows) {
      if (r.objects.some((o) => classes.includes(o.label) && distance(centre(o.box, r.w, r.h), c) <= tol)) return r.at;
    }
    return undefined;
  }
}
