import { describe, expect, it } from 'vitest';
import { iou, nms, type Candidate } from './nms.ts';

describe('iou', () => {
  it('is intersection over union', () => {
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });
});

describe('nms', () => {
  const c = (x: number, score: number, classId = 0): Candidate => ({ box: [x, 0, x + 10, 10], score, classId });

  it('keeps the best of overlapping boxes of one class, best first', () => {
    const kept = nms([c(1, 0.6), c(0, 0.9), c(30, 0.5)], 0.5);
    expect(kept.map((k) => [k.box[0], k.score])).toEqual([
      [0, 0.9],
      [30, 0.5],
    ]);
  });

  it('keeps overlapping boxes of different classes', () => {
    expect(nms([c(0, 0.9, 0), c(1, 0.8, 2)], 0.5)).toHaveLength(2);
  });

  it('keeps boxes that overlap less than the threshold', () => {
    expect(nms([c(0, 0.9), c(6, 0.8)], 0.5)).toHaveLength(2); // IoU 4/16
  });

  it('stops at maxDetections', () => {
    expect(nms([c(0, 0.9), c(20, 0.8), c(40, 0.7)], 0.5, 2)).toHaveLength(2);
  });
});
