/**
 * The Schneider ATV320 profile against the simulator's ATV320-like drive (unit 5) over Modbus TCP
 * and RTU: status decoding, the CiA402 run/stop/reset sequences verified by read-back, the
 * frequency reference, commissioning of the Modbus time-out, and the drive's own refusals (fault,
 * forced local) surfacing as pump interlocks.
 */
import { describe, expect, it } from 'vitest';
import { startRuntime, stationConfig, useStation, waitFor, type Hub, type Line } from './harness.ts';
import { UNITS } from '../../hub/devices/sim/station-model.ts';
import { ATV } from '../../hub/devices/sim/atv-drive.ts';

describe.each<Line>(['tcp', 'rtu'])('ATV320 profile over Modbus %s', (line) => {
  const t = useStation(line);

  const atv = () => t.st.sim.model.atv;
  const start = async (): Promise<Hub> => {
    // A long failsafe: a loaded test machine must not trip the pump under these profile checks.
    const cfg = stationConfig(t.st.busSpec, {}, { sensorFailsafeS: 10 });
    cfg.devices![0] = { id: 'atv', name: 'ATV320', bus: 'line', unit: UNITS.atv, profile: 'schneider-atv320', intervalMs: 100, maxAgeMs: 600 };
    cfg.pumps![0]!.drive = 'atv';
    t.hub = startRuntime(t.st.dir, cfg);
    const good = (d: string, p: string) => t.hub!.rt.store.get(d, p).quality === 'good';
    expect(
      await waitFor(
        () =>
          [
            ['atv', 'running'],
            ['level', 'level'],
            ['salinity', 'salinity'],
            ['io', 'input2'],
          ].every(([d, p]) => good(d!, p!)),
        5000,
      ),
    ).toBe(true);
    return t.hub;
  };
  const v = (p: string) => t.hub!.rt.store.get('atv', p).value;

  it('decodes ETA and the measurements, and commissions the Modbus time-out', async () => {
    await start();
    expect(v('status')).toBe(0x0250); // switch on disabled, voltage enabled, remote
    expect([v('running'), v('fault'), v('remote')]).toEqual([false, false, true]);
    expect(v('freqRef')).toBe(50);
    expect(v('mainsVoltage')).toBe(380);
    expect(await waitFor(() => atv().regs.get(ATV.TTO) === 30, 3000)).toBe(true); // 3.0 s in 0.1 s
    expect(await waitFor(() => t.hub!.audit.query({ action: 'pump.commission' })[0])).toMatchObject({ result: 'ok' });
  });

  it('run walks the CiA402 states (6, 7, 15) and is verified; stop disables operation (7)', async () => {
    const h = await start();
    const r = await h.rt.command('pump', 'run', {}, 'user:lan');
    expect(r).toMatchObject({ ok: true, status: 'done' });
    expect(atv().state).toBe('operation-enabled');
    expect(atv().cmdLog).toEqual([6, 7, 15]);
    expect(await waitFor(() => v('frequency') === 50 && v('current') === 8.5)).toBe(true);
    expect((await h.rt.command('pump', 'setFrequency', { hz: 35.5 }, 'user:lan')).ok).toBe(true);
    expect(atv().regs.get(ATV.LFR)).toBe(355);
    expect((await h.rt.command('pump', 'stop', {}, 'user:lan')).ok).toBe(true);
    expect(atv().state).toBe('switched-on');
    expect(atv().cmdLog.at(-1)).toBe(7);
  });

  it('a drive fault refuses a start with its code; reset (bit 7) clears it once stopped', async () => {
    const h = await start();
    atv().trip(16);
    expect(await waitFor(() => v('fault') === true)).toBe(true);
    const r = await h.rt.command('pump', 'run', {}, 'user:lan');
    expect(r.reason).toMatchObject({ code: 'drive-fault', en: 'blocked: drive reports fault 16' });
    expect(await waitFor(() => h.rt.alarms().some((a) => a.id === 'pump:fault'))).toBe(true);
    expect((await h.rt.command('pump', 'reset', {}, 'user:lan')).ok).toBe(true);
    expect(atv().state).toBe('switch-on-disabled');
    expect(await waitFor(() => v('fault') === false)).toBe(true);
    expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    expect((await h.rt.command('pump', 'reset', {}, 'user:lan')).reason?.code).toBe('reset-while-running');
    expect(atv().running).toBe(true);
  });

  it('forced local (ETA bit 9 off) refuses a start as local control', async () => {
    const h = await start();
    atv().local = true;
    atv().refresh();
    expect(await waitFor(() => v('remote') === false)).toBe(true);
    expect((await h.rt.command('pump', 'run', {}, 'user:lan')).reason?.code).toBe('local-control');
    expect(atv().cmdLog).toEqual([]);
  });
});
