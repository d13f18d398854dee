import { describe, expect, it } from 'vitest';
import { lightingOn, programmeSteps, startsBetween, fromLocal, type Programme } from './schedule.ts';
import { sunTimes } from './sun.ts';

const TZ = 'Asia/Ho_Chi_Minh';
const v = (point: string) => ({ device: 'io', point });
const prog: Programme = {
  id: 'p',
  name: 'p',
  enabled: true,
  days: [1, 3, 5],
  starts: ['05:30', '17:00'],
  pump: 'pump',
  zones: [
    { valve: v('relay1'), minutes: 10 },
    { valve: v('relay2'), minutes: 5 },
  ],
};

describe('programmeSteps', () => {
  it('opens a valve before the pump starts and stops the pump before the last valve closes', () => {
    const ops = programmeSteps(prog).map((s) => ('valve' in s ? `${s.op}:${s.valve.point}` : s.op === 'wait' ? `wait:${s.ms / 60_000}` : s.op));
    expect(ops).toEqual(['open:relay1', 'pump-start', 'wait:10', 'open:relay2', 'close:relay1', 'wait:5', 'pump-stop', 'close:relay2']);
  });
});

describe('startsBetween', () => {
  it('finds local start times on the programme days only', () => {
    // 2024-03-18 is a Monday.
    const from = fromLocal(2024, 3, 18, 0, TZ);
    const starts = startsBetween(prog, from, from + 3 * 86_400_000, TZ).map((t) => new Date(t).toISOString());
    expect(starts).toEqual(['2024-03-17T22:30:00.000Z', '2024-03-18T10:00:00.000Z', '2024-03-19T22:30:00.000Z', '2024-03-20T10:00:00.000Z']);
  });
  it('excludes the window start and includes its end', () => {
    const at = fromLocal(2024, 3, 18, 5 * 60 + 30, TZ);
    expect(startsBetween(prog, at, at + 1000, TZ)).toEqual([]);
    expect(startsBetween(prog, at - 1000, at, TZ)).toEqual([at]);
  });
});

describe('sun and lighting', () => {
  it('puts sunrise and sunset at Trà Vinh around the solar noon that longitude and the equation of time give', () => {
    // Solar noon = 12:00 (UTC+7 meridian 105°E) - (106.3453 - 105) x 4 min + equation of time
    // (+7.5 min on 20 March, +1.7 min on 21 June); day length at 9.9°N: ~12 h 07 min at the
    // equinox, ~12 h 42 min at the June solstice (standard day-length tables, with refraction).
    const cases = [
      [3, 20, 7.5, 12 * 60 + 7],
      [6, 21, 1.7, 12 * 60 + 42],
    ] as const;
    for (const [month, day, eot, dayMin] of cases) {
      const s = sunTimes(fromLocal(2024, month, day, 12 * 60, TZ), 9.9347, 106.3453)!;
      const noon = fromLocal(2024, month, day, 12 * 60, TZ) + (-(106.3453 - 105) * 4 + eot) * 60_000;
      expect(Math.abs((s.sunrise + s.sunset) / 2 - noon)).toBeLessThan(1.5 * 60_000);
      expect(Math.abs((s.sunset - s.sunrise) / 60_000 - dayMin)).toBeLessThan(3);
    }
  });
  it('keeps lights on from sunset + offset through midnight to the morning off time', () => {
    const l = { id: 'l', name: 'l', enabled: true, output: v('relay8'), on: { sun: 'sunset' as const, offsetMin: 10 }, off: { at: '05:00' } };
    const at = (h: number, m = 0) => fromLocal(2024, 6, 21, h * 60 + m, TZ);
    expect(lightingOn(l, at(17, 0), TZ, 9.93, 106.35)).toBe(false);
    expect(lightingOn(l, at(18, 40), TZ, 9.93, 106.35)).toBe(true);
    expect(lightingOn(l, at(23, 59), TZ, 9.93, 106.35)).toBe(true);
    expect(lightingOn(l, fromLocal(2024, 6, 22, 4 * 60 + 59, TZ), TZ, 9.93, 106.35)).toBe(true);
    expect(lightingOn(l, fromLocal(2024, 6, 22, 5 * 60 + 1, TZ), TZ, 9.93, 106.35)).toBe(false);
  });
});
