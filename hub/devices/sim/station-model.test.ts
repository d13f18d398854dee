import { describe, expect, it } from 'vitest';
import { CONTACTOR, RELAY_REGS, StationModel, UNITS } from './station-model.ts';

/** The relay module's WB-MR safe mode and power-up state, on the model's own clock (no I/O). */
describe('simulated relay module: safe mode and power-up state', () => {
  const closedContactor = (t0: number): StationModel => {
    const m = new StationModel();
    m.touched(UNITS.relay, t0);
    m.setCoil(UNITS.relay, CONTACTOR.coil, true);
    return m;
  };

  it('with safe mode set, relays drop once no request reached the module for longer than the timeout', () => {
    const m = closedContactor(1_000);
    expect(m.writeRegister(UNITS.relay, RELAY_REGS.safeModeS, 10)).toBe(true);
    m.step(100, 11_000); // exactly 10 s quiet: not yet
    expect(m.contactorRunning).toBe(true);
    m.step(100, 11_100);
    expect(m.contactorRunning).toBe(false);
    expect(m.relaySafeModeTrips).toEqual([{ atMs: 11_100, quietMs: 10_100 }]);
  });

  it('each request restarts the timer', () => {
    const m = closedContactor(1_000);
    m.writeRegister(UNITS.relay, RELAY_REGS.safeModeS, 10);
    for (let t = 2_000; t <= 60_000; t += 1_000) {
      m.touched(UNITS.relay, t - 500);
      m.step(1_000, t);
    }
    expect(m.contactorRunning).toBe(true);
    expect(m.relaySafeModeTrips).toEqual([]);
  });

  it('with safe mode at its factory 0 the relays stay as they are however long the module is left alone', () => {
    const m = closedContactor(1_000);
    m.step(100, 3_600_000);
    expect(m.contactorRunning).toBe(true);
    expect(m.relayQuietMs()).toBe(3_599_000);
  });

  it('at power-up the relays come back off with holding 6 at 0, and as they were with 1', () => {
    const m = closedContactor(1_000);
    m.writeRegister(UNITS.relay, RELAY_REGS.powerUpRestore, 1);
    m.powerCycleRelay();
    expect(m.contactorRunning).toBe(true);
    m.writeRegister(UNITS.relay, RELAY_REGS.powerUpRestore, 0);
    m.powerCycleRelay();
    expect(m.contactorRunning).toBe(false);
  });
});
