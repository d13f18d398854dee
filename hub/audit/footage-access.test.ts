/**
 * The one footage-access policy as a pure core: once per user, item and window, the window
 * restarting once it has passed, a bounded memory that only ever errs towards one more row.
 */
import { describe, expect, it } from 'vitest';
import { FootageWindow } from './footage-access.ts';

describe('footage access window', () => {
  const clock = (start = 1_000_000) => {
    const c = { t: start, now: () => c.t };
    return c;
  };

  it('is due once per key within the window, and again once the window has passed', () => {
    const c = clock();
    const w = new FootageWindow(600_000, 100, c.now);
    expect(w.due('lan|segment:1')).toBe(true);
    w.mark('lan|segment:1');
    c.t += 599_999;
    expect(w.due('lan|segment:1')).toBe(false);
    expect(w.due('minh|segment:1')).toBe(true);
    expect(w.due('lan|segment:2')).toBe(true);
    c.t += 1;
    expect(w.due('lan|segment:1')).toBe(true);
  });

  it('does not slide: looks within a window do not push the next row further away', () => {
    const c = clock();
    const w = new FootageWindow(600_000, 100, c.now);
    w.mark('k');
    for (let i = 0; i < 5; i++) {
      c.t += 100_000;
      expect(w.due('k')).toBe(false);
    }
    c.t += 100_000;
    expect(w.due('k')).toBe(true);
  });

  it('keeps at most its capacity, forgetting expired pairs first and then the oldest', () => {
    const c = clock();
    const w = new FootageWindow(600_000, 3, c.now);
    w.mark('a');
    c.t += 700_000;
    w.mark('b');
    w.mark('c');
    w.mark('d'); // 'a' has expired: it goes, nothing live is forgotten
    expect(w.size()).toBe(3);
    expect(['b', 'c', 'd'].map((k) => w.due(k))).toEqual([false, false, false]);
    w.mark('e'); // full of live pairs: the oldest ('b') is forgotten and would be audited again
    expect(w.size()).toBe(3);
    expect(['b', 'c', 'd', 'e'].map((k) => w.due(k))).toEqual([true, false, false, false]);
  });
});
