import { describe, expect, it } from 'vitest';
import { anchor, crossing, pointInPolygon, type Pt } from './geometry.ts';

const square: Pt[] = [[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]];
const concave: Pt[] = [[0, 0], [1, 0], [1, 1], [0.5, 0.3], [0, 1]];

describe('pointInPolygon', () => {
  it('finds points inside and outside a square', () => {
    expect(pointInPolygon([0.4, 0.4], square)).toBe(true);
    expect(pointInPolygon([0.1, 0.4], square)).toBe(false);
    expect(pointInPolygon([0.4, 0.7], square)).toBe(false);
  });
  it('handles the notch of a concave polygon', () => {
    expect(pointInPolygon([0.5, 0.8], concave)).toBe(false);
    expect(pointInPolygon([0.5, 0.2], concave)).toBe(true);
    expect(pointInPolygon([0.1, 0.8], concave)).toBe(true);
  });
});

describe('crossing', () => {
  const a: Pt = [0.5, 0];
  const b: Pt = [0.5, 1]; // vertical line, A at the top: its right (y down) is x < 0.5
  it('gives the direction of a crossing', () => {
    expect(crossing(a, b, [0.6, 0.5], [0.4, 0.5])).toBe('a-b');
    expect(crossing(a, b, [0.4, 0.5], [0.6, 0.5])).toBe('b-a');
  });
  it('ignores moves that stay on one side or pass beyond the segment ends', () => {
    expect(crossing(a, b, [0.6, 0.5], [0.7, 0.5])).toBeUndefined();
    expect(crossing([0.5, 0], [0.5, 0.4], [0.6, 0.5], [0.4, 0.5])).toBeUndefined();
  });
});

describe('anchor', () => {
  it('is the bottom centre of the box, normalised', () => {
    expect(anchor([100, 50, 140, 250], 400, 500)).toEqual([0.3, 0.5]);
  });
});
