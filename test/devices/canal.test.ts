/**
 * The canal level band permissive end to end: a canal transmitter in the simulator (unit 6), read
 * over Modbus, refuses a pump start when the canal is outside its band, with the reason.
 */
import { describe, expect, it } from 'vitest';
import { startRuntime, stationConfig, useStation, waitFor, type Hub, type Line } from './harness.ts';
import { UNITS } from '../../hub/devices/sim/station-model.ts';

describe.each<Line>(['tcp', 'rtu'])('canal level band over Modbus %s', (line) => {
  const t = useStation(line);

  const start = async (canal: number): Promise<Hub> => {
    t.st.sim.model.canalLevel = canal;
    t.st.sim.model.refresh();
    const cfg = stationConfig(t.st.busSpec, {}, { canalMinM: 0.5, canalMaxM: 2.0 });
    cfg.devices!.push({ id: 'canal', name: 'Canal level', bus: 'line', unit: UNITS.canal, profile: 'level-4-20ma', intervalMs: 100, maxAgeMs: 600 });
    cfg.pumps![0]!.canalLevel = { device: 'canal', point: 'level' };
    t.hub = startRuntime(t.st.dir, cfg);
    const good = (d: string, p: string) => t.hub!.rt.store.get(d, p).quality === 'good';
    expect(
      await waitFor(
        () =>
          [
            ['drive', 'running'],
            ['level', 'level'],
            ['salinity', 'salinity'],
            ['io', 'input2'],
            ['canal', 'level'],
          ].every(([d, p]) => good(d!, p!)),
        5000,
      ),
    ).toBe(true);
    return t.hub;
  };

  it('a canal below its band refuses a start with the reason in both languages', async () => {
    const h = await start(0.3);
    expect(h.rt.store.get('canal', 'level').value).toBeCloseTo(0.3, 2);
    const r = await h.rt.command('pump', 'run', {}, 'user:lan');
    expect(r.status).toBe('refused');
    expect(r.reason?.en).toBe('blocked: canal level 0.30 m < 0.50 m');
    expect(r.reason?.vi).toBe('bị chặn: mực nước kênh 0,30 m < 0,50 m');
    expect(t.st.sim.model.running).toBe(false);
  });

  it('a canal above its band refuses a start; inside it the pump starts', async () => {
    const h = await start(2.4);
    expect((await h.rt.command('pump', 'run', {}, 'user:lan')).reason?.code).toBe('canal-high');
    expect(t.st.sim.model.running).toBe(false);
    t.st.sim.model.canalLevel = 1.2;
    t.st.sim.model.refresh();
    expect(await waitFor(() => Math.abs(Number(h.rt.store.get('canal', 'level').value) - 1.2) < 0.01)).toBe(true);
    expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    expect(t.st.sim.model.running).toBe(true);
  });
});
