import { describe, expect, it } from 'vitest';
import { inSchedule, localTime } from './schedule.ts';

const TZ = 'Asia/Ho_Chi_Minh';
// 2025-03-03 is a Monday. Vietnam is UTC+7 all year.
const at = (iso: string): number => Date.parse(iso);

describe('localTime', () => {
  it('reads the weekday and minute in Vietnam time, not UTC', () => {
    // 20:30 UTC on Monday is 03:30 on Tuesday in Hanoi.
    expect(localTime(at('2025-03-03T20:30:00Z'), TZ)).toEqual({ day: 2, minute: 210 });
  });
});

describe('inSchedule', () => {
  const night = [{ days: ['mon' as const], from: '22:00', to: '05:00' }];
  it('covers the small hours of the next day for a window past midnight', () => {
    expect(inSchedule(night, at('2025-03-03T20:30:00Z'), TZ)).toBe(true); // Tue 03:30 local
    expect(inSchedule(night, at('2025-03-03T15:30:00Z'), TZ)).toBe(true); // Mon 22:30 local
  });
  it('excludes the rest of the day and other days', () => {
    expect(inSchedule(night, at('2025-03-03T08:00:00Z'), TZ)).toBe(false); // Mon 15:00
    expect(inSchedule(night, at('2025-03-04T15:30:00Z'), TZ)).toBe(false); // Tue 22:30
    expect(inSchedule(night, at('2025-03-02T20:30:00Z'), TZ)).toBe(false); // Mon 03:30 (Sunday's night)
  });
  it('treats no schedule as always', () => {
    expect(inSchedule(undefined, 0, TZ)).toBe(true);
  });
});
