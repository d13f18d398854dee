import { describe, expect, it } from 'vitest';
import { EventStream } from './stream.ts';
import type { SecurityEvent } from './store.ts';

const ev = (id: number): SecurityEvent => ({ id } as SecurityEvent);

describe('event stream', () => {
  it('keeps at most its capacity per client, losing the oldest and counting them', async () => {
    let drops = 0;
    const s = new EventStream(() => 3, () => drops++);
    const slow = s.subscribe();
    for (let i = 1; i <= 5; i++) s.publish('new', ev(i));
    expect([slow.length, slow.dropped, drops]).toEqual([3, 2, 2]);
    const got = [await slow.next(), await slow.next(), await slow.next()].map((m) => m!.event.id);
    expect(got).toEqual([3, 4, 5]);
  });
  it('wakes a waiting client and ends it on close', async () => {
    const s = new EventStream(() => 10);
    const c = s.subscribe();
    const next = c.next();
    s.publish('updated', ev(7));
    expect((await next)!.type).toBe('updated');
    const pending = c.next();
    s.unsubscribe(c);
    expect(await pending).toBeUndefined();
    expect(s.size).toBe(0);
  });
});
