/**
 * The regions stage: decides whether the detector looks at a frame at all, and where. Pure.
 *
 * Whether (the cost side: inference only where something new moves):
 * - motion not explained by a moving tracked object (confirmed or candidate) is checked at once:
 *   something new may be there. Motion a moving object explains is that object's own;
 * - motion the detector saw a moment ago, or found empty lately, waits (look-memory.ts);
 * - candidates (fewer hits than confirmation needs, or missed at their last check) every
 *   `candidateRecheckFrames` frames, so they confirm or vanish without a call on every frame;
 *   a weak object that had its hits and stays unconfirmed goes at the moving rate;
 * - moving objects every `movingRecheckFrames` frames (the tracker predicts them in
 *   between, and motion around them is theirs);
 * - stationary objects every `stationaryRecheckFrames` frames, or at once when new unexplained
 *   motion touches them, so a person who stops is not lost and a parked motorbike is not re-detected;
 * - a whole-frame refresh when the caller asks (first frame, every few seconds): objects that
 *   never moved since the camera started are found too.
 * A quiet camera (noise, lighting drift, no objects) needs no call at all.
 *
 * Where: the boxes that need a look are merged into square crops the model sees at (or above) its
 * own resolution, so a small model still finds small, far objects. Every image costs the same
 * (the model input is fixed), so when more than `maxRegions` crops would be needed, or their
 * area is large, one whole-frame letterboxed image is cheaper and checks every object at once
 * (which also puts all tracks back in phase).
 */
import type { Box } from './types.ts';
import { area, expand, intersection, squareAround, union } from './geometry.ts';

export interface RegionTrack {
  box: Box;
  confirmed: boolean;
  stationary: boolean;
  /** Frames of this camera processed since the object was last looked at by the detector. */
  sinceCheck: number;
  /** Checks in a row that did not find the object again. */
  missed?: number;
  /** Still earning its confirmation (fewer hits than needed) or just missed: re-checked as a candidate. */
  settling?: boolean;
  /** Found lately but scoring under the confirmation level: worth a zoomed look when it is small. */
  doubtful?: boolean;
}

export interface RegionOptions {
  inputSize: number;
  minSideFraction: number;
  movingRecheckFrames: number;
  stationaryRecheckFrames: number;
  candidateRecheckFrames: number;
  maxRegions: number;
  wholeFrameAt: number;
  /** Add a zoomed crop of small doubtful objects to whole-frame checks (see zoomCrop). */
  zoomDoubtful?: boolean;
}

export interface RegionInput {
  width: number;
  height: number;
  motion: readonly Box[];
  tracks: readonly RegionTrack[];
  /** Look at the whole frame whatever the motion (first frame, periodic refresh). */
  refresh?: boolean;
  /** Regions the detector saw within the last few frames: new motion inside them waits (look-memory.ts). */
  recentLooks?: readonly Box[];
  /** Motion zones the detector found empty lately: motion staying inside them waits. */
  emptyZones?: readonly Box[];
}

export type RegionKind = 'whole' | 'crop';

export interface Region {
  /** A square in detect-frame pixels; may reach past the frame's edges (padded when cropped). */
  box: Box;
  kind: RegionKind;
}

/** Why a frame needs the detector (for stats): the first reason found. */
export type CheckReason = 'refresh' | 'motion' | 'candidate' | 'moving' | 'stationary';

export interface RegionPlan {
  regions: Region[];
  reason: CheckReason | null;
}

/** The whole frame as one letterboxed square. */
export function wholeFrame(width: number, height: number): Region {
  const side = Math.max(width, height);
  return { box: squareAround([0, 0, width, height], side, width, height), kind: 'whole' };
}

function side(b: Box): number {
  return Math.max(b[2] - b[0], b[3] - b[1]);
}

/** Margin around a predicted box within which motion is the object's own. */
const EXPLAIN_MARGIN = 0.5;
/** Share of a motion box that moving objects must cover for it to be theirs. */
const EXPLAINED = 0.7;
const GRID = 6;

/** Fraction of `m` covered by the union of `boxes`, sampled on a GRID x GRID lattice. */
export function coveredBy(m: Box, boxes: readonly Box[]): number {
  if (boxes.length === 0) return 0;
  let inside = 0;
  for (let j = 0; j < GRID; j++) {
    const y = m[1] + ((j + 0.5) * (m[3] - m[1])) / GRID;
    for (let i = 0; i < GRID; i++) {
      const x = m[0] + ((i + 0.5) * (m[2] - m[0])) / GRID;
      if (boxes.some((b) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])) inside++;
    }
  }
  return inside / (GRID * GRID);
}

export function planRegions(input: RegionInput, opts: RegionOptions): Region[] {
  return planChecks(input, opts).regions;
}

