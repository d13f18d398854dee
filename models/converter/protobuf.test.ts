import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf.ts';
import { float16ToFloat32 } from './tfjs-graph.ts';

describe('ProtoWriter', () => {
  it("writes varints as protobuf does, negatives as 10-byte two's complement", () => {
    expect(Array.from(new ProtoWriter().varint(1, 300).finish())).toEqual([0x08, 0xac, 0x02]);
    expect(Array.from(new ProtoWriter().varint(2, -1).finish())).toEqual([0x10, ...Array(9).fill(0xff), 0x01]);
  });

  it('writes length-delimited strings and nested messages', () => {
    expect(Array.from(new ProtoWriter().string(2, 'hi').finish())).toEqual([0x12, 2, 0x68, 0x69]);
    const inner = new ProtoWriter().varint(1, 5);
    expect(Array.from(new ProtoWriter().message(3, inner).finish())).toEqual([0x1a, 2, 0x08, 5]);
  });

  it('writes floats as fixed 32-bit little-endian', () => {
    expect(Array.from(new ProtoWriter().float(2, 1).finish())).toEqual([0x15, 0, 0, 0x80, 0x3f]);
  });
});

describe('float16ToFloat32', () => {
  it('decodes normal, subnormal and special halves', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16ToFloat32(0x3555)).toBeCloseTo(0.33325, 5);
  });
});
