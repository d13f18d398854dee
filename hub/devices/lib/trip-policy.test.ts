import { describe, expect, it } from 'vitest';
import { mayResetTrip, tripReset } from './trip-policy.ts';

describe('trip reset policy', () => {
  it('latches trips that may have harmed the motor or that nobody commanded', () => {
    for (const code of ['dry-run', 'dry-run-current', 'sensor-failsafe', 'max-run', 'uncommanded-start', 'unexpected-stop', 'something-new'])
      expect(tripReset(code)).toBe('acknowledge');
  });
  it('resets water-quality permissive trips by themselves', () => {
    for (const code of ['salinity-high', 'canal-low', 'canal-high']) expect(tripReset(code)).toBe('auto');
  });
  it('lets only a person acknowledge a latched trip', () => {
    expect(mayResetTrip('user:lan')).toBe(true);
    expect(mayResetTrip('rule:programme:p1')).toBe(false);
    expect(mayResetTrip('hub')).toBe(false);
  });
});
