import { describe, expect, it } from 'vitest';
import type { Frame } from '../cameras/frame.ts';
import { FrameMemory } from './frame-memory.ts';

const frame = (cameraId: string, capturedAt: number): Frame =>
  ({ cameraId, capturedAt, width: 4, height: 4, format: 'yuv420p', data: Buffer.alloc(24) }) as unknown as Frame;

describe('frame memory', () => {
  it('keeps a frame until the pipeline has reported well past it, however late the report comes', () => {
    const m = new FrameMemory(4000, 40, 10_000);
    // 5 fps for 7 s; the pipeline runs 6 s behind capture (a loaded box) and reports on frame 0 now.
    for (let i = 0; i <= 35; i++) m.push(frame('cam', i * 200));
    m.reported('cam', 0);
    expect(m.at('cam', 0), 'the frame the report is about').toBeDefined();
    // Once the reports are 4 s past a frame, it goes.
    m.reported('cam', 4200);
    expect(m.at('cam', 0)).toBeUndefined();
    expect(m.at('cam', 200)).toBeDefined();
  });
  it('is bounded by frame count and by lag behind the newest capture', () => {
    const m = new FrameMemory(4000, 40, 10_000);
    for (let i = 0; i < 100; i++) m.push(frame('cam', i * 200));
    expect(m.size('cam')).toBe(40);
    const slow = new FrameMemory(4000, 1000, 10_000);
    for (let i = 0; i < 100; i++) slow.push(frame('cam', i * 200));
    expect(slow.size('cam')).toBe(51); // 10 s at 5 fps, both ends included
    expect(slow.at('cam', 99 * 200 - 10_000)).toBeDefined();
    expect(slow.at('cam', 99 * 200 - 10_200)).toBeUndefined();
  });
  it('keeps each camera apart', () => {
    const m = new FrameMemory();
    m.push(frame('a', 0));
    m.push(frame('b', 0));
    m.reported('a', 10_000);
    m.push(frame('a', 10_000));
    expect(m.at('a', 0)).toBeUndefined();
    expect(m.at('b', 0)).toBeDefined();
  });
});
