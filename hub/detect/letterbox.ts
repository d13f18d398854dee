/**
 * Letterboxing: fit an RGB image into the model's square input without distortion, and map boxes
 * back. Pure: no I/O, no subsystem imports.
 */
import type { RgbImage } from './types.ts';

export interface LetterboxSpec {
  size: number;
  channels: 'RGB' | 'BGR';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  padColour: readonly [number, number, number];
}

/** Where the image sits inside the square: input = source * scale + pad. */
export interface Letterbox {
  scale: number;
  padX: number;
  padY: number;
  /** Size of the scaled image inside the square. */
  width: number;
  height: number;
}

export function letterboxParams(srcWidth: number, srcHeight: number, size: number): Letterbox {
  if (srcWidth <= 0 || srcHeight <= 0) throw new Error(`detect: image size ${srcWidth}x${srcHeight} is empty`);
  const scale = Math.min(size / srcWidth, size / srcHeight);
  const width = Math.min(size, Math.round(srcWidth * scale));
  const height = Math.min(size, Math.round(srcHeight * scale));
  return { scale, padX: Math.floor((size - width) / 2), padY: Math.floor((size - height) / 2), width, height };
}

/**
 * Writes one image, letterboxed (bilinear) and normalised as (v - mean) / std, into `out` as
 * 3 planes of size*size floats starting at `offset` (one NCHW batch item).
 */
export function letterboxInto(img: RgbImage, spec: LetterboxSpec, out: Float32Array, offset = 0): Letterbox {
  const { size } = spec;
  if (img.data.length < img.width * img.height * 3) {
    throw new Error(`detect: image data holds ${img.data.length} bytes, ${img.width}x${img.height} RGB needs ${img.width * img.height * 3}`);
  }
  const lb = letterboxParams(img.width, img.height, size);
  const plane = size * size;
  // Channel c of the output plane reads source channel src[c] (BGR models read R and B swapped).
  const src = spec.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const norm = [0, 1, 2].map((c) => ({ mean: spec.mean[c]!, inv: 1 / spec.std[c]! }));
  for (let c = 0; c < 3; c++) {
    const pad = (spec.padColour[src[c]!]! - norm[c]!.mean) * norm[c]!.inv;
    out.fill(pad, offset + c * plane, offset + (c + 1) * plane);
  }
  // Source sample positions per output column/row (pixel centres aligned), computed once.
  const xs0 = new Int32Array(lb.width);
  const xs1 = new Int32Array(lb.width);
  const xw = new Float32Array(lb.width);
  const sx = img.width / lb.width;
  for (let x = 0; x < lb.width; x++) {
    const f = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
    xs0[x] = Math.floor(f);
    xs1[x] = Math.min(xs0[x]! + 1, img.width - 1);
    xw[x] = f - xs0[x]!;
  }
  const sy = img.height / lb.height;
  const d = img.data;
  const rowStride = img.width * 3;
  for (let y = 0; y < lb.height; y++) {
    const f = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(f);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = f - y0;
    const r0 = y0 * rowStride;
    const r1 = y1 * rowStride;
    const dstRow = offset + (y + lb.padY) * size + lb.padX;
    for (let x = 0; x < lb.width; x++) {
      const a = xs0[x]! * 3;
      const b = xs1[x]! * 3;
      const wx = xw[x]!;
      for (let c = 0; c < 3; c++) {
        const s = src[c]!;
        const top = d[r0 + a + s]! + (d[r0 + b + s]! - d[r0 + a + s]!) * wx;
        const bot = d[r1 + a + s]! + (d[r1 + b + s]! - d[r1 + a + s]!) * wx;
        const v = top + (bot - top) * wy;
        out[dstRow + c * plane + x] = (v - norm[c]!.mean) * norm[c]!.inv;
      }
    }
  }
  return lb;
}

/** Maps a box from model-input pixels back to source pixels, clamped to the image. */
export function unletterboxBox(
  box: readonly [number, number, number, number],
  lb: Letterbox,
  srcWidth: number,
  srcHeight: number,
): [number, number, number, number] {
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  return [
    clamp((box[0] - lb.padX) / lb.scale, srcWidth),
    clamp((box[1] - lb.padY) / lb.scale, srcHeight),
    clamp((box[2] - lb.padX) / lb.scale, srcWidth),
    clamp((box[3] - lb.padY) / lb.scale, srcHeight),
  ];
}
