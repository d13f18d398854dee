import { describe, expect, it } from 'vitest';
import { startBlocker, tripReason, ruleStopBlocker, type PumpLimits, type PumpState } from './interlocks.ts';

const NOW = 1_700_000_000_000;
const limits: PumpLimits = {
  minRunMs: 60_000,
  minOffMs: 120_000,
  maxStartsPerHour: 3,
  maxRunMs: 3_600_000,
  dryRunLevelM: 0.5,
  dryRunCurrentA: 4,
  currentGraceMs: 10_000,
  salinityMaxPpt: 2,
  canalMinM: 0.3,
  canalMaxM: 2.5,
  sensorFailsafeMs: 10_000,
};
const good = (value: number) => ({ value, quality: 'good' as const, goodAt: NOW });
const stopped = (over: Partial<PumpState> = {}): PumpState => ({
  running: false,
  stoppedSince: NOW - 600_000,
  starts: [],
  fault: false,
  mode: 'auto',
  remote: true,
  driveReachable: true,
  intakeLevel: good(1.5),
  salinity: good(0.8),
  canalLevel: good(1.2),
  ...over,
});
const running = (over: Partial<PumpState> = {}): PumpState =>
  stopped({ running: true, runningSince: NOW - 120_000, stoppedSince: undefined, current: good(11), ...over });

describe('startBlocker', () => {
  it('allows a start when every permissive holds', () => {
    expect(startBlocker(stopped(), limits, NOW)).toBeNull();
  });
  it.each([
    ['salinity above the limit', { salinity: good(2.01) }, 'salinity-high'],
    ['intake below the dry-run level', { intakeLevel: good(0.49) }, 'dry-run'],
    ['canal below its band', { canalLevel: good(0.2) }, 'canal-low'],
    ['canal above its band', { canalLevel: good(2.6) }, 'canal-high'],
    ['a stale salinity reading', { salinity: { value: 0.5, quality: 'stale' as const, goodAt: NOW - 60_000 } }, 'sensor-not-good'],
    ['a level sensor that does not answer', { intakeLevel: { value: 1.5, quality: 'comm-fail' as const, goodAt: NOW - 1000 } }, 'sensor-not-good'],
    ['the minimum off time', { stoppedSince: NOW - 60_000 }, 'min-off'],
    ['the hourly start limit', { starts: [NOW - 3_500_000, NOW - 1_000_000, NOW - 10_000] }, 'max-starts'],
    ['a drive fault', { fault: true, faultCode: 18 }, 'drive-fault'],
    ['the selector in HAND', { mode: 'hand' as const }, 'not-auto'],
    ['the selector in OFF', { mode: 'off' as const }, 'not-auto'],
    ['local control at the drive', { remote: false }, 'local-control'],
    ['an unreachable drive', { driveReachable: false }, 'comm-loss'],
  ])('refuses on %s', (_name, over, code) => {
    expect(startBlocker(stopped(over), limits, NOW)?.code).toBe(code);
  });
  it('forgets starts older than an hour', () => {
    expect(startBlocker(stopped({ starts: [NOW - 3_700_000, NOW - 3_650_000, NOW - 3_600_001] }), limits, NOW)).toBeNull();
  });
  it('writes the reason as operators read it, in both languages', () => {
    const r = startBlocker(stopped({ salinity: good(3.4) }), limits, NOW)!;
    expect(r.en).toBe('blocked: salinity 3.4‰ > 2‰');
    expect(r.vi).toBe('bị chặn: độ mặn 3,4‰ > 2‰');
  });
});

describe('tripReason', () => {
  it('lets a healthy pump run', () => {
    expect(tripReason(running(), limits, NOW)).toBeNull();
  });
  it('trips on a dry intake, on salt, on low current after the grace, and on the maximum run', () => {
    expect(tripReason(running({ intakeLevel: good(0.4) }), limits, NOW)?.code).toBe('dry-run');
    expect(tripReason(running({ salinity: good(2.5) }), limits, NOW)?.code).toBe('salinity-high');
    expect(tripReason(running({ current: good(2) }), limits, NOW)?.code).toBe('dry-run-current');
    expect(tripReason(running({ current: good(2), runningSince: NOW - 5_000 }), limits, NOW)).toBeNull();
    expect(tripReason(running({ runningSince: NOW - 3_600_000 }), limits, NOW)?.code).toBe('max-run');
  });
  it('stops on a sensor that has not been good for the failsafe time, not before', () => {
    const quiet = (ms: number) => running({ intakeLevel: { value: 1.5, quality: 'comm-fail', goodAt: NOW - ms } });
    expect(tripReason(quiet(9_000), limits, NOW)).toBeNull();
    expect(tripReason(quiet(10_000), limits, NOW)?.code).toBe('sensor-failsafe');
    expect(tripReason(running({ salinity: { value: null, quality: 'stale' } }), limits, NOW)?.code).toBe('sensor-failsafe');
  });
  it('never trips a stopped pump', () => {
    expect(tripReason(stopped({ intakeLevel: good(0) }), limits, NOW)).toBeNull();
  });
});

describe('ruleStopBlocker', () => {
  it('holds a rule stop until the minimum run time has passed', () => {
    expect(ruleStopBlocker(running({ runningSince: NOW - 30_000 }), limits, NOW)?.code).toBe('min-run');
    expect(ruleStopBlocker(running({ runningSince: NOW - 60_000 }), limits, NOW)).toBeNull();
  });
});
