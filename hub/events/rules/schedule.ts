/**
 * Weekly time windows in local time. Uses Intl with the IANA zone name, so no tz data download;
 * Asia/Ho_Chi_Minh has no daylight saving, but any zone Intl knows works.
 */
import { WEEKDAYS, type ScheduleWindow } from '../config.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

/** Day of week (0 = Sunday) and minute of day at `atMs` in zone `tz`. */
export function localTime(atMs: number, tz: string): { day: number; minute: number } {
  let weekday = '';
  let hour = 0;
  let minute = 0;
  for (const part of formatter(tz).formatToParts(atMs)) {
    if (part.type === 'weekday') weekday = part.value.toLowerCase();
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  const day = WEEKDAYS.indexOf(weekday as (typeof WEEKDAYS)[number]);
  if (day < 0) throw new Error(`events: cannot read the weekday "${weekday}" in zone ${tz}`);
  return { day, minute: hour * 60 + minute };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * Whether `atMs` falls in one of the windows. A window whose end is before its start runs past
 * midnight and belongs to the day it starts on (Monday 22:00-05:00 covers Tuesday 03:00).
 * No windows (undefined) means always.
 */
export function inSchedule(windows: readonly ScheduleWindow[] | undefined, atMs: number, tz: string): boolean {
  if (!windows) return true;
  const { day, minute } = localTime(atMs, tz);
  const yesterday = (day + 6) % 7;
  for (const w of windows) {
    const from = minutes(w.from);
    const to = minutes(w.to);
    const days = w.days.map((d) => WEEKDAYS.indexOf(d));
    if (from < to) {
      if (days.includes(day) && minute >= from && minute < to) return true;
    } else if (from > to) {
      if (days.includes(day) && minute >= from) return true;
      if (days.includes(yesterday) && minute < to) return true;
    } else if (days.includes(day)) return true; // from == to: the whole day
  }
  return false;
}

/** Validates a zone name once at start-up (Intl throws RangeError for unknown zones). */
export function checkTimeZone(tz: string): void {
  try {
    formatter(tz);
  } catch {
    throw new Error(`events: unknown time zone "${tz}" (hub.timezone)`);
  }
}
