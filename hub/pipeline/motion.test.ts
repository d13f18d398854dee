import { describe, expect, it } from 'vitest';
import { MotionDetector, type MotionOptions } from './motion.ts';

const W = 320;
const H = 180;
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

  it('a mask suppresses motion inside it but not outside', () => {
    const masked = new MotionDetector({ ...base, masks: [[[0, 0], [160, 0], [160, 180], [0, 180]]] });
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
});
