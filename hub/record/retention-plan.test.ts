import { describe, expect, it } from 'vitest';
import { bytesOverWatermark, planAgeDeletions, planSpaceDeletions } from './retention-plan.ts';
import type { Segment } from './service.ts';

const seg = (id: number, startMs: number, bytes = 100): Segment => ({ id, cameraId: 'c', startMs, endMs: startMs + 10, bytes, path: `/${id}` });
const segs = [seg(1, 0), seg(2, 10), seg(3, 20), seg(4, 30)];

describe('retention planning', () => {
  it('deletes by age oldest first and keeps held footage', () => {
    const hold = { holder: 'event:1', cameraId: 'c', fromMs: 12, toMs: 15, untilMs: null };
    expect(planAgeDeletions(segs, 35, [hold]).map((s) => s.id)).toEqual([1, 3]);
  });

  it('frees space from the oldest unheld segments, only as much as needed', () => {
    const hold = { holder: 'export:a', cameraId: 'c', fromMs: 0, toMs: 5, untilMs: null };
    expect(planSpaceDeletions(segs, 150, [hold]).map((s) => s.id)).toEqual([2, 3]);
    expect(planSpaceDeletions(segs, 0, [])).toEqual([]);
  });

  it('ignores holds on other cameras', () => {
    const hold = { holder: 'event:2', cameraId: 'other', fromMs: 0, toMs: 100, untilMs: null };
    expect(planAgeDeletions(segs, 100, [hold])).toHaveLength(4);
  });

  it('computes the bytes over the free-space watermark', () => {
    expect(bytesOverWatermark({ totalBytes: 1000, freeBytes: 50 }, 10)).toBe(50);
    expect(bytesOverWatermark({ totalBytes: 1000, freeBytes: 200 }, 10)).toBe(0);
  });
});
