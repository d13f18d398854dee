import { describe, expect, it } from 'vitest';
import { LookMemory } from './look-memory.ts';
import type { Box } from './types.ts';

const whole: Box = [0, -140, 640, 500];

describe('look memory', () => {
  it('a region seen is recent for motionRecheckFrames frames, then forgotten', () => {
    const m = new LookMemory({ motionRecheckFrames: 3, emptyRecheckFrames: 10 });
    m.note(5, [whole], [], []);
    expect(m.recentLooks(7)).toEqual([whole]);
    expect(m.recentLooks(8)).toEqual([]);
  });

  it('motion the detector found nothing in becomes an empty zone; motion with a detection does not', () => {
    const m = new LookMemory({ motionRecheckFrames: 3, emptyRecheckFrames: 10 });
    const ghost: Box = [100, 100, 140, 180];
    const person: Box = [400, 100, 440, 200];
    m.note(0, [whole], [ghost, person], [[405, 105, 438, 198]]);
    const zones = m.emptyZones(9);
    expect(zones).toHaveLength(1);
    expect(zones[0]![0]).toBeLessThanOrEqual(100);
    expect(m.emptyZones(10)).toEqual([]);
  });

  it('motion outside the regions looked at is not called empty', () => {
    const m = new LookMemory({ motionRecheckFrames: 3, emptyRecheckFrames: 10 });
    m.note(0, [[0, 0, 208, 208]], [[400, 100, 440, 200]], []);
    expect(m.emptyZones(1)).toEqual([]);
  });
});
