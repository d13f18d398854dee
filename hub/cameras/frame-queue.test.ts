import { describe, expect, it } from 'vitest';
import { FrameQueue } from './frame-queue.ts';
import type { Frame } from './frame.ts';

const frame = (seq: number): Frame => ({ cameraId: 'c', seq, capturedAt: seq, width: 2, height: 2, format: 'yuv420p', data: Buffer.alloc(6) });

describe('FrameQueue', () => {
  it('keeps only the newest frames when the consumer falls behind, counting drops', async () => {
    let drops = 0;
    const q = new FrameQueue(2, () => drops++);
    for (let i = 0; i < 10; i++) q.push(frame(i));
    expect(drops).toBe(8);
    expect((await q.next()).value?.seq).toBe(8);
    expect((await q.next()).value?.seq).toBe(9);
  });

  it('hands a frame straight to a waiting consumer and ends when closed', async () => {
    const q = new FrameQueue(1);
    const pending = q.next();
    q.push(frame(5));
    expect((await pending).value?.seq).toBe(5);
    const end = q.next();
    q.close();
    expect((await end).done).toBe(true);
  });
});
