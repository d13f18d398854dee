/**
 * The canal level band permissive end to end: a canal transmitter in the simulator (unit 6), read
 * over Modbus, refuses a pump start when the canal is outside its band, with the reason.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRuntime, startStation, stationConfig, waitFor, type Hub, type Line, type Station } from './harness.ts';
import { UNITS } from '../../hub/devices/sim/station-model.ts';

describe.each<Line>(['tcp', 'rtu'])('canal level band over Modbus %s', (line) => {
  let st: Station;
  let hub: Hub | undefined;

  beforeEach(async () => {
    st = await startStation(line);
  });
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    await st.close();
  });

  const start = async (canal: number): Promise<Hub> => {
    st.sim.model.canalLevel = canal;
    st.sim.model.refresh();
    const cfg = stationConfig(st.busSpec, {}, { canalMinM: 0.5, canalMaxM: 2.0 });
    cfg.devices!.push({ id: 'canal', name: 'Canal level', bus: 'line', unit: UNITS.canal, profile: 'level-4-20ma', intervalMs: 100, maxAgeMs: 600 });
    cfg.pumps![0]!.canalLevel = { device: 'canal', point: 'level' };
    hub = startRuntime(st.dir, cfg);
    const good = (d: string, p: string) => hub!.rt.store.get(d, p).quality === 'good';
    expect(await waitFor(() => [['drive', 'running'], ['level', 'level'], ['salinity', 'salinity'], ['io', 'input2'], ['canal', 'level']].every(([d, p]) => good(d!, p!)), 5000)).toBe(true);
    return hub;
  };

  it('a canal below its band refuses a start with the reason in both languages', async () => {
    const h = await start(0.3);
    expect(h.rt.store.get('canal', 'level').value).toBeCloseTo(0.3, 2);
    const r = await h.rt.command('pump', 'run', {}, 'user:lan');
    expect(r.status).toBe('refused');
    expect(r.reason?.en).toBe('blocked: canal level 0.30 m < 0.50 m');
    expect(r.reason?.vi).toBe('bị chặn: mực nước kênh 0,30 m < 0,50 m');
    expect(st.sim.model.running).toBe(false);
  });

  it('a canal above its band refuses a start; inside it the pump starts', async () => {
    const h = await start(2.4);
    expect((await h.rt.command('pump', 'run', {}, 'user:lan')).reason?.code).toBe('canal-high');
    expect(st.sim.model.running).toBe(false);
    st.sim.model.canalLevel = 1.2;
    st.sim.model.refresh();
    expect(await waitFor(() => Math.abs(Number(h.rt.store.get('canal', 'level').value) - 1.2) < 0.01)).toBe(true);
    expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    expect(st.sim.model.running).toBe(true);
  });
});
