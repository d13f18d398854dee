import { describe, expect, it } from 'vitest';
import { StreamClock } from './stream-clock.ts';

describe('StreamClock', () => {
  it('takes the earliest arrival as the truth, ignoring frames delayed in the pipe', () => {
    const clock = new StreamClock(5);
    const start = 1_000_000;
    const delays = [30, 250, 40, 900, 35, 60, 400, 32];
    delays.forEach((d, n) => clock.observe(n, start + n * 200 + d));
    expect(clock.wallAt(10)).toBe(start + 10_000 + 30);
  });

  it('follows a camera clock that drifts, within its window', () => {
    const clock = new StreamClock(5, 10);
    for (let n = 0; n < 100; n++) clock.observe(n, 1_000 + n * 201); // 0.5% slow
    // Frame 99 arrived at 1000 + 99*201; the estimate must be within one window's drift of it.
    expect(Math.abs(clock.wallAt(99 / 5)! - (1_000 + 99 * 201))).toBeLessThanOrEqual(10);
  });

  it('knows nothing before the first frame', () => {
    expect(new StreamClock(5).wallAt(1)).toBeUndefined();
  });

  it('places segments whose stream times abut end to end, while the offset estimate moves between them', () => {
    const clock = new StreamClock(5, 10);
    const start = 1_000_000;
    // Good arrivals (30 ms late) leave the window and the next are 300 ms late, then a quiet
    // spell brings them to 10 ms: the estimate rises by 270 ms, then falls by 290 ms.
    const delay = (n: number): number => (n < 25 ? 30 : n < 60 ? 300 : 10);
    const placed: Array<{ startMs: number; endMs: number }> = [];
    const naive: number[] = [];
    let n = 0;
    for (let seg = 0; seg < 12; seg++) {
      for (const stop = (seg + 1) * 20; n < stop; n++) clock.observe(n, start + n * 200 + delay(n));
      naive.push(clock.wallAt((seg + 1) * 4)! - 4000); // each start placed on its own
      placed.push(clock.placeSegment(seg * 4, (seg + 1) * 4)!); // 4 s segments, 20 frames each
    }
    // The scenario does move the estimate: placed on their own, starts would leave a gap and an overlap.
    const naiveSeams = naive.slice(1).map((s, i) => s - placed[i]!.endMs);
    expect(Math.max(...naiveSeams)).toBeGreaterThan(200);
    expect(Math.min(...naiveSeams)).toBeLessThan(-200);
    for (let i = 1; i < placed.length; i++) expect(placed[i]!.startMs, `segment ${i}`).toBe(placed[i - 1]!.endMs);
    // Each end still follows the clock: the last one is where the best arrival puts it.
    expect(placed.at(-1)!.endMs).toBe(start + 48_000 + 10);
    // A segment after a gap in stream time (ffmpeg restarted its muxer) is placed on its own.
    const after = clock.placeSegment(60, 64)!;
    expect(after.startMs).toBe(start + 60_000 + 10);
  });
});
