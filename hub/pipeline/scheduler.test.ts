import { describe, expect, it } from 'vitest';
import { FairScheduler, fillBatch } from './scheduler.ts';

/** Serves one camera per tick at 10 ticks/s for `seconds`, every camera always waiting. */
function simulate(s: FairScheduler, ids: string[], seconds: number, start = 0): Map<string, number> {
  const served = new Map(ids.map((id) => [id, 0]));
  for (let t = start; t < start + seconds * 1000; t += 100) {
    for (const id of ids) s.arrived(id, t);
    const first = s.order(ids, t)[0]!;
    s.processed(first, t, true);
    served.set(first, served.get(first)! + 1);
  }
  return served;
}

describe('fair scheduler', () => {
  it('equal cameras share the detector equally', () => {
    const s = new FairScheduler();
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) s.add({ id, priority: 5, floorFps: 0 }, 0);
    const served = simulate(s, ids, 20);
    for (const id of ids) expect(Math.abs(served.get(id)! - 50)).toBeLessThanOrEqual(1);
  });

  it('under overload the low-priority camera degrades first, but is not starved', () => {
    const s = new FairScheduler();
    s.add({ id: 'gate', priority: 9, floorFps: 0 }, 0);
    s.add({ id: 'field', priority: 1, floorFps: 0 }, 0);
    const served = simulate(s, ['gate', 'field'], 30);
    expect(served.get('gate')!).toBeGreaterThan(3 * served.get('field')!);
    expect(served.get('field')!).toBeGreaterThan(0);
  });

  it('a camera under its floor is served first, ahead of higher priority', () => {
    const s = new FairScheduler(5000);
    s.add({ id: 'hi', priority: 10, floorFps: 0 }, 0);
    s.add({ id: 'lo', priority: 1, floorFps: 2 }, 0);
    for (let t = 0; t < 6000; t += 100) s.processed('hi', t, true);
    expect(s.order(['hi', 'lo'], 6000)[0]).toBe('lo');
  });

  it('raises a health alert below the floor and clears it when the rate comes back', () => {
    const s = new FairScheduler(2000);
    s.add({ id: 'cam', priority: 5, floorFps: 4 }, 0);
    for (let t = 0; t < 3000; t += 100) {
      s.arrived('cam', t);
      if (t % 1000 === 0) s.processed('cam', t, true);
    }
    expect(s.health(3000)).toEqual([{ cameraId: 'cam', belowFloor: true, detectFps: 1, floorFps: 4 }]);
    expect(s.health(3000)).toEqual([]);
    for (let t = 3000; t < 6000; t += 100) {
      s.arrived('cam', t);
      s.processed('cam', t, true);
    }
    expect(s.health(6000).map((h) => h.belowFloor)).toEqual([false]);
  });

  it('a camera whose own frames come slower than its floor raises no pipeline alert', () => {
    const s = new FairScheduler(2000);
    s.add({ id: 'cam', priority: 5, floorFps: 4 }, 0);
    for (let t = 0; t < 3000; t += 1000) {
      s.arrived('cam', t);
      s.processed('cam', t, true);
    }
    expect(s.health(3000)).toEqual([]);
  });

  it('fills a batch in order while images fit', () => {
    const n: Record<string, number> = { a: 2, b: 3, c: 1, d: 2 };
    expect(fillBatch(['a', 'b', 'c', 'd'], (id) => n[id]!, 4)).toEqual(['a', 'c']);
    expect(fillBatch(['b', 'a'], (id) => n[id]!, 1)).toEqual(['b']);
  });
});
