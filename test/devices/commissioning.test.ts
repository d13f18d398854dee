/**
 * Issue 12: the pump station tried as a commissioning engineer would, over real Modbus TCP. Each
 * test is one finding: a command sequence, a restart or a stuck sensor that could harm a pump or
 * leave a valve open. Waits are for a condition or a count of ticks and polls, never a time.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { crashConfig } from './station-config.ts';
import { openDatabase } from '../../hub/store/database.ts';
import { auditMigrations } from '../../hub/audit/audit-log.ts';
import { devicesMigrations, History } from '../../hub/devices/history.ts';
import { contactorPump, log, startRuntime, stationConfig, useStation, waitFor, waitPolls, waitSimSteps, waitTicks, type Hub } from './harness.ts';
import { CONTACTOR, UNITS } from '../../hub/devices/sim/station-model.ts';
import type { z } from 'zod';
import type { devicesSchema } from '../../hub/devices/config.ts';

type Cfg = z.input<typeof devicesSchema>;
const GD20_COMMAND = 0x2000;

describe('pump station commissioning over Modbus tcp (issue 12)', () => {
  const t = useStation('tcp');

  const good = (d: string, p: string) => t.hub!.rt.store.get(d, p).quality === 'good';
  const start = async (cfg: Cfg, opts: { minuteMs?: number } = {}): Promise<Hub> => {
    // A loaded test machine must not see a stale sensor where a finding is not about one.
    for (const d of cfg.devices ?? []) d.maxAgeMs = Math.max(d.maxAgeMs ?? 0, 2000);
    for (const p of cfg.pumps ?? []) p.limits = { ...p.limits, sensorFailsafeS: 10 };
    t.hub = startRuntime(t.st.dir, cfg, opts);
    const points = [
      ['level', 'level'],
      ['salinity', 'salinity'],
      ['io', 'input2'],
      ['io', 'input3'],
    ];
    if (cfg.pumps?.some((p) => p.drive)) points.push(['drive', 'running'], ['drive', 'remote']);
    expect(await waitFor(() => points.every(([d, p]) => good(d!, p!)), 5000)).toBe(true);
    return t.hub;
  };
  const driveCommands = () => t.st.sim.writes.filter((w) => w.unit === UNITS.drive && w.addr === GD20_COMMAND).length;
  const runRows = (h: Hub, pump: string) => (h.db.prepare('SELECT count(*) AS n FROM pump_runs WHERE pump = ?').get(pump) as { n: number }).n;

  describe("finding 1: commands are idempotent and the minimum off time reads the controller's own record", () => {
    it('a run sent to a running pump writes nothing to the drive and counts no start', async () => {
      const h = await start(stationConfig(t.st.busSpec));
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      const writes = driveCommands();
      const second = await h.rt.command('pump', 'run', {}, 'user:lan');
      expect(second).toMatchObject({ ok: true, status: 'done' });
      await waitPolls(h.rt, 'drive', 3);
      const third = await h.rt.command('pump', 'run', {}, 'user:lan');
      expect(third).toMatchObject({ ok: true });
      expect(driveCommands()).toBe(writes);
      expect(runRows(h, 'pump')).toBe(1);
      expect(h.rt.pumps().find((p) => p.id === 'pump')?.startsLastHour).toBe(1);
      expect(t.st.sim.model.running).toBe(true);
    });

    it('stop then run at once is refused by the minimum off time', async () => {
      const cfg = stationConfig(t.st.busSpec, {}, { minOffS: 60 });
      // A slower drive poll: its cache says "running" from the poll after the start until well
      // after the stop's own read-back.
      Object.assign(cfg.devices![0]!, { intervalMs: 500, maxAgeMs: 1500 });
      const h = await start(cfg);
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      await waitPolls(h.rt, 'drive', 1);
      expect(h.rt.store.get('drive', 'running').value).toBe(true);
      expect((await h.rt.command('pump', 'stop', {}, 'user:lan')).ok).toBe(true);
      const r = await h.rt.command('pump', 'run', {}, 'user:lan');
      expect(r).toMatchObject({ status: 'refused', reason: { code: 'min-off' } });
      expect(t.st.sim.model.running).toBe(false);
      expect(t.st.sim.model.starts).toBe(1);
    });
  });

  describe('finding 2: programme steps wait for verified state', () => {
    it('a programme that starts its pump runs to its end, not aborted by the lagging poll', async () => {
      const cfg = stationConfig(t.st.busSpec, {
        programmes: [{ id: 'p1', name: 'P1', starts: ['03:00'], pump: 'pump', zones: [{ valve: { device: 'io', point: 'relay1' }, minutes: 1 }] }],
      });
      const h = await start(cfg, { minuteMs: 400 });
      const r = await h.rt.automation.runProgramme(h.rt.cfg.programmes[0]!);
      expect(r).toEqual({ ok: true });
      expect(t.st.sim.model.starts).toBe(1);
      expect(t.st.sim.model.running).toBe(false);
      expect(t.st.sim.model.coils.get(UNITS.relay)![0]).toBe(false);
      expect(h.audit.query({ action: 'programme.run' }).map((a) => a.result)).toEqual(['ok', 'ok']);
    });

    it('a contactor pump tripped once is stopped once', async () => {
      const cfg = stationConfig(t.st.busSpec, { pumps: [contactorPump()] });
      // A slower relay-module poll: its cache shows the contactor closed well after the trip's stop.
      Object.assign(cfg.devices![3]!, { intervalMs: 500, maxAgeMs: 1500 });
      const h = await start(cfg);
      expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
      await waitPolls(h.rt, 'io', 1);
      t.st.sim.model.drawMps = 2;
      expect(await waitFor(() => t.st.sim.model.coils.get(UNITS.relay)![CONTACTOR.coil] === false, 5000)).toBe(true);
      await waitTicks(h.rt, 10);
      await waitPolls(h.rt, 'io', 3);
      const offs = t.st.sim.writes.filter((w) => w.unit === UNITS.relay && w.addr === CONTACTOR.coil && w.value === false);
      expect(offs).toHaveLength(1);
      expect(h.audit.query({ target: 'pump:pump2', action: 'pump.stop' })).toHaveLength(1);
    });
  });

  describe('finding 6: trips latch until a person acknowledges them (policy per trip kind: lib/trip-policy.ts)', () => {
    it('a dry-run trip stays raised after the pump stopped and refuses a start until a person acknowledges it', async () => {
      const h = await start(stationConfig(t.st.busSpec));
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      t.st.sim.model.drawMps = 2;
      expect(await waitFor(() => !t.st.sim.model.running, 5000)).toBe(true);
      const id = 'pump:trip:dry-run';
      // The sump refills; the pump has been seen stopped for many ticks.
      t.st.sim.model.drawMps = 0.01;
      t.st.sim.model.level = 2;
      expect(await waitFor(() => Number(h.rt.store.get('level', 'level').value) > 1.5, 5000)).toBe(true);
      await waitTicks(h.rt, 10);
      expect(h.rt.alarms().find((a) => a.id === id)).toMatchObject({ active: true, acknowledged: false });
      const refused = await h.rt.command('pump', 'run', {}, 'user:lan');
      expect(refused).toMatchObject({ status: 'refused', reason: { code: 'trip-latched' } });
      expect(refused.reason?.vi).toContain('xác nhận');
      expect(t.st.sim.model.running).toBe(false);
      // A rule cannot acknowledge it; a person can, and then the pump may start again.
      expect(h.rt.acknowledge(id, 'rule:programme:p1')).toBe(false);
      expect(h.rt.acknowledge(id, 'user:lan')).toBe(true);
      expect(await waitFor(() => !h.rt.alarms().some((a) => a.id === id))).toBe(true);
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    });

    it('a salinity trip resets by itself once the pump stopped: the permissive alone holds the start back', async () => {
      const h = await start(stationConfig(t.st.busSpec));
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      t.st.sim.model.salinityOverride = 3.4;
      expect(await waitFor(() => !t.st.sim.model.running, 5000)).toBe(true);
      expect(await waitFor(() => !h.rt.alarms().some((a) => a.id === 'pump:trip:salinity-high' && a.active), 5000)).toBe(true);
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).reason?.code).toBe('salinity-high');
      t.st.sim.model.salinityOverride = 1;
      expect(await waitFor(() => h.rt.store.get('salinity', 'salinity').value === 1, 5000)).toBe(true);
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    });
  });

  describe('finding 4: one copy of a programme at a time, and a route cancels it', () => {
    it('"run now" on a running programme is refused; cancel stops its pump, closes its valve and ends it', async () => {
      const cfg = stationConfig(t.st.busSpec, {
        programmes: [{ id: 'p1', name: 'P1', starts: ['03:00'], pump: 'pump', zones: [{ valve: { device: 'io', point: 'relay1' }, minutes: 60 }] }],
      });
      const h = await start(cfg);
      expect(h.rt.runProgramme('p1', 'user:lan')).toMatchObject({ ok: true });
      expect(await waitFor(() => t.st.sim.model.running, 5000)).toBe(true);
      const again = h.rt.runProgramme('p1', 'user:lan');
      expect(again).toMatchObject({ status: 'refused', reason: { code: 'programme-running' } });
      await waitTicks(h.rt, 5);
      expect(t.st.sim.model.starts).toBe(1);
      expect(h.audit.query({ target: 'programme:p1' }).filter((a) => a.action === 'programme.run')).toHaveLength(1);
      const cancelled = await h.rt.cancelProgramme('p1', 'user:lan');
      expect(cancelled.ok).toBe(true);
      expect(t.st.sim.model.running).toBe(false);
      expect(t.st.sim.model.coils.get(UNITS.relay)![0]).toBe(false);
      expect(h.rt.programmes().programmes[0]?.running).toBe(false);
      expect(h.audit.query({ action: 'programme.cancel' })[0]).toMatchObject({ actor: 'user:lan', result: 'ok' });
      expect((await h.rt.cancelProgramme('p1', 'user:lan')).reason?.code).toBe('programme-not-running');
    });
  });

  describe('finding 3: shutdown and restart bring outputs to their safe state; an interrupted programme is journalled, not resumed', () => {
    const relay1 = () => t.st.sim.model.coils.get(UNITS.relay)![0];

    it('a hub killed mid-programme: at the next start the valve is closed, the pump stopped and the programme journalled as interrupted', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/devices/crash-child.ts', t.st.dir, String(t.st.sim.tcpPort)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((ok) => child.once('exit', ok));
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      try {
        expect(await waitFor(() => out.includes('programme-running'), 20_000)).toBe(true);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      expect(relay1()).toBe(true);
      expect(t.st.sim.model.running).toBe(true);

      const h = await start(crashConfig(t.st.sim.tcpPort));
      expect(await waitFor(() => relay1() === false && !t.st.sim.model.running, 5000)).toBe(true);
      expect(h.audit.query({ action: 'programme.interrupted' })).toHaveLength(1);
      expect(h.audit.query({ action: 'device.safe-state' })[0]).toMatchObject({ actor: 'hub:start', result: 'ok', target: 'device:io' });
      expect(h.audit.query({ target: 'pump:pump', action: 'pump.stop' })[0]).toMatchObject({ actor: 'hub:start', result: 'ok' });
      // Not resumed: over many ticks nothing opens or starts again.
      await waitTicks(h.rt, 10);
      expect(relay1()).toBe(false);
      expect(t.st.sim.model.starts).toBe(1);
      expect(h.rt.programmes().programmes[0]?.running).toBe(false);
    }, 30_000);

    it('a hub shut down mid-programme closes the valve and stops the pump before its stop resolves, and journals why', async () => {
      const h = await start(crashConfig(t.st.sim.tcpPort));
      expect(h.rt.runProgramme('p1', 'user:lan').ok).toBe(true);
      expect(await waitFor(() => relay1() === true && t.st.sim.model.running, 5000)).toBe(true);
      await h.rt.stop();
      expect(relay1()).toBe(false);
      expect(t.st.sim.model.running).toBe(false);
      const run = h.audit.query({ target: 'programme:p1' }).find((a) => a.action === 'programme.run' && a.result === 'failed');
      expect(JSON.stringify(run?.detail)).toContain('the hub is stopping');
    });

    it("a pump whose safe state is 'hold' (a drain pump in a flood) keeps running through the hub's shutdown", async () => {
      const cfg = stationConfig(t.st.busSpec);
      Object.assign(cfg.pumps![0]!, { safeState: 'hold' });
      const h = await start(cfg);
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      await h.rt.stop();
      expect(t.st.sim.model.running).toBe(true);
    });
  });

  describe('finding 5: a minimum speed per pump', () => {
    it("a frequency below the pump's minimum speed is refused and never reaches the drive; one above it is set", async () => {
      const h = await start(stationConfig(t.st.busSpec)); // the default minimum speed, 20 Hz
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      const r = await h.rt.command('pump', 'setFrequency', { hz: 0.5 }, 'user:lan');
      expect(r).toMatchObject({ status: 'refused', reason: { code: 'min-speed', en: "refused: 0.5 Hz is below the pump's minimum speed 20.0 Hz" } });
      expect(t.st.sim.model.reg(UNITS.drive, 0x2001)).toBe(5000);
      expect((await h.rt.command('pump', 'setFrequency', { hz: 30 }, 'user:lan')).ok).toBe(true);
      expect(t.st.sim.model.reg(UNITS.drive, 0x2001)).toBe(3000);
    });
  });

  describe('finding 8: a drive started in AUTO by another Modbus master is alarmed, audited and stopped', () => {
    it('a run written to the drive by another master raises the uncommanded-start trip and is audited', async () => {
      const h = await start(stationConfig(t.st.busSpec));
      t.st.sim.model.writeRegister(UNITS.drive, GD20_COMMAND, 1); // not through the hub
      expect(await waitFor(() => h.rt.alarms().some((a) => a.id === 'pump:trip:uncommanded-start'), 5000)).toBe(true);
      expect(h.audit.query({ action: 'pump.uncommanded-start' })[0]).toMatchObject({ actor: 'device:drive', target: 'pump:pump' });
      expect(await waitFor(() => !t.st.sim.model.running, 5000)).toBe(true);
      expect(await waitFor(() => h.audit.query({ target: 'pump:pump', action: 'pump.stop' })[0])).toMatchObject({ actor: 'rule:safety:pump', result: 'ok' });
    });
  });

  describe('finding 7: an implausible level reading is not a good permissive', () => {
    it('a level transmitter stuck at a good value while a contactor pump runs trips the pump before the sump runs dry', async () => {
      const pump = { ...contactorPump(), plausibility: { frozenS: 1, noiseBandM: 0.005 } };
      const h = await start(stationConfig(t.st.busSpec, { pumps: [pump] }));
      expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
      t.st.sim.model.levelStuckAt = 1.8; // stuck at a good value...
      t.st.sim.model.drawMps = 0.2; // ...while the sump empties (dry in under 10 s)
      expect(await waitFor(() => !t.st.sim.model.contactorRunning, 8000)).toBe(true);
      expect(t.st.sim.model.level).toBeGreaterThan(0.5);
      const stop = await waitFor(() => h.audit.query({ target: 'pump:pump2', action: 'pump.stop' })[0]);
      expect(stop?.actor).toBe('rule:safety:pump2');
      expect(JSON.stringify(stop?.detail)).toContain('implausible');
      expect(h.rt.alarms().find((a) => a.id === 'pump2:trip:implausible')).toMatchObject({ active: true });
    });
  });

  describe('finding 11: a contactor pump declares its protection for when the hub is down', () => {
    it('one that declares none is refused every start, with the reason; one whose risk an engineer accepted starts', async () => {
      const bare = contactorPump();
      const { protection: _none, ...contactor } = bare.contactor!;
      const h = await start(stationConfig(t.st.busSpec, { pumps: [{ ...bare, contactor }] }));
      const r = await h.rt.command('pump2', 'run', {}, 'user:lan');
      expect(r).toMatchObject({ status: 'refused', reason: { code: 'no-protection' } });
      expect(r.reason?.vi).toContain('bảo vệ');
      expect(h.rt.pumps()[0]?.startBlocker?.code).toBe('no-protection');
      expect(t.st.sim.model.contactorRunning).toBe(false);
      await h.stop();
      t.hub = undefined;
      const accepted = {
        ...bare,
        contactor: { ...contactor, protection: { type: 'risk-accepted' as const, by: 'Kỹ sư An', reason: 'the sump overflows to the canal' } },
      };
      const h2 = await start(stationConfig(t.st.busSpec, { pumps: [accepted] }));
      expect((await h2.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);
    });
  });

  describe('finding 10: what the station tells the outside', () => {
    it('a pump found stopped at start-up is booked as stopped when the hub was last alive, not at the new start', async () => {
      const cfg = stationConfig(t.st.busSpec);
      Object.assign(cfg.pumps![0]!, { safeState: 'hold' }); // left running through the shutdown
      const h = await start(cfg);
      expect((await h.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
      await h.stop();
      t.hub = undefined;
      const down = Date.now();
      t.st.sim.model.powerCycleDrive(); // it stopped while the hub was down
      await waitSimSteps(t.st.sim, 5);
      const h2 = await start(cfg);
      expect(
        await waitFor(() => (h2.db.prepare("SELECT stop_ms FROM pump_runs WHERE pump = 'pump'").get() as { stop_ms: number | null }).stop_ms !== null, 5000),
      ).toBe(true);
      const row = h2.db.prepare("SELECT start_ms, stop_ms, stop_reason FROM pump_runs WHERE pump = 'pump'").get() as {
        start_ms: number;
        stop_ms: number;
        stop_reason: string;
      };
      expect(row.stop_reason).toBe('found-stopped');
      expect(row.stop_ms).toBeGreaterThanOrEqual(row.start_ms);
      expect(row.stop_ms).toBeLessThanOrEqual(down);
    });
  });

  describe('finding 10: the alarm journal can be read and is kept for history.alarmDays', () => {
    it('journal entries older than the retention are pruned; recent raises are read back newest first', async () => {
      const { db } = openDatabase(join(t.st.dir, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
      const old = Date.now() - 400 * 86_400_000;
      new History(db, 1000).logAlarm(old, 'level:comm-loss', 'raised', 'comm-loss', 'level', 'long ago');
      db.close();
      const h = await start(stationConfig(t.st.busSpec));
      t.st.sim.model.silent.add(UNITS.level);
      expect(await waitFor(() => h.rt.alarms().some((a) => a.id === 'level:comm-loss'), 5000)).toBe(true);
      const rows = h.rt.alarmLog(0, Date.now(), 100);
      expect(rows.some((r) => r.ts === old)).toBe(false);
      expect(rows[0]).toMatchObject({ alarm: 'level:comm-loss', change: 'raised', kind: 'comm-loss', device: 'level' });
    });
  });

  describe('finding 10: the station in /metrics and on the health board', () => {
    it('bus and device figures are in /metrics, and a silent device puts the station on health until it answers again', async () => {
      const h = await start(stationConfig(t.st.busSpec));
      await h.metrics.render();
      expect(h.metrics.value('devices_bus_transactions', { bus: 'line' })).toBeGreaterThan(0);
      expect(h.metrics.value('devices_device_online', { device: 'level' })).toBe(1);
      expect(h.metrics.value('devices_pump_running', { pump: 'pump' })).toBe(0);
      t.st.sim.model.silent.add(UNITS.level);
      expect(await waitFor(() => h.health.get('devices/station')?.level === 'degraded', 5000)).toBe(true);
      expect(h.health.get('devices/station')?.message).toContain('level');
      expect(await h.metrics.render()).toContain('devices_device_online{device="level"} 0');
      t.st.sim.model.silent.delete(UNITS.level);
      expect(await waitFor(() => h.health.get('devices/station')?.level === 'ok', 10_000)).toBe(true);
    });
  });

  describe('finding 10: a hung TCP gateway socket is recycled', () => {
    it('when nothing answers on the open connection any more, the bus opens a new one and polling resumes', async () => {
      const proxy = await hangingProxy(t.st.sim.tcpPort);
      try {
        const h = await start(stationConfig({ id: 'line', type: 'tcp', host: '127.0.0.1', port: proxy.port }, { pumps: [] }));
        proxy.hangOpen(); // the gateway stops answering on the connection it has; a new one works
        expect(await waitFor(() => (h.rt.buses()[0]?.recycles ?? 0) >= 1, 10_000)).toBe(true);
        // Every device answers again, on the new connection.
        for (const d of ['drive', 'level', 'salinity', 'io']) await waitPolls(h.rt, d, 2);
        expect(proxy.connections()).toBeGreaterThanOrEqual(2);
        expect(h.rt.devices().every((d) => d.online)).toBe(true);
      } finally {
        await proxy.close();
      }
    }, 30_000);
  });
});

/** A TCP relay to the simulator whose open connections can be hung (they swallow every byte). */
async function hangingProxy(target: number): Promise<{ port: number; hangOpen(): void; connections(): number; close(): Promise<void> }> {
  const open = new Set<{ hung: boolean; a: Socket; b: Socket }>();
  let count = 0;
  const server = createServer((a) => {
    count++;
    const b = connect(target, '127.0.0.1');
    const c = { hung: false, a, b };
    open.add(c);
    a.on('data', (d) => {
      if (!c.hung) b.write(d);
    });
    b.on('data', (d) => {
      if (!c.hung) a.write(d);
    });
    const end = (): void => {
      open.delete(c);
      a.destroy();
      b.destroy();
    };
    a.on('close', end).on('error', end);
    b.on('close', end).on('error', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hangOpen: () => {
      for (const c of open) c.hung = true;
    },
    connections: () => count,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of open) {
          c.a.destroy();
          c.b.destroy();
        }
        server.close(() => ok());
      }),
  };
}
