/**
 * The one place detect frames become RGB (yuv420p or rgb24 in, BT.601 limited range): crops at the
 * model's input size for the detector, and a whole frame for an event's picture when no recorded
 * frame matches it (hub/events/media.ts). The detector only ever gets crops, never whole frames at
 * full size, so its cost is bounded by the model input (416x416 ≈ 2 ms). Nearest-neighbour
 * sampling: the model's own resize would be no better at these scales and this keeps it to one
 * pass. Pure.
 */
import type { Box } from './types.ts';

export interface RawFrame {
  width: number;
  height: number;
  format: 'yuv420p' | 'rgb24';
  data: Uint8Array;
}

export interface RgbCrop {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Grey used where a crop reaches past the frame (the letterbox colour YOLO-family models train with). */
const PAD = 114;

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Samples the square (or any) `box` of the frame into an `outW` x `outH` RGB image. Parts of the
 * box outside the frame are padded.
 */
export function cropToRgb(frame: RawFrame, box: Box, outW: number, outH = outW): RgbCrop {
  const { width, height, data } = frame;
  const out = new Uint8Array(outW * outH * 3);
  const sx = (box[2] - box[0]) / outW;
  const sy = (box[3] - box[1]) / outH;
  const xs = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    const v = Math.floor(box[0] + (x + 0.5) * sx);
    xs[x] = v >= 0 && v < width ? v : -1;
  }
  const ySize = width * height;
  const cw = width >> 1;
  const uOff = ySize;
  const vOff = ySize + cw * (height >> 1);
  let o = 0;
  let prevRow = -1;
  for (let y = 0; y < outH; y++) {
    const syy = Math.floor(box[1] + (y + 0.5) * sy);
    // A zoomed crop samples each frame row more than once: the row is already converted.
    if (syy === prevRow && y > 0) {
      out.copyWithin(o, o - outW * 3, o);
      o += outW * 3;
      continue;
    }
    prevRow = syy;
    if (syy < 0 || syy >= height) {
      out.fill(PAD, o, o + outW * 3);
      o += outW * 3;
      continue;
    }
    if (frame.format === 'rgb24') {
      const row = syy * width * 3;
      for (let x = 0; x < outW; x++, o += 3) {
        const sxx = xs[x]!;
        if (sxx < 0) {
          out[o] = out[o + 1] = out[o + 2] = PAD;
          continue;
        }
        const i = row + sxx * 3;
        out[o] = data[i]!;
        out[o + 1] = data[i + 1]!;
        out[o + 2] = data[i + 2]!;
      }
      continue;
    }
    const yRow = syy * width;
    const cRow = (syy >> 1) * cw;
    for (let x = 0; x < outW; x++, o += 3) {
      const sxx = xs[x]!;
      if (sxx < 0) {
        out[o] = out[o + 1] = out[o + 2] = PAD;
        continue;
      }
      if (x > 0 && sxx === xs[x - 1]) {
        // The same frame pixel as its left neighbour (a zoomed crop): copy, don't convert.
        out[o] = out[o - 3]!;
        out[o + 1] = out[o - 2]!;
        out[o + 2] = out[o - 1]!;
        continue;
      }
      // BT.601 limited range, integer form.
      const c = (data[yRow + sxx]! - 16) * 298;
      const ci = cRow + (sxx >> 1);
      const d = data[uOff + ci]! - 128;
      const e = data[vOff + ci]! - 128;
      out[o] = clamp8((c + 409 * e + 128) >> 8);
      out[o + 1] = clamp8((c - 100 * d - 208 * e + 128) >> 8);
      out[o + 2] = clamp8((c + 516 * d + 128) >> 8);
    }
  }
  return { width: outW, height: outH, data: out };
}

/** The whole frame as RGB at its own size (rgb24 frames are returned as they are, not copied). */
export function frameToRgb(frame: RawFrame): RgbCrop {
  const { width, height } = frame;
  if (frame.format === 'rgb24') return { width, height, data: frame.data };
  return cropToRgb(frame, [0, 0, width, height], width, height);
}

/** Maps a box from crop pixels (crop of `region` at `outSize`) back to frame pixels. */
export function cropToFrame(b: Box, region: Box, outSize: number): Box {
  const s = (region[2] - region[0]) / outSize;
  return [region[0] + b[0] * s, region[1] + b[1] * s, region[0] + b[2] * s, region[1] + b[3] * s];
}
