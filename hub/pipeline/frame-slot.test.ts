import { expect, it } from 'vitest';
import { LatestSlot } from './frame-slot.ts';

it('a full slot keeps only the newest item and counts each displaced one as dropped', () => {
  const slot = new LatestSlot<number>();
  for (let i = 1; i <= 5; i++) slot.put(i);
  expect(slot.stats()).toEqual({ put: 5, dropped: 4, holding: 1 });
  expect(slot.take()).toBe(5);
  expect(slot.take()).toBeUndefined();
  slot.put(6);
  expect(slot.stats().dropped).toBe(4);
});
