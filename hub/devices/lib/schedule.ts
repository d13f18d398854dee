/**
 * Irrigation programmes and lighting schedules as data and pure functions: which starts fall in a
 * time window (local time of the hub's zone), the ordered steps of a programme run (the pump is
 * the master: it starts after a valve is open and stops before the last valve closes), and
 * whether a light should be on at an instant (clock times or sunrise/sunset offsets).
 */
import { sunTimes } from './sun.ts';

export interface OutputRef {
  device: string;
  point: string;
}

export interface Programme {
  id: string;
  name: string;
  enabled: boolean;
  /** 0 = Sunday ... 6 = Saturday. */
  days: number[];
  /** Local "HH:MM". */
  starts: string[];
  zones: Array<{ valve: OutputRef; minutes: number }>;
  /** The pump (id in devices.pumps) that feeds the zones; null for gravity-fed zones. */
  pump: string | null;
}

export type TimeSpec = { at: string } | { sun: 'sunrise' | 'sunset'; offsetMin: number };

export interface LightingSchedule {
  id: string;
  name: string;
  enabled: boolean;
  output: OutputRef;
  on: TimeSpec;
  off: TimeSpec;
}

export type Step =
  | { op: 'open'; valve: OutputRef; zone: number }
  | { op: 'close'; valve: OutputRef; zone: number }
  | { op: 'pump-start' }
  | { op: 'pump-stop' }
  | { op: 'wait'; ms: number; zone: number };

/**
 * The steps of one run. Between zones the next valve opens before the previous closes, so a
 * running pump never pushes against closed valves.
 */
export function programmeSteps(p: Programme, minuteMs = 60_000): Step[] {
  const steps: Step[] = [];
  p.zones.forEach((z, i) => {
    steps.push({ op: 'open', valve: z.valve, zone: i });
    if (i === 0 && p.pump) steps.push({ op: 'pump-start' });
    const prev = p.zones[i - 1];
    if (prev) steps.push({ op: 'close', valve: prev.valve, zone: i - 1 });
    steps.push({ op: 'wait', ms: z.minutes * minuteMs, zone: i });
  });
  const last = p.zones.length - 1;
  const lastZone = p.zones[last];
  if (lastZone) {
    if (p.pump) steps.push({ op: 'pump-stop' });
    steps.push({ op: 'close', valve: lastZone.valve, zone: last });
  }
  return steps;
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  dow: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of `ms` in time zone `tz`. */
export function localTime(ms: number, tz: string): LocalTime {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const dow = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? '');
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), dow, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Epoch ms of a local wall-clock time in `tz` (fine for zones without DST gaps at that time). */
export function fromLocal(year: number, month: number, day: number, minutes: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, 0, minutes);
  const l = localTime(guess, tz);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, 0, l.minutes);
  return guess - (asUtc - guess);
}

export function parseHm(hm: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hm);
  if (!m) throw new Error(`devices: "${hm}" is not a HH:MM time`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Starts of `p` in (fromMs, toMs], oldest first. */
export function startsBetween(p: Programme, fromMs: number, toMs: number, tz: string): number[] {
  if (!p.enabled || toMs <= fromMs) return [];
  const out: number[] = [];
  // Walk the local dates the window touches (plus one either side for zone offsets).
  for (let t = fromMs - 86_400_000; t <= toMs + 86_400_000; t += 86_400_000) {
    const d = localTime(t, tz);
    if (!p.days.includes(d.dow)) continue;
    for (const s of p.starts) {
      const at = fromLocal(d.year, d.month, d.day, parseHm(s), tz);
      if (at > fromMs && at <= toMs && !out.includes(at)) out.push(at);
    }
  }
  return out.sort((a, b) => a - b);
}

function resolve(spec: TimeSpec, year: number, month: number, day: number, tz: string, lat: number, lon: number): number | null {
  if ('at' in spec) return fromLocal(year, month, day, parseHm(spec.at), tz);
  const noon = fromLocal(year, month, day, 12 * 60, tz);
  const sun = sunTimes(noon, lat, lon);
  if (!sun) return null;
  return sun[spec.sun] + spec.offsetMin * 60_000;
}

/**
 * Whether the light should be on at `now`: on from today's "on" time to the next "off" time (which
 * may fall after midnight, e.g. on at sunset, off at 05:00).
 */
export function lightingOn(s: LightingSchedule, now: number, tz: string, lat: number, lon: number): boolean {
  if (!s.enabled) return false;
  for (const back of [0, 1]) {
    const d = localTime(now - back * 86_400_000, tz);
    const on = resolve(s.on, d.year, d.month, d.day, tz, lat, lon);
    if (on === null) continue;
    let off = resolve(s.off, d.year, d.month, d.day, tz, lat, lon);
    if (off === null) continue;
    if (off <= on) {
      const n = localTime(on + 86_400_000, tz);
      off = resolve(s.off, n.year, n.month, n.day, tz, lat, lon) ?? off + 86_400_000;
    }
    if (now >= on && now < off) return true;
  }
  return false;
}
