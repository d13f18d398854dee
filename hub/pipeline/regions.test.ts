import { describe, expect, it } from 'vitest';
import { planChecks, planRegions, zoomCrop, type RegionOptions, type RegionTrack } from './regions.ts';

const opts: RegionOptions = {
  inputSize: 416,
  minSideFraction: 0.5,
  movingRecheckFrames: 3,
  stationaryRecheckFrames: 10,
  candidateRecheckFrames: 2,
  maxRegions: 2,
  wholeFrameAt: 0.3,
};
const W = 640;
const H = 360;
const track = (t: Partial<RegionTrack>): RegionTrack => ({ box: [100, 100, 140, 200], confirmed: true, stationary: false, sinceCheck: 1, ...t });

describe('regions', () => {
  it('no motion and no tracks: nothing to detect', () => {
    expect(planRegions({ width: W, height: H, motion: [], tracks: [] }, opts)).toEqual([]);
  });
  it('a small motion box becomes one square crop, at least half the model size, containing it', () => {
    const r = planRegions({ width: W, height: H, motion: [[300, 100, 330, 170]], tracks: [] }, opts);
    expect(r).toHaveLength(1);
    const [x1, y1, x2, y2] = r[0]!.box;
    expect(x2 - x1).toBeCloseTo(y2 - y1);
    expect(x2 - x1).toBeGreaterThanOrEqual(208);
    expect(x1 <= 300 && y1 <= 100 && x2 >= 330 && y2 >= 170).toBe(true);
  });
  it('two nearby motion boxes share one crop', () => {
    const r = planRegions(
      {
        width: W,
        height: H,
        motion: [
          [100, 100, 130, 170],
          [200, 120, 230, 190],
        ],
        tracks: [],
      },
      opts,
    );
    expect(r).toHaveLength(1);
  });
  it('large motion is detected on the whole letterboxed frame', () => {
    const r = planRegions({ width: W, height: H, motion: [[0, 0, 400, 300]], tracks: [] }, opts);
    expect(r).toEqual([{ box: [0, -140, 640, 500], kind: 'whole' }]);
  });
  it('too many separate crops become one whole frame', () => {
    // On a 1280x720 detect frame the four corners are too far apart to share crops.
    const motion: Array<[number, number, number, number]> = [
      [0, 0, 20, 40],
      [1200, 0, 1220, 40],
      [0, 660, 20, 700],
      [1200, 660, 1220, 700],
    ];
    const r = planRegions({ width: 1280, height: 720, motion, tracks: [] }, opts);
    expect(r.map((x) => x.kind)).toEqual(['whole']);
  });
  it('a stationary object untouched by motion is re-checked only every few frames', () => {
    const still = track({ stationary: true, sinceCheck: 3 });
    expect(planRegions({ width: W, height: H, motion: [], tracks: [still] }, opts)).toEqual([]);
    expect(planRegions({ width: W, height: H, motion: [], tracks: [{ ...still, sinceCheck: 10 }] }, opts)).toHaveLength(1);
  });
  it('motion touching a stationary object re-checks it at once', () => {
    const still = track({ stationary: true, sinceCheck: 1 });
    expect(planRegions({ width: W, height: H, motion: [[120, 150, 150, 210]], tracks: [still] }, opts)).toHaveLength(1);
  });
  it('a person who stopped moving (no motion) is still re-checked in their own region', () => {
    const r = planRegions({ width: W, height: H, motion: [], tracks: [track({ sinceCheck: 3 })] }, opts);
    expect(r).toHaveLength(1);
    expect(r[0]!.box[0]).toBeLessThanOrEqual(100);
  });
  it('motion explained by a confirmed moving object waits for its re-check', () => {
    const motion: Array<[number, number, number, number]> = [[105, 110, 145, 205]];
    expect(planRegions({ width: W, height: H, motion, tracks: [track({ sinceCheck: 1 })] }, opts)).toEqual([]);
    expect(planRegions({ width: W, height: H, motion, tracks: [track({ sinceCheck: 3 })] }, opts)).toHaveLength(1);
  });
  it('a candidate explained by its own motion blob is re-checked every candidateRecheckFrames, not every frame', () => {
    const motion: Array<[number, number, number, number]> = [[105, 110, 145, 205]];
    const candidate = track({ confirmed: false, sinceCheck: 1 });
    expect(planRegions({ width: W, height: H, motion, tracks: [candidate] }, opts)).toEqual([]);
    expect(planRegions({ width: W, height: H, motion, tracks: [{ ...candidate, sinceCheck: 2 }] }, opts)).toHaveLength(1);
  });
  it('a crowd blob covered by several moving objects together is theirs', () => {
    const motion: Array<[number, number, number, number]> = [[100, 100, 280, 200]];
    const three = [track({ box: [100, 100, 160, 200] }), track({ box: [160, 100, 220, 200] }), track({ box: [220, 100, 280, 200] })];
    expect(planRegions({ width: W, height: H, motion, tracks: three }, opts)).toEqual([]);
    expect(planRegions({ width: W, height: H, motion, tracks: three.slice(0, 1) }, opts)).toHaveLength(1);
  });
  it('a refresh looks at the whole frame even with nothing moving', () => {
    const plan = planChecks({ width: W, height: H, motion: [], tracks: [], refresh: true }, opts);
    expect(plan.regions.map((r) => r.kind)).toEqual(['whole']);
    expect(plan.reason).toBe('refresh');
  });
  it('a stationary object that was missed at its last check is re-checked as a candidate', () => {
    const still = track({ stationary: true, sinceCheck: 2, missed: 1 });
    expect(planRegions({ width: W, height: H, motion: [], tracks: [still] }, opts)).toHaveLength(1);
  });
  it('motion inside a region seen a moment ago waits; motion elsewhere is checked at once', () => {
    const motion: Array<[number, number, number, number]> = [[300, 100, 330, 170]];
    expect(planRegions({ width: W, height: H, motion, tracks: [], recentLooks: [[0, -140, 640, 500]] }, opts)).toEqual([]);
    expect(planRegions({ width: W, height: H, motion, tracks: [], recentLooks: [[0, 0, 208, 208]] }, opts)).toHaveLength(1);
  });
  it('motion staying inside a zone found empty lately waits', () => {
    const motion: Array<[number, number, number, number]> = [[300, 100, 330, 170]];
    expect(planRegions({ width: W, height: H, motion, tracks: [], emptyZones: [[290, 90, 340, 180]] }, opts)).toEqual([]);
  });
  it('objects half-way to their own check ride along with a check that is due', () => {
    const due = track({ box: [100, 100, 140, 200], sinceCheck: 3 });
    const halfway = track({ box: [500, 100, 540, 200], sinceCheck: 2 });
    const r = planRegions({ width: W, height: H, motion: [], tracks: [due, halfway] }, opts);
    expect(r.map((x) => x.kind)).toEqual(['crop', 'crop']);
    expect(r.some((x) => x.box[0] <= 500 && x.box[2] >= 540)).toBe(true);
  });
  it('an object predicted past the frame edge is not looked for', () => {
    expect(planRegions({ width: W, height: H, motion: [], tracks: [track({ box: [650, 100, 700, 200], sinceCheck: 9 })] }, opts)).toEqual([]);
  });
  it('a weak object (unconfirmed, done settling) gets no look of its own and explains no motion', () => {
    const weak = track({ confirmed: false, settling: false, sinceCheck: 8 });
    expect(planChecks({ width: W, height: H, motion: [], tracks: [weak] }, opts).reason).toBeNull();
    // Motion on it is new: a real person who moves is looked at.
    expect(planChecks({ width: W, height: H, motion: [[100, 110, 140, 190]], tracks: [weak] }, opts).reason).toBe('motion');
    // A confirmed mover on the same spot explains that motion.
    expect(planChecks({ width: W, height: H, motion: [[100, 110, 140, 190]], tracks: [track({ sinceCheck: 1 })] }, opts).reason).toBeNull();
  });

  describe('zoom on doubtful objects (regions.zoomDoubtful)', () => {
    // Motion all over the frame makes the check a whole-frame one; a far person sits at the top right.
    const spread: Array<[number, number, number, number]> = [
      [0, 0, 300, 300],
      [350, 150, 640, 360],
    ];
    const far = track({ box: [574, 68, 588, 100], confirmed: false, doubtful: true, sinceCheck: 1 });
    const zoomOn = { ...opts, zoomDoubtful: true };

    it('adds one crop around a small doubtful object to a whole-frame check, zooming in at least 2x', () => {
      const r = planRegions({ width: W, height: H, motion: spread, tracks: [far] }, zoomOn);
      expect(r.map((x) => x.kind)).toEqual(['whole', 'crop']);
      const [x1, y1, x2, y2] = r[1]!.box;
      expect(x1 <= 574 && y1 <= 68 && x2 >= 588 && y2 >= 100).toBe(true);
      // The whole frame shows 640 px at 416; the crop shows at most 320 px at 416.
      expect(x2 - x1).toBeLessThanOrEqual(320);
    });
    it('adds nothing when off (the default), for sure or big objects, or without a whole-frame check', () => {
      expect(planRegions({ width: W, height: H, motion: spread, tracks: [far] }, opts).map((x) => x.kind)).toEqual(['whole']);
      const big = { ...far, box: [500, 50, 600, 300] as [number, number, number, number] };
      expect(zoomCrop({ width: W, height: H, motion: spread, tracks: [big] }, zoomOn)).toEqual([]);
      expect(zoomCrop({ width: W, height: H, motion: spread, tracks: [{ ...far, doubtful: false }] }, zoomOn)).toEqual([]);
      const local = planRegions({ width: W, height: H, motion: [[560, 60, 600, 104]], tracks: [far] }, zoomOn);
      expect(local.map((x) => x.kind)).toEqual(['crop']);
    });
  });
});
