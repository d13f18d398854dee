import { describe, expect, it } from 'vitest';
import { holdInForce, overHeldShare, planRecordingPause, stopOrder, type StoredHold } from './space-plan.ts';

const DAY = 86_400_000;
const hold = (over: Partial<StoredHold> = {}): StoredHold => ({ holder: 'export:a', cameraId: 'c', fromMs: 0, toMs: 10, untilMs: null, createdMs: 0, ...over });

describe('hold expiry', () => {
  it('keeps a hold younger than the hold days and lets an older one go', () => {
    expect(holdInForce(hold(), 89 * DAY, 90, () => false)).toBe(true);
    expect(holdInForce(hold(), 91 * DAY, 90, () => false)).toBe(false);
  });

  it('keeps an open incident past the hold days', () => {
    expect(holdInForce(hold({ holder: 'event:7' }), 400 * DAY, 90, (h) => h === 'event:7')).toBe(true);
  });

  it('ends a hold at its own end even for an open incident', () => {
    expect(holdInForce(hold({ untilMs: 5 * DAY }), 6 * DAY, 90, () => true)).toBe(false);
  });
});

describe('held share', () => {
  it('refuses a hold that takes held footage past the share', () => {
    expect(overHeldShare(250, 60, 1000, 30)).toBe(true);
    expect(overHeldShare(250, 50, 1000, 30)).toBe(false);
  });

  it('accepts a hold that adds no footage while under the share, and refuses any once it is full', () => {
    expect(overHeldShare(200, 0, 1000, 30)).toBe(false);
    expect(overHeldShare(300, 0, 1000, 30)).toBe(true);
  });
});

describe('recording pause under a full disk', () => {
  const cameras = [
    { id: 'gate', priority: 10 },
    { id: 'market', priority: 0 },
    { id: 'field', priority: 0 },
    { id: 'pump', priority: 5 },
  ];
  const base = { cameras, paused: [] as string[], shortBytes: 100, freePercent: 2, resumeFreePercent: 15, mayPauseMore: true };

  it('orders by priority, the later-configured first on ties', () => {
    expect(stopOrder(cameras).map((c) => c.id)).toEqual(['field', 'market', 'pump', 'gate']);
  });

  it('stops one more camera, lowest priority first, while still short', () => {
    expect(planRecordingPause(base)).toEqual(['field']);
    expect(planRecordingPause({ ...base, paused: ['field'] })).toEqual(['field', 'market']);
    expect(planRecordingPause({ ...base, paused: ['field', 'market', 'pump'] })).toEqual(['field', 'market', 'pump', 'gate']);
  });

  it('waits for the last pause to take effect before stopping another', () => {
    expect(planRecordingPause({ ...base, paused: ['field'], mayPauseMore: false })).toEqual(['field']);
  });

  it('keeps cameras paused between the watermark and the resume level, then resumes all', () => {
    expect(planRecordingPause({ ...base, paused: ['field'], shortBytes: 0, freePercent: 12 })).toEqual(['field']);
    expect(planRecordingPause({ ...base, paused: ['field', 'market'], shortBytes: 0, freePercent: 16 })).toEqual([]);
  });

  it('forgets a paused camera that no longer records', () => {
    expect(planRecordingPause({ ...base, paused: ['gone'], shortBytes: 0, freePercent: 12 })).toEqual([]);
  });
});
