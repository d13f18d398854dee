import { expect, it } from 'vitest';
import { cropToFrame, cropToRgb } from './crop.ts';

it('converts yuv420p to RGB (BT.601 limited range) and pads outside the frame', () => {
  const w = 4;
  const h = 2;
  // Y=81, U=90, V=240 is pure red in BT.601 limited range.
  const data = new Uint8Array(w * h + 2 * 2).fill(81);
  data.fill(90, 8, 10);
  data.fill(240, 10, 12);
  const img = cropToRgb({ width: w, height: h, format: 'yuv420p', data }, [-4, -2, 4, 6], 2);
  // Left column is outside the frame (grey pad), right column samples the frame (red).
  expect(Array.from(img.data.slice(0, 3))).toEqual([114, 114, 114]);
  const [r, g, b] = Array.from(img.data.slice(3, 6));
  expect(r).toBeGreaterThan(250);
  expect(g).toBeLessThan(5);
  expect(b).toBeLessThan(5);
});

it('maps boxes from crop pixels back to frame pixels', () => {
  expect(cropToFrame([0, 0, 208, 104], [100, 50, 308, 258], 416)).toEqual([100, 50, 204, 102]);
});
