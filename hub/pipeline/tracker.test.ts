import { describe, expect, it } from 'vitest';
import { Tracker, type TrackerOptions } from './tracker.ts';
import type { Box } from './types.ts';

const opts: TrackerOptions = { cameraId: 'cam', iouThreshold: 0.2, maxMissed: 3, maxAgeMs: 5000, confirmHits: 3, confirmScore: 0.5, stationaryFrames: 5 };
const whole: Box[] = [[0, 0, 640, 360]];
const person = (x: number, score = 0.8, w = 40) => ({ label: 'person', score, box: [x, 100, x + w, 200] as Box });

describe('tracker', () => {
  it('keeps one id for an object walking across, and confirms it after three hits', () => {
    const t = new Tracker(opts);
    const ids = new Set<string>();
    const confirmedAt: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = t.update([person(50 + i * 15)], i * 200, whole);
      expect(r.objects).toHaveLength(1);
      ids.add(r.objects[0]!.trackId);
      if (r.objects[0]!.confirmed) confirmedAt.push(i);
    }
    expect(ids.size).toBe(1);
    expect(confirmedAt[0]).toBe(2);
  });

  it('two people crossing keep their own ids', () => {
    const t = new Tracker(opts);
    let first: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = t.update([person(50 + i * 20), { ...person(450 - i * 20), box: [450 - i * 20, 140, 490 - i * 20, 240] as Box }], i * 200, whole);
      const ids = r.objects.map((o) => `${o.trackId}@${Math.round(o.box[1])}`);
      if (i === 0) first = ids;
      else expect(ids).toEqual(first);
    }
  });

  it('a one-frame false positive is never confirmed, and leaves quietly', () => {
    const t = new Tracker(opts);
    t.update([person(300, 0.9)], 0, whole);
    t.update([], 200, whole);
    t.update([], 400, whole);
    const r = t.update([], 600, whole);
    expect(r.objects).toEqual([]);
  });

  it('low median score keeps an object unconfirmed however many hits', () => {
    const t = new Tracker(opts);
    let last;
    for (let i = 0; i < 10; i++) last = t.update([person(100, i % 4 === 0 ? 0.9 : 0.3)], i * 200, whole);
    expect(last!.objects[0]!.confirmed).toBe(false);
  });

  it('a confirmed object that disappears gets leftAt and is then dropped', () => {
    const t = new Tracker(opts);
    for (let i = 0; i < 4; i++) t.update([person(100)], i * 200, whole);
    t.update([], 1000, whole);
    t.update([], 1200, whole);
    const r = t.update([], 1400, whole);
    expect(r.objects).toHaveLength(1);
    expect(r.objects[0]!.leftAt).toBe(1400);
    expect(t.update([], 1600, whole).objects).toEqual([]);
  });

  it('an object outside the checked regions is not missed, only predicted', () => {
    const t = new Tracker(opts);
    for (let i = 0; i < 4; i++) t.update([person(100)], i * 200, whole);
    for (let i = 4; i < 10; i++) {
      const r = t.update([], i * 200, [[400, 0, 640, 240]]);
      expect(r.objects[0]!.leftAt).toBeUndefined();
    }
  });

  it('an object that stops moving becomes stationary', () => {
    const t = new Tracker(opts);
    let r;
    for (let i = 0; i < 5; i++) r = t.update([person(50 + i * 20)], i * 200, whole);
    expect(r!.objects[0]!.stationary).toBe(false);
    for (let i = 5; i < 11; i++) r = t.update([person(150 + (i % 2))], i * 200, whole);
    expect(r!.objects[0]!.stationary).toBe(true);
  });

  it('the best snapshot improves for a bigger, surer view and not for a worse one', () => {
    const t = new Tracker(opts);
    expect(t.update([person(100, 0.6, 30)], 0, whole).improved).toHaveLength(1);
    expect(t.update([person(100, 0.9, 45)], 200, whole).improved).toHaveLength(1);
    expect(t.update([person(100, 0.5, 30)], 400, whole).improved).toHaveLength(0);
  });

  it('between checks an object moves on with its velocity', () => {
    const t = new Tracker(opts);
    for (let i = 0; i < 4; i++) t.update([person(100 + i * 20)], i * 200, whole);
    const r = t.predict(1000);
    expect(r.objects[0]!.box[0]).toBeGreaterThan(170);
  });
  it('a candidate is settling (fast re-checks) until confirmed, and a flickering one only for a few looks', () => {
    const t = new Tracker(opts);
    t.update([person(100)], 0, whole);
    expect(t.regionTracks(200)[0]!.settling).toBe(true);
    t.update([person(100)], 200, whole);
    t.update([person(100)], 400, whole);
    expect(t.regionTracks(600)[0]!.settling).toBe(false);
    const f = new Tracker({ ...opts, maxMissed: 50 });
    for (let i = 0; i < 6; i++) f.update(i % 3 === 0 ? [person(300)] : [], i * 200, whole);
    expect(f.regionTracks(1200)[0]!.settling).toBe(false);
  });

  it('a stationary object re-checked rarely is kept past maxAgeMs, up to stationaryMaxAgeMs', () => {
    const t = new Tracker({ ...opts, stationaryMaxAgeMs: 20000 });
    for (let i = 0; i < 6; i++) t.update([person(100)], i * 200, whole);
    expect(t.predict(10000).objects[0]?.stationary).toBe(true);
    expect(t.predict(10000).objects[0]?.leftAt).toBeUndefined();
    expect(t.predict(22000).objects[0]?.leftAt).toBe(22000);
  });
  it('a confirmed still object that left and comes back in the same place is confirmed and still at once', () => {
    const t = new Tracker({ ...opts, stationaryMaxAgeMs: 20000 });
    for (let i = 0; i < 6; i++) t.update([person(100)], i * 200, whole);
    expect(t.update([person(100)], 1200, whole).objects[0]).toMatchObject({ confirmed: true, stationary: true });
    // Hidden: missed until it leaves.
    let at = 1400;
    for (let i = 0; i < opts.maxMissed; i++, at += 200) t.update([], at, whole);
    expect(t.regionTracks(at)).toHaveLength(0);
    const back = t.update([person(102)], at, whole).objects;
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ confirmed: true, stationary: true });
    // Elsewhere, or unsure, it is a new candidate.
    const u = t.update([person(102), person(400), person(250, 0.4)], at + 200, whole).objects;
    expect(u.filter((o) => o.confirmed)).toHaveLength(1);
  });

  it('a second box on a still confirmed object, and a one-hit flicker missed twice, get no fast re-checks', () => {
    const t = new Tracker(opts);
    for (let i = 0; i < 6; i++) t.update([person(100)], i * 200, whole);
    t.update([person(100, 0.8), { label: 'person', score: 0.6, box: [115, 100, 165, 200] }], 1200, whole);
    const echo = t.regionTracks(1400).find((r) => r.box[0] > 110)!;
    expect(echo.confirmed).toBe(false);
    expect(echo.settling).toBe(false);
    const f = new Tracker(opts);
    f.update([person(300)], 0, whole);
    f.update([], 200, whole);
    expect(f.regionTracks(400)[0]!.settling).toBe(true);
    f.update([], 400, whole);
    expect(f.regionTracks(600)[0]!.settling).toBe(false);
  });

  it('a still object stays still while its jittering box keeps its centre inside where it stood', () => {
    const t = new Tracker(opts);
    for (let i = 0; i < 6; i++) t.update([person(100)], i * 200, whole);
    expect(t.update([{ label: 'person', score: 0.8, box: [120, 110, 140, 200] }], 1200, whole).objects[0]!.stationary).toBe(true);
    // Walking off: the centre leaves the box.
    expect(t.update([person(160)], 1400, whole).objects[0]!.stationary).toBe(false);
  });

  it('an object scoring under the confirmation level is doubtful for its first looks, and no longer once a closer look confirms it', () => {
    const t = new Tracker(opts);
    t.update([person(500, 0.45, 14)], 0, whole);
    expect(t.regionTracks(200)[0]!.doubtful).toBe(true);
    t.update([person(502, 0.48, 14)], 200, whole);
    expect(t.regionTracks(400)[0]!.doubtful).toBe(true);
    // The zoomed crop's surer box (kept over the whole frame's by NMS) lifts the median.
    t.update([person(504, 0.72, 14)], 400, whole);
    t.update([person(506, 0.7, 14)], 600, whole);
    const [o] = t.update([person(508, 0.7, 14)], 800, whole).objects;
    expect(o!.confirmed).toBe(true);
    expect(t.regionTracks(1000)[0]!.doubtful).toBe(false);
    // A sure object is never doubtful.
    const sure = new Tracker(opts);
    sure.update([person(100, 0.8)], 0, whole);
    expect(sure.regionTracks(200)[0]!.doubtful).toBe(false);
  });

  it('a parked car keeps its place when a bigger car passes over it; the passer gets its own track', () => {
    const t = new Tracker(opts);
    const car = (box: Box, score = 0.8) => ({ label: 'car', score, box });
    const parked: Box = [300, 150, 360, 190];
    for (let i = 0; i < 8; i++) t.update([car(parked)], i * 200, whole);
    const still = t.update([car(parked)], 1600, whole).objects[0]!;
    expect(still.stationary).toBe(true);
    // A truck-sized car drives past, its box covering the parked one, which is hidden meanwhile.
    for (let i = 0; i < 2; i++) {
      const x = 250 + i * 20;
      const r = t.update([car([x, 120, x + 160, 220])], 1800 + i * 200, whole);
      const again = r.objects.find((o) => o.trackId === still.trackId);
      expect(again?.box).toEqual(parked);
      expect(r.objects.some((o) => o.trackId !== still.trackId && o.box[0] === x)).toBe(true);
    }
    // Out from behind it: the same parked car, where it stood.
    const after = t.update([car(parked), car([400, 120, 560, 220])], 2200, whole).objects;
    expect(after.find((o) => o.trackId === still.trackId)?.box).toEqual(parked);
    expect(after.find((o) => o.trackId === still.trackId)?.stationary).toBe(true);
  });
});
