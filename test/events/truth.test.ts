/** The e2e test's background-subtraction truth, on plain points: it must see every crossing. */
import { describe, expect, it } from 'vitest';
import { TruthTracker } from '../../bench/lib-vtest-truth.ts';
import type { Pt } from '../../hub/events/rules/geometry.ts';

/** The e2e test's line: x 0.75 of the frame, from y 0.35 to 0.8 (pixel 480 of 640). */
const A: Pt = [0.75, 0.35];
const B: Pt = [0.75, 0.8];

function truthWith(...walks: Array<Array<[number, Pt]>>): TruthTracker {
  const truth = new TruthTracker(new Uint8Array(0));
  for (const w of walks) truth.tracks.push({ points: w.map(([at, p]) => ({ at, p })) });
  return truth;
}

describe('background-subtraction truth', () => {
  it('counts a walker whose feet land exactly on the line as crossing it, dated when they leave it', () => {
    // vtest, track of a walker going right at y 0.54 (feet at x 480 px on one frame): the
    // pairwise check saw (0.738 → 0.750) and (0.750 → 0.772), neither strictly across.
    const right: Array<[number, Pt]> = [
      [0, [0.691, 0.522]],
      [200, [0.722, 0.533]],
      [400, [0.738, 0.544]],
      [600, [0.75, 0.544]],
      [800, [0.772, 0.544]],
      [1000, [0.787, 0.544]],
    ];
    const left: Array<[number, Pt]> = [
      [0, [0.838, 0.522]],
      [200, [0.8, 0.544]],
      [400, [0.766, 0.5]],
      [600, [0.75, 0.5]],
      [800, [0.75, 0.5]],
      [1000, [0.719, 0.489]],
    ];
    expect(truthWith(right).crossings(A, B)).toEqual([{ at: 800, direction: 'b-a' }]);
    expect(truthWith(left).crossings(A, B)).toEqual([{ at: 1000, direction: 'a-b' }]);
  });
  it('does not count feet that touch the line and go back', () => {
    const touch: Array<[number, Pt]> = [
      [0, [0.7, 0.5]],
      [200, [0.72, 0.5]],
      [400, [0.75, 0.5]],
      [600, [0.73, 0.5]],
      [800, [0.7, 0.5]],
    ];
    expect(truthWith(touch).crossings(A, B)).toEqual([]);
  });
  it('still needs the crossing within the ends of the segment', () => {
    const above: Array<[number, Pt]> = [
      [0, [0.7, 0.3]],
      [200, [0.72, 0.3]],
      [400, [0.75, 0.3]],
      [600, [0.78, 0.3]],
      [800, [0.8, 0.3]],
    ];
    expect(truthWith(above).crossings(A, B)).toEqual([]);
  });
  it('counts people in a zone before a time only', () => {
    const grass: Pt[] = [
      [0.05, 0.7],
      [0.35, 0.7],
      [0.35, 0.8],
      [0.05, 0.8],
    ];
    const later: Array<[number, Pt]> = [
      [60_000, [0.4, 0.9]],
      [60_200, [0.3, 0.78]],
      [60_400, [0.25, 0.76]],
      [60_600, [0.2, 0.74]],
      [60_800, [0.15, 0.72]],
    ];
    expect(truthWith(later).inZoneCount(grass)).toBe(1);
    expect(truthWith(later).inZoneCount(grass, 35_000)).toBe(0);
  });
});
