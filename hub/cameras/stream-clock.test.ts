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
});
