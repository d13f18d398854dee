import { describe, expect, it } from 'vitest';
import { downscale } from './grey.ts';

describe('downscale', () => {
  it('the word-wise 4x path gives exactly the box average of the byte loop', () => {
    const W = 640;
    const H = 360;
    const aligned = new Uint8Array(W * H);
    let seed = 7;
    for (let i = 0; i < aligned.length; i++) aligned[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    // The same pixels at an odd offset take the byte loop.
    const shifted = new Uint8Array(W * H + 1);
    shifted.set(aligned, 1);
    const fast = downscale(aligned, W, H, 4);
    const slow = downscale(shifted.subarray(1), W, H, 4);
    expect(fast.width).toBe(160);
    expect(fast.height).toBe(90);
    expect(Buffer.from(fast.data).equals(Buffer.from(slow.data))).toBe(true);
    // And a hand-checked cell: the top-left 4x4 block's mean, rounded.
    let sum = 0;
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) sum += aligned[y * W + x]!;
    expect(fast.data[0]).toBe(Math.round(sum / 16));
  });
});
