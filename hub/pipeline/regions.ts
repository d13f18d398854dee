/**
 * The regions stage: decides where the detector looks on a frame. Motion boxes and the tracked
 * objects that are due a check are merged into square crops the model sees at (or above) its own
 * resolution, so a small model still finds small, far objects; when motion is large or crops
 * would be many, one whole-frame letterboxed image is cheaper. Pure.
 *
 * What is due a check:
 * - motion not explained by a confirmed moving object (something new may be there);
 * - unconfirmed objects, every frame, until they are confirmed or dropped;
 * - confirmed moving objects every `movingRecheckFrames` frames (between checks the tracker
 *   predicts them, and motion around them is theirs);
 * - stationary objects every `stationaryRecheckFrames` frames, or at once when motion touches them,
 *   so a person who stops is not lost and a parked motorbike is not re-detected every frame.
 */
import type { Box } from './types.ts';
import { area, coverage, expand, intersection, squareAround, union } from './geometry.ts';

export interface RegionTrack {
  box: Box;
  confirmed: boolean;
  stationary: boolean;
  /** Frames of this camera processed since the object was last looked at by the detector. */
  sinceCheck: number;
}

export interface RegionOptions {
  inputSize: number;
  minSideFraction: number;
  movingRecheckFrames: number;
  stationaryRecheckFrames: number;
  maxRegions: number;
  wholeFrameAt: number;
}

export interface RegionInput {
  width: number;
  height: number;
  motion: readonly Box[];
  tracks: readonly RegionTrack[];
}

export type RegionKind = 'whole' | 'crop';

export interface Region {
  /** A square in detect-frame pixels; may reach past the frame's edges (padded when cropped). */
  box: Box;
  kind: RegionKind;
}

/** The whole frame as one letterboxed square. */
export function wholeFrame(width: number, height: number): Region {
  const side = Math.max(width, height);
  return { box: squareAround([0, 0, width, height], side, width, height), kind: 'whole' };
}

function side(b: Box): number {
  return Math.max(b[2] - b[0], b[3] - b[1]);
}

export function planRegions(input: RegionInput, opts: RegionOptions): Region[] {
  const { width, height, motion, tracks } = input;
  const frameArea = width * height;
  let motionArea = 0;
  for (const m of motion) motionArea += area(m);
  if (motionArea / frameArea >= opts.wholeFrameAt) return [wholeFrame(width, height)];

  const need: Box[] = [];
  for (const m of motion) {
    const explained = tracks.some(
      (t) => t.confirmed && !t.stationary && coverage(m, expand(t.box, 0.3)) > 0.8,
    );
    if (!explained) need.push(m);
  }
  for (const t of tracks) {
    const touched = motion.some((m) => intersection(m, t.box) > 0);
    const due = !t.confirmed
      || (t.stationary
        ? touched || t.sinceCheck >= opts.stationaryRecheckFrames
        : t.sinceCheck >= opts.movingRecheckFrames);
    if (due) need.push(t.box);
  }
  if (need.length === 0) return [];

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
  if (groups.length > opts.maxRegions) return [wholeFrame(width, height)];
  groups = groups.map((g) => squareAround(g, Math.max(side(g), minSide), width, height));
  // A crop as large as the frame's long side is the whole frame.
  if (groups.some((g) => side(g) >= Math.max(width, height))) return [wholeFrame(width, height)];
  return groups.map((box) => ({ box, kind: 'crop' }));
}
