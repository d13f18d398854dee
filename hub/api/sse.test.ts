import { describe, expect, it } from 'vitest';
import { SseChannel, sseFrame } from './sse.ts';

describe('SSE channel', () => {
  it("bounds each client's queue, dropping the oldest and reporting each drop", async () => {
    const ch = new SseChannel<number>('test', () => 3);
    const drops: number[] = [];
    ch.onDrop((c) => drops.push(c.dropped));
    const slow = ch.subscribe();
    const fast = ch.subscribe();
    const taken: unknown[] = [];
    for (let i = 1; i <= 5; i++) {
      ch.publish(i);
      taken.push(await fast.next());
    }
    expect(taken).toEqual([1, 2, 3, 4, 5]);
    expect([slow.length, slow.dropped, fast.dropped, drops]).toEqual([3, 2, 0, [1, 2]]);
    expect([await slow.next(), await slow.next(), await slow.next()]).toEqual([3, 4, 5]);
  });

  it('answers idle when nothing comes in time, and ends a waiting client on close', async () => {
    const ch = new SseChannel<string>('test', () => 10);
    const c = ch.subscribe();
    expect(typeof (await c.next(10))).toBe('symbol');
    const pending = c.next();
    ch.unsubscribe(c);
    expect(await pending).toBeUndefined();
    expect(ch.size).toBe(0);
  });

  it('filters before queueing, so unwanted messages take no place', () => {
    const ch = new SseChannel<number>('test', () => 2);
    const even = ch.subscribe((n) => n % 2 === 0);
    for (let i = 1; i <= 4; i++) ch.publish(i);
    expect([even.length, even.dropped]).toEqual([2, 0]);
  });

  it('writes multi-line data as several data lines and refuses a newline in the event name', () => {
    expect(sseFrame({ event: 'new', id: '7', data: 'a\nb' })).toBe('event: new\nid: 7\ndata: a\ndata: b\n\n');
    expect(() => sseFrame({ event: 'x\ny', data: '' })).toThrow(/one line/);
  });
});
