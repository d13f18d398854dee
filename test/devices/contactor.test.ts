/**
 * A pump with no drive, switched by a contactor on a relay output, over real Modbus (TCP and RTU
 * on a socat pty pair): it is held to the same safety rules as a drive, its output cannot be
 * written by anything but the pump's own commands, and a hub restart never re-energises it.
 */
import { describe, expect, it } from 'vitest';
import { contactorPump, startRuntime, stationConfig, useStation, waitFor, waitPolls, waitTicks, type Hub, type Line } from './harness.ts';
import { DeviceCommandError } from '../../hub/devices/command-result.ts';
import { OutputReserved, writePoint } from '../../hub/devices/device-io.ts';
import { CONTACTOR, UNITS } from '../../hub/devices/sim/station-model.ts';
import { RelayAlarm } from '../../hub/events/alarm.ts';
import { createLogger } from '../../hub/core/log.ts';

describe.each<Line>(['tcp', 'rtu'])('contactor pump over Modbus %s', (line) => {
  const t = useStation(line);

  const coil = () => t.st.sim.model.coils.get(UNITS.relay)![CONTACTOR.coil];
  const start = async (limits: Record<string, unknown> = {}): Promise<Hub> => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec, { pumps: [contactorPump(limits)] }));
    const good = (d: string, p: string) => t.hub!.rt.store.get(d, p).quality === 'good';
    expect(await waitFor(() => good('io', 'input3') && good('io', 'input4') && good('level', 'level') && good('salinity', 'salinity'), 5000)).toBe(true);
    return t.hub;
  };

  it('a run command closes the contactor and is verified on its auxiliary contact', async () => {
    const h = await start();
    const r = await h.rt.command('pump2', 'run', {}, 'user:lan');
    expect(r).toMatchObject({ ok: true, status: 'done' });
    expect(coil()).toBe(true);
    expect(t.st.sim.model.contactorRunning).toBe(true);
    expect(h.audit.query({ target: 'pump:pump2', action: 'pump.run' })[0]).toMatchObject({ actor: 'user:lan', result: 'ok' });
    expect((await h.rt.command('pump2', 'stop', {}, 'user:lan')).ok).toBe(true);
    expect(coil()).toBe(false);
  });

  it('a direct set-output on the contactor channel is refused with the reason; setOutput rejects; the coil stays off', async () => {
    const h = await start();
    const err = await h.rt.setOutput('io', 'relay3', true, 'user:lan').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceCommandError);
    const r = (err as DeviceCommandError).result;
    expect(r.status).toBe('refused');
    expect(r.reason?.en).toBe('refused: io.relay3 switches the contactor of pump "Pump 2"; use the pump\'s run/stop commands');
    expect(r.reason?.vi).toBe('từ chối: io.relay3 đóng cắt công-tắc-tơ của bơm "Pump 2"; hãy dùng lệnh chạy/dừng của bơm');
    await expect(h.rt.setOutput('io', 'relay3', true, 'rule:x')).rejects.toBeInstanceOf(DeviceCommandError);
    // Below the service: a raw point write without the pump's key is refused too.
    await expect(writePoint(h.rt.devs.get('io')!, 'relay3', true)).rejects.toBeInstanceOf(OutputReserved);
    await waitPolls(h.rt, 'io', 2);
    expect(coil()).toBe(false);
    expect(h.audit.query({ target: 'device:io' })[0]).toMatchObject({ result: 'refused', action: 'device.output' });
    // Other channels of the same module still work.
    expect((await h.rt.setOutput('io', 'relay1', true, 'user:lan')).ok).toBe(true);
  });

  it("the events subsystem's siren path cannot switch the contactor", async () => {
    const h = await start();
    const lines: string[] = [];
    const alarm = new RelayAlarm(
      createLogger('events', (l) => lines.push(l)),
      () => h.rt,
    );
    alarm.raise({ device: 'io', output: 'relay3', seconds: 0.2 }, 'rule:intrusion');
    expect(await waitFor(() => lines.some((l) => l.includes('ERROR')), 2000)).toBe(true);
    expect(lines.find((l) => l.includes('ERROR'))).toContain('switches the contactor of pump');
    alarm.stop();
    expect(coil()).toBe(false);
  });

  it('salinity above the threshold refuses a contactor start with the reason', async () => {
    t.st.sim.model.salinityOverride = 3.4;
    const h = await start();
    const r = await h.rt.command('pump2', 'run', {}, 'user:lan');
    expect(r.status).toBe('refused');
    expect(r.reason?.en).toBe('blocked: salinity 3.4‰ > 2‰');
    expect(r.reason?.vi).toBe('bị chặn: độ mặn 3,4‰ > 2‰');
    await waitPolls(h.rt, 'io', 2);
    expect(coil()).toBe(false);
  });

  it('a tripped thermal overload refuses a start as a fault', async () => {
    t.st.sim.model.overload = true;
    t.st.sim.model.refresh();
    const h = await start();
    expect(await waitFor(() => h.rt.store.get('io', 'input4').value === true)).toBe(true);
    const r = await h.rt.command('pump2', 'run', {}, 'user:lan');
    expect(r.reason?.code).toBe('drive-fault');
    expect(coil()).toBe(false);
  });

  it('a falling intake level trips dry-run protection and opens the contactor', async () => {
    const h = await start();
    expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
    t.st.sim.model.drawMps = 2;
    expect(await waitFor(() => coil() === false, 5000)).toBe(true);
    const stop = await waitFor(() => h.audit.query({ target: 'pump:pump2', action: 'pump.stop' })[0]);
    expect(stop?.actor).toBe('rule:safety:pump2');
    expect(JSON.stringify(stop?.detail)).toContain('dry-run');
  });

  it('the stale-sensor failsafe opens the contactor when the salinity probe goes quiet', async () => {
    const h = await start();
    expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
    t.st.sim.model.silent.add(UNITS.salinity);
    expect(await waitFor(() => coil() === false, 5000)).toBe(true);
    const stop = await waitFor(() => h.audit.query({ target: 'pump:pump2', action: 'pump.stop' })[0]);
    expect(JSON.stringify(stop?.detail)).toContain('sensor-failsafe');
  });

  it('starts beyond the per-hour limit and a restart inside the minimum off time are refused', async () => {
    const h = await start({ maxStartsPerHour: 1 });
    expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
    expect((await h.rt.command('pump2', 'stop', {}, 'user:lan')).ok).toBe(true);
    expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).reason?.code).toBe('max-starts');
    await h.stop();
    t.hub = undefined;
    const h2 = await start({ minOffS: 60, maxStartsPerHour: 5 });
    expect((await h2.rt.command('pump2', 'run', {}, 'user:lan')).reason?.code).toBe('min-off');
    expect(coil()).toBe(false);
  });

  it('the hub restarting never re-energises the contactor after the relay module lost power', async () => {
    let h = await start();
    expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
    await h.stop();
    t.hub = undefined;
    t.st.sim.model.powerCycleRelay(); // mains lost while the hub was down: every relay comes back off
    h = await start();
    await waitTicks(h.rt, 20); // nothing happens during many ticks
    expect(coil()).toBe(false);
    expect(h.rt.pumpControllers.get('pump2')!.state().running).toBe(false);
    expect(h.audit.query({ target: 'pump:pump2', action: 'pump.run' })).toHaveLength(1);
  });

  it('a relay module that closes the contactor by itself (state restored at power return) is switched off with an alarm', async () => {
    const h = await start();
    t.st.sim.model.setCoil(UNITS.relay, CONTACTOR.coil, true); // not through the hub
    expect(await waitFor(() => h.rt.alarms().some((a) => a.id === 'pump2:trip:uncommanded-start'), 3000)).toBe(true);
    expect(await waitFor(() => coil() === false, 3000)).toBe(true);
    const stop = await waitFor(() => h.audit.query({ target: 'pump:pump2', action: 'pump.stop' })[0]);
    expect(stop?.actor).toBe('rule:safety:pump2');
  });
});
