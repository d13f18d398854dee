import { describe, expect, it } from 'vitest';
import { decodeNanodet, distributionMean } from './nanodet-decoder.ts';

/** Logits that put (almost) all probability on bin `k` of `bins`. */
function peaked(bins: number, k: number): number[] {
  return Array.from({ length: bins }, (_, i) => (i === k ? 30 : 0));
}

describe('distributionMean', () => {
  it('is the expectation of the softmax over the bin indices', () => {
    expect(distributionMean(Float32Array.from([0, 0]), 0, 2)).toBeCloseTo(0.5);
    expect(distributionMean(Float32Array.from([9, 0, 0, 30, 0]), 1, 4)).toBeCloseTo(2, 5);
  });
});

describe('decodeNanodet', () => {
  // One level, stride 8 on a 16-pixel input: a 2x2 grid, 2 classes, regMax 3 (4 bins).
  const bins = 4;
  const cls = new Float32Array(4 * 2);
  const reg = new Float32Array(4 * 4 * bins);
  // Cell 3 (column 1, row 1, centre (12, 12) with offset 0.5): class 1 at 0.9, sides l=1,t=0,r=2,b=3 strides.
  cls[3 * 2 + 1] = 0.9;
  cls[0] = 0.2; // cell 0, class 0: below the threshold used below
  [1, 0, 2, 3].forEach((d, side) => reg.set(peaked(bins, d), (3 * 4 + side) * bins));
  const opts = { inputSize: 16, numClasses: 2, regMax: 3, centreOffset: 0.5, minScore: 0.5, classes: null };

  it('turns the distance distributions into a box around the cell centre', () => {
    const out = decodeNanodet([{ stride: 8, cls, reg }], opts);
    expect(out).toHaveLength(1);
    expect(out[0]!.classId).toBe(1);
    expect(out[0]!.score).toBeCloseTo(0.9);
    out[0]!.box.forEach((v, i) => expect(v).toBeCloseTo([12 - 8, 12 - 0, 12 + 16, 12 + 24][i]!, 3));
  });

  it('drops classes outside the filter', () => {
    expect(decodeNanodet([{ stride: 8, cls, reg }], { ...opts, classes: new Set([0]) })).toEqual([]);
  });

  it('refuses a level whose sizes do not fit its stride', () => {
    expect(() => decodeNanodet([{ stride: 4, cls, reg }], opts)).toThrow(/^detect: nanodet level stride 4/);
  });
});
