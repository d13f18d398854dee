import { describe, expect, it } from 'vitest';
import { decodePoint, encodePoint, planReads, type RegisterPoint } from './registers.ts';

const hr = (address: number, type: RegisterPoint['type'], extra: Partial<RegisterPoint> = {}): RegisterPoint => ({ table: 'holding', address, type, ...extra });

describe('decodePoint / encodePoint', () => {
  it('scales unsigned and signed 16-bit registers', () => {
    expect(decodePoint(hr(0, 'u16', { scale: 0.01 }), [5000], 0)).toBe(50);
    expect(decodePoint(hr(0, 'i16', { scale: 0.1 }), [0xfff6], 0)).toBe(-1);
    expect(decodePoint(hr(0, 'u16', { scale: 0.001, offset: -4 }), [12000], 0)).toBe(8);
  });
  it('honours word order for 32-bit values', () => {
    expect(decodePoint(hr(0, 'u32'), [0x0001, 0x86a0], 0, 'hi-lo')).toBe(100_000);
    expect(decodePoint(hr(0, 'u32'), [0x86a0, 0x0001], 0, 'lo-hi')).toBe(100_000);
    expect(decodePoint(hr(0, 'i32', { wordOrder: 'lo-hi' }), [0xfffe, 0xffff], 0, 'hi-lo')).toBe(-2);
    // 3.4 as IEEE 754 single: 0x4059999A
    expect(decodePoint(hr(0, 'f32'), [0x4059, 0x999a], 0)).toBeCloseTo(3.4, 5);
  });
  it('reads a bit of a status register', () => {
    expect(decodePoint(hr(0, 'bool', { bit: 6 }), [0x0041], 0)).toBe(true);
    expect(decodePoint(hr(0, 'bool', { bit: 5 }), [0x0041], 0)).toBe(false);
  });
  it('round-trips writes through encode and decode', () => {
    for (const [p, v] of [
      [hr(0, 'u16', { scale: 0.01 }), 42.5],
      [hr(0, 'i32', { wordOrder: 'lo-hi' }), -70_000],
      [hr(0, 'f32'), 1.5],
    ] as const) {
      expect(decodePoint(p, encodePoint(p, v) as number[], 0)).toBeCloseTo(v, 5);
    }
  });
  it('refuses values that do not fit and writes to read-only tables', () => {
    expect(() => encodePoint(hr(0, 'u16'), 70_000)).toThrow(/does not fit/);
    expect(() => encodePoint({ table: 'input', address: 0, type: 'u16' }, 1)).toThrow(/read-only/);
  });
});

describe('planReads', () => {
  it('merges neighbours and small gaps into one read, splits far ones and tables', () => {
    const blocks = planReads({
      a: hr(0x2100, 'u16'),
      b: hr(0x2102, 'u16'),
      c: hr(0x3000, 'u16'),
      d: hr(0x3004, 'u16'),
      e: hr(0x3005, 'u32'),
      k: { table: 'coil', address: 0, type: 'bool' },
      l: { table: 'coil', address: 4, type: 'bool' },
      m: { table: 'coil', address: 10, type: 'bool' },
    });
    const simple = blocks.map((b) => [b.table, b.address, b.count]);
    expect(simple).toEqual([
      ['holding', 0x2100, 3],
      ['holding', 0x3000, 7],
      ['coil', 0, 5],
      ['coil', 10, 1],
    ]);
    expect(blocks[1]!.points).toEqual([
      { name: 'c', index: 0 },
      { name: 'd', index: 4 },
      { name: 'e', index: 5 },
    ]);
  });
  it('never exceeds the device limit per read', () => {
    const points = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, hr(i, 'u16')]));
    const blocks = planReads(points, { maxRegisters: 16, maxBits: 256, maxGap: 4 });
    expect(blocks.map((b) => b.count)).toEqual([16, 16, 8]);
  });
});
