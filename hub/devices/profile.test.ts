import { describe, expect, it } from 'vitest';
import { derive, PROFILES } from './profile.ts';

describe('schneider-atv320 status word decoding (CiA402 states in ETA)', () => {
  const atv = PROFILES['schneider-atv320'];
  const d = (name: string, eta: number) => derive(atv.derived[name]!, eta);

  it.each([
    [0x0250, 'switch on disabled', false, false],
    [0x0231, 'ready to switch on', false, false],
    [0x0233, 'switched on', false, false],
    [0x0237, 'operation enabled', true, false],
    [0x0217, 'quick stop active', false, false],
    [0x0218, 'fault', false, true],
  ])('ETA %s (%s): running %s, fault %s', (eta, _state, running, fault) => {
    expect(d('running', eta)).toBe(running);
    expect(d('fault', eta)).toBe(fault);
  });

  it('reads bit 9 as remote and never writes CMD as its heartbeat', () => {
    expect([d('remote', 0x0237), d('remote', 0x0037)]).toEqual([true, false]);
    expect(atv.heartbeat?.point).toBe('freqRef');
    expect(atv.points.command!.access).toBe('w');
  });
});
