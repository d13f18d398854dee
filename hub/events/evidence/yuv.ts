/** Colour conversion of detect frames (yuv420p, BT.601 limited range) to RGB for snapshots. */
import type { Frame } from '../../cameras/frame.ts';

export function frameToRgb(f: Frame): { data: Buffer; width: number; height: number } {
  const { width: w, height: h } = f;
  if (f.format === 'rgb24') return { data: f.data, width: w, height: h };
  const out = Buffer.allocUnsafe(w * h * 3);
  const cw = w >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * (h >> 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const Y = 1.164 * (f.data[y * w + x]! - 16);
      const ci = (y >> 1) * cw + (x >> 1);
      const U = f.data[uOff + ci]! - 128;
      const V = f.data[vOff + ci]! - 128;
      const o = (y * w + x) * 3;
      out[o] = clamp(Y + 1.596 * V);
      out[o + 1] = clamp(Y - 0.392 * U - 0.813 * V);
      out[o + 2] = clamp(Y + 2.017 * U);
    }
  }
  return { data: out, width: w, height: h };
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
