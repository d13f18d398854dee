/**
 * Where vehicles stand, remembered by place rather than by track. On real footage the tracker
 * loses a parked vehicle and finds it again under a new id, or flips its label between car and
 * truck (vtest's van: eight tracks in a minute); keyed by track, a parked rule would restart its
 * clock and raise a new event for each. Pure: time comes from the frames.
 */
import type { Box } from '../../pipeline/index.ts';
import { distance, type Pt } from './geometry.ts';

export interface Place {
  /** Stable for as long as a vehicle is seen there: the subject of its parked event. */
  id: string;
  ref: Pt;
  /** When a vehicle was first seen standing here. */
  since: number;
  /** When one was last seen here. */
  last: number;
  trackId: string;
  label: string;
  score: number;
  box: Box;
  /** The box the place was founded with. */
  home: Box;
}

/** Intersection over the smaller box: 1 when one box lies inside the other. */
export function overlapOfSmaller(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const area = (x: Box): number => (x[2] - x[0]) * (x[3] - x[1]);
  return (w * h) / Math.max(1e-9, Math.min(area(a), area(b)));
}

/**
 * A box mostly inside a place's box is the same vehicle: the detector sometimes boxes half of the
 * van (a second, simultaneous track whose centre is 0.03 of the width off).
 */
const SAME_PLACE_OVERLAP = 0.6;

export class PlaceMemory {
  private readonly places: Place[] = [];

  /**
   * @param tolerance largest centre drift (normalised) that is still the same place
   * @param forgetMs a place where nothing has been seen for this long is forgotten
   */
  constructor(
    private readonly tolerance: number,
    private readonly forgetMs: number,
  ) {}

  /**
   * A sighting at centre `c`. With `foundSince` (the vehicle settled there then) it may found a new
   * place; without, it only keeps an existing place alive. Returns the place, if any.
   */
  see(c: Pt, at: number, o: { trackId: string; label: string; score: number; box: Box }, foundSince?: number): Place | undefined {
    let best: Place | undefined;
    let bestD = this.tolerance;
    for (const p of this.places) {
      const d = distance(p.ref, c);
      if (d <= bestD) {
        best = p;
        bestD = d;
      }
    }
    best ??= this.places.find((p) => overlapOfSmaller(p.home, o.box) >= SAME_PLACE_OVERLAP);
    if (best) {
      Object.assign(best, { last: at, trackId: o.trackId, label: o.label, score: o.score, box: o.box });
      return best;
    }
    if (foundSince === undefined) return undefined;
    const p: Place = { id: `place:${o.trackId}`, ref: c, since: foundSince, last: at, ...o, home: o.box };
    this.places.push(p);
    return p;
  }

  /** Places seen within `withinMs` of `at`. */
  live(at: number, withinMs: number): Place[] {
    return this.places.filter((p) => at - p.last <= withinMs);
  }

  /** Forgets places unseen for forgetMs; returns their ids. */
  sweep(at: number): string[] {
    const gone: string[] = [];
    for (let i = this.places.length - 1; i >= 0; i--) {
      if (at - this.places[i]!.last > this.forgetMs) gone.push(...this.places.splice(i, 1).map((p) => p.id));
    }
    return gone;
  }
}
