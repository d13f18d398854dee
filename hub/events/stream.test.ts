import { describe, expect, it } from 'vitest';
import { EventStream } from './stream.ts';
import type { SecurityEvent } from './store.ts';

const ev = (id: number, tier: SecurityEvent['tier'] = 'alert'): SecurityEvent => ({ id, tier }) as SecurityEvent;

describe('event stream', () => {
  it('keeps at most its capacity per client, losing the oldest and counting them', async () => {
    let drops = 0;
    const s = new EventStream(
      () => 3,
      () => drops++,
    );
    const slow = s.subscribe();
    for (let i = 1; i <= 5; i++) s.publish('new', ev(i));
    expect([slow.length, slow.dropped, drops]).toEqual([3, 2, 2]);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await slow.next());
    expect(got.map((m) => (m as { event: SecurityEvent }).event.id)).toEqual([3, 4, 5]);
  });
  it('wakes a waiting client and ends it on close', async () => {
    const s = new EventStream(() => 10);
    const c = s.subscribe();
    const next = c.next();
    s.publish('updated', ev(7));
    expect(((await next) as { type: string }).type).toBe('updated');
    const pending = c.next();
    s.unsubscribe(c);
    expect(await pending).toBeUndefined();
    expect(s.size).toBe(0);
  });
  it('queues for a filtered client only what it asked for', () => {
    const s = new EventStream(() => 10);
    const alerts = s.subscribe((m) => m.event.tier === 'alert');
    s.publish('new', ev(1, 'detection'));
    s.publish('new', ev(2, 'alert'));
    expect(alerts.length).toBe(1);
  });
});
