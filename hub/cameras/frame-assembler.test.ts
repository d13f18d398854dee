import { describe, expect, it } from 'vitest';
import { FrameAssembler } from './frame-assembler.ts';

describe('FrameAssembler', () => {
  it('reassembles frames split across chunks and several frames in one chunk', () => {
    const stream = Buffer.from(Array.from({ length: 35 }, (_, i) => i));
    const asm = new FrameAssembler(10);
    const frames = [stream.subarray(0, 3), stream.subarray(3, 27), stream.subarray(27, 35)].flatMap((c) => asm.push(c));
    expect(frames.map((f) => [...f])).toEqual([0, 10, 20].map((s) => Array.from({ length: 10 }, (_, i) => s + i)));
    expect(asm.pending).toBe(5);
  });

  it('gives every frame its own buffer so earlier frames are not overwritten', () => {
    const asm = new FrameAssembler(2);
    const [a] = asm.push(Buffer.from([1, 1]));
    asm.push(Buffer.from([2, 2]));
    expect([...a!]).toEqual([1, 1]);
  });
});
