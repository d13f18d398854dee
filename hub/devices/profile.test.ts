import { describe, expect, it } from 'vitest';
import { derive, polledPoints, PROFILES } from './profile.ts';
import { planReads } from './lib/registers.ts';

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

describe('wb-mr6c (Wiren Board WB-MR6C relay module)', () => {
  const wb = PROFILES['wb-mr6c'];

  it('arms the safe mode (holding 8, seconds) and switches the relays off at power-up (holding 6 = 0), as its watchdog', () => {
    const regs = (wb.commLossWatchdog ?? []).map((w) => [wb.points[w.point]?.table, wb.points[w.point]?.address, w.value]);
    expect(regs).toEqual([
      ['holding', 8, 10],
      ['holding', 6, 0],
    ]);
  });

  it('polls holding 6 and 8 in separate reads, never spanning the undocumented register 7', () => {
    const holding = planReads(polledPoints(wb), { maxRegisters: wb.maxRegisters, maxBits: 256, maxGap: 4 }).filter((b) => b.table === 'holding');
    expect(holding.map((b) => [b.address, b.count])).toEqual([
      [6, 1],
      [8, 1],
    ]);
  });
});
