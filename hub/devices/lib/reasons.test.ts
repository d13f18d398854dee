import { describe, expect, it } from 'vitest';
import { reasons } from './reasons.ts';

describe('reasons', () => {
  it('a salinity just above its limit is printed with the digits that show it above (2.05‰ > 2‰)', () => {
    expect(reasons.salinityHigh(2.05, 2)).toMatchObject({ en: 'blocked: salinity 2.05‰ > 2‰', vi: 'bị chặn: độ mặn 2,05‰ > 2‰' });
    expect(reasons.salinityHigh(3.4, 2).en).toBe('blocked: salinity 3.4‰ > 2‰');
    expect(reasons.salinityHigh(1.5004, 1.5).en).toBe('blocked: salinity 1.500‰ > 1.5‰');
  });
});
