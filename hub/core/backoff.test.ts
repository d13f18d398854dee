import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('grows exponentially and stops at the cap', () => {
    const top = () => 1;
    expect(backoffDelay(0, 1000, 30_000, top)).toBe(1000);
    expect(backoffDelay(3, 1000, 30_000, top)).toBe(8000);
    expect(backoffDelay(10, 1000, 30_000, top)).toBe(30_000);
  });
  it('spreads retries with jitter instead of a fixed delay', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) seen.add(backoffDelay(4, 1000, 30_000));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) expect(d).toBeGreaterThanOrEqual(500);
  });
});
