import { describe, expect, it } from 'vitest';
import { iou, nms, percentile, pointInPolygon, rasterizeMask, squareAround } from './geometry.ts';

describe('geometry', () => {
  it('iou of half-overlapping boxes is one third', () => {
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150);
  });
  it('squareAround shifts a square back inside the frame instead of shrinking it', () => {
    const sq = squareAround([600, 300, 640, 360], 200, 640, 360);
    expect(sq[2] - sq[0]).toBe(200);
    expect(sq[2]).toBe(640);
    expect(sq[3]).toBe(360);
  });
  it('a square taller than the frame is centred vertically (letterbox)', () => {
    const sq = squareAround([0, 0, 640, 360], 640, 640, 360);
    expect(sq).toEqual([0, -140, 640, 500]);
  });
  it('point in a concave polygon', () => {
    const L = [
      [0, 0],
      [10, 0],
      [10, 2],
      [2, 2],
      [2, 10],
      [0, 10],
    ] as const;
    expect(pointInPolygon(1, 5, L)).toBe(true);
    expect(pointInPolygon(5, 5, L)).toBe(false);
  });
  it('rasterizes a polygon onto a coarse grid', () => {
    const m = rasterizeMask(
      [
        [
          [0, 0],
          [320, 0],
          [320, 360],
          [0, 360],
        ],
      ],
      640,
      360,
      16,
      9,
    );
    expect(m[0]).toBe(1);
    expect(m[15]).toBe(0);
    expect(m.reduce((a, b) => a + b, 0)).toBe(8 * 9);
  });
  it('nms keeps the surest of overlapping boxes of one label only', () => {
    const out = nms(
      [
        { box: [0, 0, 10, 10], score: 0.6, label: 'person' },
        { box: [1, 1, 11, 11], score: 0.9, label: 'person' },
        { box: [1, 1, 11, 11], score: 0.5, label: 'car' },
      ],
      0.5,
    );
    expect(out.map((o) => o.score)).toEqual([0.9, 0.5]);
  });
  it('percentile by nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
  });
});