/** The frame's checks: where to look and why (no regions: no detector call for this frame). */
export function planChecks(input: RegionInput, opts: RegionOptions): RegionPlan {
  const { width, height, motion, tracks } = input;
  if (input.refresh) return { regions: [wholeFrame(width, height)], reason: 'refresh' };

  // Motion moving objects explain (a crowd's blob is explained by the union of its people). A weak
  // object (unconfirmed, scoring under the confirm level, done settling) explains nothing and gets
  // no look of its own: motion around it is looked at as new (a real person who moves makes
  // motion), a still one only rides along with other checks until it ages out.
  const isWeak = (t: RegionTrack): boolean => !t.confirmed && !t.stationary && t.settling === false;
  const movers = tracks.filter((t) => !t.stationary && !isWeak(t)).map((t) => expand(t.box, EXPLAIN_MARGIN));
  const unexplained = motion.filter((m) => coveredBy(m, movers) < EXPLAINED && coveredBy(m, input.emptyZones ?? []) < EXPLAINED);
  // Unexplained motion inside a region seen a moment ago waits for the next check, but its box
  // still joins any check this frame makes (and touches stationary objects).
  const fresh = unexplained.filter((m) => coveredBy(m, input.recentLooks ?? []) < EXPLAINED);
  const need: Box[] = [...unexplained];
  let reason: CheckReason | null = fresh.length > 0 ? 'motion' : null;
  const soon: Box[] = [];
  for (const t of tracks) {
    // Predicted past the frame's edge: it left; the tracker ages it out, no look can find it.
    const [cx, cy] = [(t.box[0] + t.box[2]) / 2, (t.box[1] + t.box[3]) / 2];
    if (cx < 0 || cy < 0 || cx > width || cy > height) continue;
    let due: CheckReason | null = null;
    let every: number;
    const settling = t.settling ?? (!t.confirmed || (t.missed ?? 0) > 0);
    if (settling) {
      every = opts.candidateRecheckFrames;
      due = t.sinceCheck >= every ? 'candidate' : null;
    } else if (isWeak(t)) {
      every = opts.movingRecheckFrames;
    } else if (t.stationary) {
      every = opts.stationaryRecheckFrames;
      const touched = fresh.some((m) => intersection(m, t.box) > 0);
      due = touched || t.sinceCheck >= every ? 'stationary' : null;
    } else {
      every = opts.movingRecheckFrames;
      due = t.sinceCheck >= every ? 'moving' : null;
    }
    if (due) {
      need.push(t.box);
      reason ??= due;
    } else if (2 * t.sinceCheck >= every) soon.push(t.box);
  }
  // Objects half-way to their own check ride along, so the camera's objects fall into step and
  // one look serves them all instead of one look each at its own phase.
  if (reason !== null) need.push(...soon);
  if (need.length === 0 || reason === null) return { regions: [], reason: null };

  let needArea = 0;
  for (const b of need) needArea += area(b);
  const whole = (): RegionPlan => ({ regions: [wholeFrame(width, height), ...zoomCrop(input, opts)], reason });
  if (needArea / (width * height) >= opts.wholeFrameAt) return whole();

  const minSide = Math.min(opts.inputSize * opts.minSideFraction, Math.min(width, height));
  // Greedy merging: two groups share a crop while the crop stays within the model's own size
  // (no downscaling for the merge's sake), or when one crop is cheaper than the two.
  let groups = need.map((b) => expand(b, 0.15));
  let merged = true;
  while (merged && groups.length > 1) {
    merged = false;
    outer: for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const u = union(groups[i]!, groups[j]!);
        const s = Math.max(side(u), minSide);
        const separate = Math.max(side(groups[i]!), minSide) ** 2 + Math.max(side(groups[j]!), minSide) ** 2;
        if (s <= opts.inputSize || s * s <= separate) {
          groups[i] = u;
          groups.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  if (groups.length > opts.maxRegions) return whole();
  groups = groups.map((g) => squareAround(g, Math.max(side(g), minSide), width, height));
  // A crop as large as the frame's long side is the whole frame.
  if (groups.some((g) => side(g) >= Math.max(width, height))) return whole();
  return { regions: groups.map((box) => ({ box, kind: 'crop' as const })), reason };
}

/** Objects under this many model pixels tall in a whole-frame look are small enough to zoom on. */
const ZOOM_BELOW_MODEL_PX = 40;

/**
 * The zoomed look that goes with a whole-frame check (opt-in, `regions.zoomDoubtful`): one crop at
 * the smallest crop size around the small doubtful objects (found, but under the confirmation
 * score so far), so the model sees them at two or more times the whole frame's scale. A far
 * person the letterboxed frame shrinks to a few pixels scores around the confirmation level there
 * and may never confirm; closer, it does. Each object only for its first few looks (then the
 * tracker stops calling it doubtful). On the benchmark's scene mix it found the one far person
 * the gated modes missed (person-track recall 0.967 -> 0.992 over 8 cameras, simulated) for 20%
 * more images, which is why it is off by default: a site with a far approach turns it on.
 */
export function zoomCrop(input: RegionInput, opts: RegionOptions): Region[] {
  if (!opts.zoomDoubtful) return [];
  const { width, height } = input;
  const scale = opts.inputSize / Math.max(width, height);
  const minSide = Math.min(opts.inputSize * opts.minSideFraction, Math.min(width, height));
  const small = input.tracks.filter((t) => {
    const [cx, cy] = [(t.box[0] + t.box[2]) / 2, (t.box[1] + t.box[3]) / 2];
    return t.doubtful === true && cx >= 0 && cy >= 0 && cx <= width && cy <= height && (t.box[3] - t.box[1]) * scale < ZOOM_BELOW_MODEL_PX;
  });
  if (small.length === 0) return [];
  let group = expand(small[0]!.box, 0.15);
  for (const t of small.slice(1)) {
    const u = union(group, expand(t.box, 0.15));
    if (side(u) <= minSide) group = u;
  }
  return [{ box: squareAround(group, Math.max(side(group), minSide), width, height), kind: 'crop' }];
}
