/**
 * The pump station end to end over real Modbus: TCP to the simulator, and RTU framing on a serial
 * line (a socat pseudo-terminal pair). Each behaviour of issue 4's "Done when" list is one test.
 */
import { describe, expect, it } from 'vitest';
import { log, startRuntime, startStation, stationConfig, useStation, waitFor, waitPolls, waitTicks, type Line } from './harness.ts';
import { join } from 'node:path';
import { localTime } from '../../hub/devices/lib/schedule.ts';
import { openDatabase } from '../../hub/store/database.ts';
import { auditMigrations } from '../../hub/audit/audit-log.ts';
import { devicesMigrations, History } from '../../hub/devices/history.ts';

describe.each<Line>(['tcp', 'rtu'])('pump station over Modbus %s', (line) => {
  const t = useStation(line);

  const good = (dev: string, point: string) => () => t.hub!.rt.store.get(dev, point).quality === 'good';
  /** Waits until every value the pump's interlocks read has been polled. */
  const ready = async (): Promise<void> => {
    const all = () =>
      [
        ['drive', 'running'],
        ['drive', 'remote'],
        ['level', 'level'],
        ['salinity', 'salinity'],
        ['io', 'input2'],
      ].every(([d, p]) => good(d!, p!)());
    expect(await waitFor(all, 5000)).toBe(true);
  };

  it('polling reads scaled values with good quality', async () => {
    t.st.sim.model.level = 1.75;
    t.st.sim.model.recoverMps = 0;
    t.st.sim.model.salinityOverride = 1.23;
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    await ready();
    expect(await waitFor(() => t.hub!.rt.store.get('level', 'level').value === 1.75 && t.hub!.rt.store.get('salinity', 'salinity').value === 1.23)).toBe(true);
    const v = (d: string, p: string) => t.hub!.rt.store.get(d, p);
    expect(v('level', 'loopCurrent').value).toBeCloseTo(9.6, 3); // 4 + 1.75/5*16 mA
    expect(v('salinity', 'ec').value).toBe(Math.round(1.23 * 1700 + 150)); // 32-bit, high word first
    expect(v('salinity', 'temperature').value).toBe(29.5);
    expect(v('drive', 'freqRef')).toMatchObject({ value: 50, unit: 'Hz', quality: 'good' });
    expect(v('drive', 'running').value).toBe(false);
    expect(v('io', 'input2').value).toBe(true);
  });

  it('a run command starts the pump and is verified by read-back', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    await ready();
    const r = await t.hub.rt.command('pump', 'run', {}, 'user:lan');
    expect(r).toMatchObject({ ok: true, status: 'done' });
    expect(r.verifiedMs).toBeGreaterThanOrEqual(0);
    expect(t.st.sim.model.running).toBe(true);
    const audit = t.hub.audit.query({ target: 'pump:pump', action: 'pump.run' });
    expect(audit[0]).toMatchObject({ actor: 'user:lan', result: 'ok' });
  });

  it('a falling intake level trips dry-run protection and stops the pump', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    await ready();
    expect((await t.hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    t.st.sim.model.drawMps = 2; // the sump empties in about a second
    expect(await waitFor(() => !t.st.sim.model.running, 5000)).toBe(true);
    expect(t.st.sim.model.level).toBeLessThan(0.5 + 0.3);
    const stop = await waitFor(() => t.hub!.audit.query({ target: 'pump:pump', action: 'pump.stop' })[0]);
    expect(stop?.actor).toBe('rule:safety:pump');
    expect(JSON.stringify(stop?.detail)).toContain('dry-run');
    expect(t.hub.rt.alarms().some((a) => a.kind === 'trip' && a.id.includes('dry-run'))).toBe(true);
  });

  it('salinity above the threshold refuses a start with the reason in both languages', async () => {
    t.st.sim.model.salinityOverride = 3.4;
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    await ready();
    expect(t.hub.rt.store.get('salinity', 'salinity').value).toBe(3.4);
    const r = await t.hub.rt.command('pump', 'run', {}, 'user:lan');
    expect(r.status).toBe('refused');
    expect(r.reason?.en).toBe('blocked: salinity 3.4‰ > 2‰');
    expect(r.reason?.vi).toBe('bị chặn: độ mặn 3,4‰ > 2‰');
    expect(t.st.sim.model.running).toBe(false);
    expect(t.hub.audit.query({ target: 'pump:pump' })[0]).toMatchObject({ result: 'refused', actor: 'user:lan' });
  });

  it('the stale-sensor failsafe stops the pump when the level sensor stops answering', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec, {}, { sensorFailsafeS: 0.6 }));
    await ready();
    expect((await t.hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    const t0 = Date.now();
    t.st.sim.model.silent.add(2);
    expect(await waitFor(() => !t.st.sim.model.running, 5000)).toBe(true);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(600 - 150); // not before the failsafe delay (less one poll)...
    expect(took).toBeLessThan(3000); // ...and not much after
    const stop = await waitFor(() => t.hub!.audit.query({ action: 'pump.stop' })[0]);
    expect(JSON.stringify(stop?.detail)).toContain('sensor-failsafe');
    expect(t.hub.rt.store.get('level', 'level').quality).toBe('comm-fail');
  });

  it('starts beyond the per-hour limit are refused', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec, {}, { maxStartsPerHour: 2 }));
    await ready();
    for (let i = 0; i < 2; i++) {
      expect((await t.hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      expect((await t.hub.rt.command('pump', 'stop', {}, 'user:lan')).ok).toBe(true);
    }
    const r = await t.hub.rt.command('pump', 'run', {}, 'user:lan');
    expect(r.reason?.code).toBe('max-starts');
    expect(r.reason?.en).toBe('blocked: 2 starts in the last hour (limit 2)');
    expect(t.st.sim.model.running).toBe(false);
    expect(t.st.sim.model.starts).toBe(2);
  });

  it('the hub restarting never restarts a pump, and a programme start missed while down is logged, not run', async () => {
    const now = Date.now();
    const l = localTime(now - 60_000, 'Asia/Ho_Chi_Minh');
    const at = `${String(Math.floor(l.minutes / 60)).padStart(2, '0')}:${String(l.minutes % 60).padStart(2, '0')}`;
    const cfg = stationConfig(t.st.busSpec, {
      programmes: [{ id: 'morning', name: 'Morning', starts: [at], pump: 'pump', zones: [{ valve: { device: 'io', point: 'relay1' }, minutes: 1 }] }],
    });
    t.hub = startRuntime(t.st.dir, cfg);
    await ready();
    expect((await t.hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    await t.hub.stop();
    // The hub "went down" 3 min ago (its shutdown wrote its last-alive time: put it back).
    const { db } = openDatabase(join(t.st.dir, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
    new History(db, 1000).setState('lastAlive', String(now - 3 * 60_000));
    db.close();
    t.st.sim.model.powerCycleDrive(); // mains lost while the hub was down: the drive comes back stopped
    t.hub = startRuntime(t.st.dir, cfg);
    await waitFor(good('drive', 'running'));
    await waitTicks(t.hub.rt, 20); // nothing happens during many ticks
    expect(t.st.sim.model.running).toBe(false);
    expect(t.st.sim.model.starts).toBe(1);
    expect(t.hub.rt.store.get('io', 'relay1').value).toBe(false);
    const missed = t.hub.audit.query({ action: 'programme.missed' });
    expect(missed).toHaveLength(1);
    expect(t.hub.audit.query({ action: 'programme.run' })).toHaveLength(0);
  });
});

describe('Modbus TCP specifics', () => {
  it('a killed and restarted TCP server is reconnected', async () => {
    const st = await startStation('tcp');
    const hub = startRuntime(st.dir, stationConfig(st.busSpec));
    try {
      expect(await waitFor(() => hub.rt.store.get('drive', 'status').quality === 'good')).toBe(true);
      await st.sim.stopTcp();
      expect(await waitFor(() => hub.rt.store.get('drive', 'status').quality === 'comm-fail', 3000)).toBe(true);
      await waitTicks(hub.rt, 5); // the hub ticks on with the server gone
      await st.sim.startTcp();
      expect(await waitFor(() => hub.rt.store.get('drive', 'status').quality === 'good', 8000)).toBe(true);
      expect(hub.rt.busQueues.get('line')!.stats().reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await hub.stop();
      await st.close();
    }
  });
});

describe('Modbus RTU specifics', () => {
  it('a device that never answers does not delay the other devices beyond its timeout', async () => {
    const st = await startStation('rtu');
    const cfg = stationConfig(st.busSpec, { pumps: [] });
    cfg.devices = [
      { id: 'level', name: 'Level', bus: 'line', unit: 2, profile: 'level-4-20ma', intervalMs: 100 },
      { id: 'dead', name: 'Dead probe', bus: 'line', unit: 9, profile: 'ec-salinity-rs485', intervalMs: 100 },
    ];
    const hub = startRuntime(st.dir, cfg);
    try {
      await waitPolls(hub.rt, 'level', 20);
      const level = hub.rt.devs.get('level')!.stats;
      const dead = hub.rt.devs.get('dead')!.stats;
      const timeoutMs = 200;
      expect(dead.polls).toBe(0);
      expect(level.failures).toBe(0);
      // Fixed-rate polling of the live device: its lateness never exceeds one timeout of the dead one.
      const worst = Math.max(...level.jitterMs.slice(1));
      expect(worst).toBeLessThan(timeoutMs + 50);
      expect(level.polls).toBeGreaterThanOrEqual(10); // at worst one timeout added to each 100 ms cycle
      // The dead device is backing off rather than taking a timeout every cycle.
      expect(hub.rt.busQueues.get('line')!.stats().refusedBackoff).toBeGreaterThan(5);
      expect(hub.rt.store.get('dead', 'salinity').quality).toBe('comm-fail');
    } finally {
      await hub.stop();
      await st.close();
    }
  });
});

describe('Modbus RTU serial adapter unplugged and plugged back', () => {
  it('values turn comm-fail during the gap, the bus reconnects at the same path and polling resumes', async () => {
    const st = await startStation('rtu');
    const hub = startRuntime(st.dir, stationConfig(st.busSpec, { pumps: [] }));
    const q = (d: string, p: string) => hub.rt.store.get(d, p).quality;
    try {
      expect(await waitFor(() => q('level', 'level') === 'good' && q('salinity', 'salinity') === 'good', 5000)).toBe(true);
      await st.unplug();
      expect(await waitFor(() => q('level', 'level') === 'comm-fail' && q('salinity', 'salinity') === 'comm-fail', 3000)).toBe(true);
      const polls = hub.rt.devs.get('level')!.stats.polls;
      await waitTicks(hub.rt, 20);
      expect(q('level', 'level')).toBe('comm-fail'); // never "good" from an old value while unplugged
      expect(hub.rt.devs.get('level')!.stats.polls).toBe(polls);
      expect(hub.rt.busQueues.get('line')!.stats().connected).toBe(false);
      await st.replug();
      expect(await waitFor(() => q('level', 'level') === 'good' && q('salinity', 'salinity') === 'good', 10_000)).toBe(true);
      expect(await waitFor(() => hub.rt.devs.get('level')!.stats.polls > polls + 5, 3000)).toBe(true);
      expect(hub.rt.busQueues.get('line')!.stats().reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await hub.stop();
      await st.close();
    }
  }, 20_000);
});
