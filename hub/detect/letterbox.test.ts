import { describe, expect, it } from 'vitest';
import { letterboxInto, letterboxParams, unletterboxBox, type LetterboxSpec } from './letterbox.ts';

const raw: LetterboxSpec = { size: 8, channels: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], padColour: [7, 8, 9] };

function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

describe('letterbox', () => {
  it('fits a wide image by its width and centres it vertically', () => {
    expect(letterboxParams(640, 360, 416)).toEqual({ scale: 0.65, padX: 0, padY: 91, width: 416, height: 234 });
  });

  it('fills the bars with the pad colour and the picture with its pixels, plane by plane', () => {
    const out = new Float32Array(3 * 64);
    const lb = letterboxInto(solid(8, 4, [200, 100, 50]), raw, out);
    expect(lb).toMatchObject({ padY: 2, height: 4 });
    const at = (c: number, x: number, y: number) => out[c * 64 + y * 8 + x];
    expect([at(0, 3, 0), at(1, 3, 0), at(2, 3, 0)]).toEqual([7, 8, 9]); // top bar
    expect([at(0, 3, 3), at(1, 3, 3), at(2, 3, 3)]).toEqual([200, 100, 50]); // picture
    expect([at(0, 3, 7), at(1, 3, 7), at(2, 3, 7)]).toEqual([7, 8, 9]); // bottom bar
  });

  it('swaps R and B for a BGR model and normalises per model channel', () => {
    const out = new Float32Array(3 * 64);
    letterboxInto(solid(8, 8, [200, 100, 50]), { ...raw, channels: 'BGR', mean: [10, 20, 30], std: [2, 4, 5] }, out);
    expect([out[0], out[64], out[128]]).toEqual([(50 - 10) / 2, (100 - 20) / 4, (200 - 30) / 5]);
  });

  it('interpolates between neighbouring source pixels when scaling up', () => {
    const img = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 100, 100, 100]) };
    const out = new Float32Array(3 * 16);
    letterboxInto(img, { ...raw, size: 4 }, out); // 2x1 → 4x2 at rows 1..2
    const row = Array.from(out.subarray(4, 8));
    expect(row).toEqual([0, 25, 75, 100]);
  });

  it('maps a box back to source pixels and clamps it to the image', () => {
    const lb = letterboxParams(640, 360, 416);
    expect(unletterboxBox([0, 91, 208, 208], lb, 640, 360)).toEqual([0, 0, 320, 180]);
    expect(unletterboxBox([-20, 0, 500, 420], lb, 640, 360)).toEqual([0, 0, 640, 360]);
  });

  it('rejects an image whose buffer is shorter than its size says', () => {
    expect(() => letterboxInto({ width: 4, height: 4, data: new Uint8Array(10) }, raw, new Float32Array(192))).toThrow(/^detect: image data holds 10 bytes/);
  });
});
