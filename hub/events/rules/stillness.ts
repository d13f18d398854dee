/**
 * Whether a tracked object has stood still, and whether it has moved at all since its track
 * began: the ignore-stationary gate and the parked rule's settling. Pure: boxes and times in.
 */
import type { Box, TrackedObject, TrackUpdate } from '../../pipeline/index.ts';
import { centre, distance, type Pt } from './geometry.ts';

/**
 * An object has moved once it has gone more than this fraction of its own size from where it was
 * first seen, the size being the larger of its first and current box: a walking person passes
 * half their width in ~0.5 s.
 */
const MOVED_FRACTION = 0.5;
/**
 * An object that grew or shrank by this factor in both width and height came closer or went
 * away: a move, though its edges spread apart instead of shifting together.
 */
const MOVED_SCALE = 1.5;
/** A box edge this close to the frame's border is where the picture ends, not where the object does. */
const BORDER_PX = 2;

/** Pixels of one axis that both edges of the box shifted by, the same way (edges on the border do not count). */
function sharedShift(a0: number, a1: number, b0: number, b1: number, size: number): number {
  const low = a0 > BORDER_PX && b0 > BORDER_PX ? b0 - a0 : undefined;
  const high = a1 < size - BORDER_PX && b1 < size - BORDER_PX ? b1 - a1 : undefined;
  if (low === undefined) return Math.abs(high ?? 0);
  if (high === undefined) return Math.abs(low);
  return Math.sign(low) === Math.sign(high) ? Math.min(Math.abs(low), Math.abs(high)) : 0;
}

/** Whether one axis of the box changed scale by MOVED_SCALE, when neither box is cut by the border there. */
function scaled(a0: number, a1: number, b0: number, b1: number, size: number): boolean {
  const cut = (lo: number, hi: number): boolean => lo <= BORDER_PX || hi >= size - BORDER_PX;
  if (cut(a0, a1) || cut(b0, b1)) return false;
  const r = (b1 - b0) / Math.max(1e-9, a1 - a0);
  return r >= MOVED_SCALE || r <= 1 / MOVED_SCALE;
}

/**
 * Whether box `b` stands away from box `a` (detect-frame pixels, frame `w` x `h`): both edges of an
 * axis shifted the same way by more than MOVED_FRACTION of the object's size, or the box scaled in
 * both dimensions. A box that changed only one edge is the detector framing the same object
 * differently, not a move: on vtest it boxes half of the parked van, then all of it, and the car
 * at the frame's right edge as [602,35,616,59], then [611,33,640,60] (its centre 17 px off, over
 * half its 29 px width; the left edges agree on 9 px, the right one is the border).
 */
export function movedFrom(a: Box, b: Box, w: number, h: number): boolean {
  const bw = Math.max(a[2] - a[0], b[2] - b[0]);
  const bh = Math.max(a[3] - a[1], b[3] - b[1]);
  if (sharedShift(a[0], a[2], b[0], b[2], w) > MOVED_FRACTION * bw) return true;
  if (sharedShift(a[1], a[3], b[1], b[3], h) > MOVED_FRACTION * bh) return true;
  return scaled(a[0], a[2], b[0], b[2], w) && scaled(a[1], a[3], b[1], b[3], h);
}

/** Remembers where each track's centre settled, to tell how long it has been still. */
export class StillnessMemory {
  private readonly tracks = new Map<string, { ref: Pt; since: number; first?: Box; moved: boolean }>();

  constructor(private readonly tolerance: number) {}

  /** Seconds the object has stayed within the tolerance of where it settled. */
  update(o: TrackedObject, u: TrackUpdate): number {
    const c = centre(o.box, u.frameWidth, u.frameHeight);
    // Movement is judged on the detector's boxes only. Between looks the tracker moves a box on
    // by a velocity smoothed from the last detections, and a still car whose box changed shape
    // (half of it, then all) gets one: on vtest the parked car's predicted box drifted 7 px a
    // second past every detection of it, which took a young track of it for a mover.
    const detected = o.lastSeenAt === u.frameAt;
    const s = this.tracks.get(o.trackId);
    if (!s) {
      this.tracks.set(o.trackId, { ref: c, since: u.frameAt, first: detected ? o.box : undefined, moved: false });
      return 0;
    }
    if (detected) {
      s.first ??= o.box;
      // Where it is now, not where it has ever been: a passer-by who carries a parked car's box
      // off for a moment (the tracker does that on vtest) does not make the car a mover.
      s.moved = movedFrom(s.first, o.box, u.frameWidth, u.frameHeight);
    }
    if (distance(s.ref, c) > this.tolerance) {
      s.ref = c;
      s.since = u.frameAt;
      return 0;
    }
    return (u.frameAt - s.since) / 1000;
  }

  /**
   * Whether the track was last detected away from where it was first detected. A parked car whose
   * track is lost and found again (headlights, a passer-by, a hub restart) starts a new track that
   * has not moved: without this it would count as a newcomer and raise an event every time.
   */
  moved(trackId: string): boolean {
    return this.tracks.get(trackId)?.moved ?? false;
  }

  forget(trackId: string): void {
    this.tracks.delete(trackId);
  }
}
