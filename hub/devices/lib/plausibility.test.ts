import { describe, expect, it } from 'vitest';
import { LevelPlausibility } from './plausibility.ts';

const limits = { frozenMs: 10_000, noiseBand: 0.005, maxRatePerS: 0.5 };

describe('level plausibility', () => {
  it('a value frozen within its noise band while the pump runs turns implausible after the configured time', () => {
    const p = new LevelPlausibility(limits);
    for (let t = 0; t <= 9_000; t += 1000) p.observe(t, 1.5 + (t % 2000 ? 0.001 : 0), true);
    expect(p.verdict(9_000)).toBeNull();
    p.observe(10_000, 1.5, true);
    expect(p.verdict(10_000)).toMatchObject({ why: 'frozen' });
  });

  it('a level that moves as a running pump draws it down stays plausible', () => {
    const p = new LevelPlausibility(limits);
    for (let t = 0; t <= 60_000; t += 1000) p.observe(t, 2 - t / 100_000, true);
    expect(p.verdict(60_000)).toBeNull();
  });

  it('a still level while the pump is stopped is no news', () => {
    const p = new LevelPlausibility(limits);
    for (let t = 0; t <= 60_000; t += 1000) p.observe(t, 1.5, false);
    expect(p.verdict(60_000)).toBeNull();
  });

  it('a jump faster than physics allows is implausible until the pump is seen stopped', () => {
    const p = new LevelPlausibility(limits);
    p.observe(0, 1.5, true);
    p.observe(1000, 0.5, true);
    expect(p.verdict(1000)).toMatchObject({ why: 'rate', perS: 1 });
    p.observe(2000, 0.5, false);
    expect(p.verdict(2000)).toBeNull();
  });

  it('a float switch that says dry while the transmitter says water is a disagreement', () => {
    const p = new LevelPlausibility(limits);
    expect(p.verdict(0, true, 1.5, 0.5)).toEqual({ why: 'float' });
    expect(p.verdict(0, true, 0.3, 0.5)).toBeNull();
  });
});
