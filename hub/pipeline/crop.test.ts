import { expect, it } from 'vitest';
import { cropToFrame, cropToRgb, frameToRgb } from './crop.ts';

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

it('a zoomed crop (frame pixels sampled more than once) equals converting every output pixel', () => {
  const W = 64;
  const H = 48;
  const data = new Uint8Array(W * H * 1.5);
  let seed = 3;
  for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const frame = { width: W, height: H, format: 'yuv420p' as const, data };
  const box = [-5, -3, 27, 29] as [number, number, number, number];
  const img = cropToRgb(frame, box, 96); // 3x zoom, reaching past the top-left corner
  // Each output pixel converted on its own, the slow way, from the same formula.
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let y = 0; y < 96; y++) {
    for (let x = 0; x < 96; x++) {
      const fx = Math.floor(box[0] + (x + 0.5) / 3);
      const fy = Math.floor(box[1] + (y + 0.5) / 3);
      const o = (y * 96 + x) * 3;
      const got = Array.from(img.data.slice(o, o + 3));
      if (fx < 0 || fy < 0) {
        expect(got).toEqual([114, 114, 114]);
        continue;
      }
      const c = (data[fy * W + fx]! - 16) * 298;
      const ci = (fy >> 1) * (W >> 1) + (fx >> 1);
      const d = data[W * H + ci]! - 128;
      const e = data[W * H + (W >> 1) * (H >> 1) + ci]! - 128;
      expect(got).toEqual([clamp((c + 409 * e + 128) >> 8), clamp((c - 100 * d - 208 * e + 128) >> 8), clamp((c + 516 * d + 128) >> 8)]);
    }
  }
});

it('converts a whole frame at its own size, pixel for pixel as the detector crops (one converter)', () => {
  const W = 6;
  const H = 4;
  const data = new Uint8Array(W * H * 1.5);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
  const frame = { width: W, height: H, format: 'yuv420p' as const, data };
  const whole = frameToRgb(frame);
  expect([whole.width, whole.height]).toEqual([W, H]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const one = cropToRgb(frame, [x, y, x + 1, y + 1], 1);
      expect(Array.from(whole.data.slice((y * W + x) * 3, (y * W + x) * 3 + 3)), `pixel ${x},${y}`).toEqual(Array.from(one.data));
    }
  }
  const rgb = { width: 2, height: 1, format: 'rgb24' as const, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
  expect(frameToRgb(rgb).data).toBe(rgb.data); // rgb24 is already RGB: not copied
});
