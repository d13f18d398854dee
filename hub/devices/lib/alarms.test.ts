import { describe, expect, it } from 'vitest';
import { AlarmBook, alarmState, type LimitRule } from './alarms.ts';

const rule: LimitRule = { id: 'sal', deviceId: 'probe', point: 'salinity', high: 2, hysteresis: 0.2, delayMs: 5_000, severity: 'warning' };

describe('AlarmBook', () => {
  it('raises a high alarm only after the on-delay', () => {
    const b = new AlarmBook();
    expect(b.evaluate(0, rule, 2.5, true)).toEqual([]);
    expect(b.evaluate(4_999, rule, 2.5, true)).toEqual([]);
    expect(b.evaluate(5_000, rule, 2.5, true).map((c) => c.type)).toEqual(['raised']);
  });
  it('restarts the delay when the value dips back', () => {
    const b = new AlarmBook();
    b.evaluate(0, rule, 2.5, true);
    b.evaluate(3_000, rule, 1.5, true);
    expect(b.evaluate(6_000, rule, 2.5, true)).toEqual([]);
  });
  it('clears only below the deadband, and never on a bad reading', () => {
    const b = new AlarmBook();
    b.evaluate(0, rule, 2.5, true);
    b.evaluate(5_000, rule, 2.5, true);
    expect(b.evaluate(6_000, rule, 1.9, true)).toEqual([]);
    expect(b.evaluate(7_000, rule, 0.1, false)).toEqual([]);
    expect(b.evaluate(8_000, rule, 1.7, true).map((c) => c.type)).toEqual(['cleared']);
  });
  it('goes active → acknowledged → removed when cleared, or cleared → removed when acknowledged', () => {
    const b = new AlarmBook();
    b.raise(0, { id: 'x', kind: 'comm-loss', severity: 'warning', deviceId: 'd', message: { en: '', vi: '' } });
    expect(alarmState(b.get('x')!)).toBe('active');
    b.acknowledge(1, 'x', 'user:lan');
    expect(alarmState(b.get('x')!)).toBe('acknowledged');
    expect(b.clear(2, 'x').map((c) => c.type)).toEqual(['cleared', 'removed']);
    b.raise(3, { id: 'y', kind: 'trip', severity: 'critical', deviceId: 'd', message: { en: '', vi: '' } });
    b.clear(4, 'y');
    expect(alarmState(b.get('y')!)).toBe('cleared');
    expect(b.acknowledge(5, 'y', 'user:lan').map((c) => c.type)).toEqual(['acknowledged', 'removed']);
    expect(b.list()).toEqual([]);
  });
});
