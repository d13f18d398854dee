import { describe, expect, it } from 'vitest';
import { MotionDetector, type MotionOptions } from './motion.ts';
import { detectGeometry, frameContent } from '../lib/frame-geometry.ts';

const W = 320;
const H = 180;
const LEFT_HALF: Array<[number, number]> = [
  [0, 0],
  [0.5, 0],
  [0.5, 1],
  [0, 1],
];
const base: MotionOptions = { width: W, height: H, scaleWidth: 80, threshold: 20, backgroundAlpha: 0.05, minArea: 0.001, masks: [], sceneChangeFraction: 0.6 };

/** A textured still scene with per-pixel sensor noise (±8) and a global brightness offset. */
function noisyScene(seed: number, level: number): Uint8Array {
  const f = new Uint8Array(W * H);
  let s = seed * 9973 + 1;
  for (let i = 0; i < f.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    f[i] = 80 + ((i * 7 + (i >> 5)) % 40) + level + ((s >>> 24) % 17) - 8;
  }
  return f;
}

describe('motion', () => {
  it('finds a moving square and puts its box around it', () => {
    const d = new MotionDetector(base);
    const empty = new Uint8Array(W * H).fill(90);
    d.process(empty);
    const withSquare = empty.slice();
    for (let yy = 60; yy < 100; yy++) for (let xx = 100; xx < 130; xx++) withSquare[yy * W + xx] = 230;
    const r = d.process(withSquare);
    expect(r.boxes).toHaveLength(1);
    const [x1, y1, x2, y2] = r.boxes[0]!;
    expect(x1).toBeLessThanOrEqual(100);
    expect(x2).toBeGreaterThanOrEqual(130);
    expect(y1).toBeLessThanOrEqual(60);
    expect(y2).toBeGreaterThanOrEqual(100);
    expect(x2 - x1).toBeLessThan(60);
  });

  it('ignores sensor noise and a slow global lighting drift', () => {
    const d = new MotionDetector(base);
    let withMotion = 0;
    for (let i = 0; i < 50; i++) {
      const r = d.process(noisyScene(i + 1, i * 2));
      if (r.boxes.length) withMotion++;
    }
    expect(withMotion).toBe(0);
  });

  it('a mask (fractions of the picture) suppresses motion inside it but not outside', () => {
    const masked = new MotionDetector({ ...base, masks: [LEFT_HALF] });
    const empty = new Uint8Array(W * H).fill(90);
    masked.process(empty);
    const left = empty.slice();
    for (let yy = 60; yy < 100; yy++) for (let xx = 40; xx < 80; xx++) left[yy * W + xx] = 230;
    expect(masked.process(left).boxes).toEqual([]);
    const right = empty.slice();
    for (let yy = 60; yy < 100; yy++) for (let xx = 220; xx < 260; xx++) right[yy * W + xx] = 230;
    expect(masked.process(right).boxes).toHaveLength(1);
  });

  it('a whole-scene change resets the background and asks for the whole frame once', () => {
    const d = new MotionDetector(base);
    d.process(new Uint8Array(W * H).fill(60));
    // A different scene (the camera turned): a left-to-right ramp, not a uniform shift.
    const ramp = new Uint8Array(W * H).map((_, i) => Math.floor(((i % W) / W) * 255));
    const r = d.process(ramp);
    expect(r.sceneChange).toBe(true);
    expect(r.boxes).toEqual([[0, 0, W, H]]);
    const again = d.process(ramp);
    expect(again.sceneChange).toBe(false);
    expect(again.boxes).toEqual([]);
  });

  /** Motion boxes of a bright rectangle (30x30 frame pixels unless told) at (x, y) on a flat background. */
  function boxesWithSquareAt(d: MotionDetector, x: number, y: number, h = 30): number {
    const empty = new Uint8Array(W * H).fill(90);
    d.process(empty);
    const moved = empty.slice();
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + 30; xx++) moved[yy * W + xx] = 230;
    return d.process(moved).boxes.length;
  }

  it("a letterboxed frame: the mask of the picture's left half covers the left half of the band the picture fills, not of the frame", () => {
    // A 4:3 camera letterboxed into 320x180: the picture is columns 40-280, its left half 40-160.
    const content = frameContent(detectGeometry({ width: W, height: H }, 'letterbox', { width: 768, height: 576 }))!;
    expect(content.inFrame).toEqual({ x: 40, y: 0, width: 240, height: 180 });
    const masked = (): MotionDetector => new MotionDetector({ ...base, masks: [LEFT_HALF], content });
    expect(boxesWithSquareAt(masked(), 100, 60)).toBe(0); // the picture's left half
    // Frame columns 162-192 lie in the picture's right half, though left of the frame's 0.6.
    expect(boxesWithSquareAt(masked(), 162, 60)).toBe(1);
    // A mask taken as fractions of the whole frame (there: 0.6) would have hidden it.
    expect(
      boxesWithSquareAt(
        new MotionDetector({
          ...base,
          masks: [
            [
              [0, 0],
              [0.6, 0],
              [0.6, 1],
              [0, 1],
            ],
          ],
        }),
        162,
        60,
      ),
    ).toBe(0);
  });

  it("a cropped frame: a mask over the picture's top 30 % covers only the rows of it the frame shows", () => {
    // A 4:3 camera cropped to 320x180 shows the picture's rows 0.125-0.875; its top 30 % is frame rows 0-42.
    const content = frameContent(detectGeometry({ width: W, height: H }, 'crop', { width: 768, height: 576 }))!;
    const top: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [1, 0.3],
      [0, 0.3],
    ];
    const masked = (): MotionDetector => new MotionDetector({ ...base, masks: [top], content });
    expect(boxesWithSquareAt(masked(), 100, 4)).toBe(0);
    // Rows 44-52: below the picture's top 30 %, though above 30 % of the frame (54), which a
    // mask taken as fractions of the frame would have hidden.
    expect(boxesWithSquareAt(masked(), 100, 44, 8)).toBe(1);
    expect(boxesWithSquareAt(new MotionDetector({ ...base, masks: [top] }), 100, 44, 8)).toBe(0);
  });
});
