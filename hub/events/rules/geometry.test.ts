import { describe, expect, it } from 'vitest';
import { anchor, crossing, pictureAnchor, pointInPolygon, type Pt } from './geometry.ts';
import { DETECT_FITS, detectGeometry, frameContent, pictureToFrame, type DetectFit } from '../../lib/frame-geometry.ts';

const square: Pt[] = [
  [0.2, 0.2],
  [0.6, 0.2],
  [0.6, 0.6],
  [0.2, 0.6],
];
const concave: Pt[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0.5, 0.3],
  [0, 1],
];

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

describe('pictureAnchor: a zone drawn on the picture means the same place in every detect fit', () => {
  const leftQuarter: Pt[] = [
    [0, 0],
    [0.25, 0],
    [0.25, 1],
    [0, 1],
  ];
  const topQuarter: Pt[] = [
    [0, 0],
    [1, 0],
    [1, 0.25],
    [0, 0.25],
  ];
  const CAM_4_3 = { width: 768, height: 576 };
  /** Whether a person whose feet stand at picture point (px, py) (fractions) is in `zone`. */
  const inZone = (fit: DetectFit, zone: Pt[], px: number, py: number): boolean => {
    const g = detectGeometry({ width: 640, height: 360 }, fit, CAM_4_3);
    const view = { frameWidth: g.width, frameHeight: g.height, frame: { content: frameContent(g) } };
    const [fx, fy] = pictureToFrame([px, py], g.width, g.height, view.frame.content);
    return pointInPolygon(pictureAnchor([fx - 10, fy - 60, fx + 10, fy], view), zone);
  };

  it("the picture's left quarter and top quarter, scaled, letterboxed, cropped or stretched", () => {
    for (const fit of DETECT_FITS) {
      expect([fit, inZone(fit, leftQuarter, 0.2, 0.5), inZone(fit, leftQuarter, 0.3, 0.5)]).toEqual([fit, true, false]);
      expect([fit, inZone(fit, topQuarter, 0.5, 0.2), inZone(fit, topQuarter, 0.5, 0.3)]).toEqual([fit, true, false]);
    }
  });

  it('on a letterboxed frame the bars are no part of the picture; on a cropped one the rows map to the shown band', () => {
    // Letterboxed 4:3 in 640x360: the picture is columns 80-560. Feet at frame column 180 are at
    // picture x 0.208 (in the left quarter), though at 0.281 of the frame.
    const letterbox = {
      frameWidth: 640,
      frameHeight: 360,
      frame: { content: frameContent(detectGeometry({ width: 640, height: 360 }, 'letterbox', CAM_4_3)) },
    };
    expect(pictureAnchor([170, 100, 190, 200], letterbox)[0]).toBeCloseTo(100 / 480, 6);
    expect(pointInPolygon(pictureAnchor([170, 100, 190, 200], letterbox), leftQuarter)).toBe(true);
    expect(pointInPolygon(anchor([170, 100, 190, 200], 640, 360), leftQuarter)).toBe(false);
    // Cropped: frame row 36 of 360 shows picture y 0.125 + 0.1 * 0.75 = 0.2.
    const crop = { frameWidth: 640, frameHeight: 360, frame: { content: frameContent(detectGeometry({ width: 640, height: 360 }, 'crop', CAM_4_3)) } };
    expect(pictureAnchor([300, 0, 340, 36], crop)).toEqual([0.5, 0.2]);
  });
});
