/**
 * Test harness: the simulator on Modbus TCP or on RTU over a socat pseudo-terminal pair, and a
 * devices runtime against it with short intervals, a real SQLite file and the real audit log.
 */
import { HealthBoard } from '../../hub/core/health.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../hub/core/log.ts';
import { openDatabase, type Db } from '../../hub/store/database.ts';
import { AuditLog, auditMigrations } from '../../hub/audit/audit-log.ts';
import { devicesSchema } from '../../hub/devices/config.ts';
import { devicesMigrations } from '../../hub/devices/history.ts';
import { DevicesRuntime, type StreamEvent } from '../../hub/devices/runtime.ts';
import { PumpStationSimulator } from '../../hub/devices/sim/simulator.ts';
import { devicesModule } from '../../hub/devices/module.ts';
import { ConfigStore } from '../../hub/config/config-store.ts';
import { UserStore, authMigrations } from '../../hub/auth/users.ts';
import { ApiRouter } from '../../hub/api/router.ts';
import { EventBus } from '../../hub/core/event-bus.ts';
import { MetricsRegistry } from '../../hub/metrics/registry.ts';
import type { HubContext, Running } from '../../hub/context.ts';
import type { HubEvents } from '../../hub/core/hub-events.ts';
import { afterEach, beforeEach } from 'vitest';
import type { z } from 'zod';

export const log = createLogger('test', () => undefined);

export const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

import { waitFor } from '../../tools/wait-for.ts';

export { waitFor };

/** Waits for `n` more ticks of the runtime (a count, never a time); throws if they never come. */
export async function waitTicks(rt: DevicesRuntime, n: number): Promise<void> {
  const target = rt.ticks + n;
  await waitFor(() => rt.ticks >= target, 30_000, `${n} ticks of the runtime`, 5);
}

/** Waits for `n` more good polls of `device` (a count, never a time); throws if they never come. */
export async function waitPolls(rt: DevicesRuntime, device: string, n: number): Promise<void> {
  const d = rt.devs.get(device);
  if (!d) throw new Error(`test: no device ${device}`);
  const target = d.stats.polls + n;
  await waitFor(() => d.stats.polls >= target, 30_000, `${n} polls of ${device}`, 5);
}

/** Waits for `n` more steps of the simulator's model (its own tick, 50 ms in tests). */
export async function waitSimSteps(sim: PumpStationSimulator, n: number): Promise<void> {
  const target = sim.steps + n;
  await waitFor(() => sim.steps >= target, 30_000, `${n} simulator steps`, 5);
}

/**
 * A socat pty pair: `a` for the hub, `b` for the simulator. With `tracePath`, socat writes every
 * chunk it carries there (`-x`: direction, time stamp to the nanosecond, length, hex bytes).
 */
export async function ptyPair(dir: string, tracePath?: string): Promise<{ a: string; b: string; proc: ChildProcess }> {
  const a = join(dir, 'hub-tty');
  const b = join(dir, 'sim-tty');
  // Links left by an earlier pair would look ready before the new socat made its own.
  rmSync(a, { force: true });
  rmSync(b, { force: true });
  const trace = tracePath ? openSync(tracePath, 'a') : 'ignore';
  const proc = spawn('socat', [...(tracePath ? ['-x'] : []), '-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', trace],
  });
  if (typeof trace === 'number') closeSync(trace);
  await waitFor(() => existsSync(a) && existsSync(b), 5000, 'socat to create the pty pair');
  return { a, b, proc };
}

export type Line = 'tcp' | 'rtu';

export interface Station {
  sim: PumpStationSimulator;
  dir: string;
  busSpec: Record<string, unknown>;
  /** RTU only: the serial adapter is pulled out (socat and both ptys go away). */
  unplug(): Promise<void>;
  /** RTU only: plugged back in at the same path; the simulator reopens its end. */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function startStation(line: Line, baudRate = 115200, opts: { tracePath?: string } = {}): Promise<Station> {
  const dir = mkdtempSync(join(tmpdir(), 'devices-test-'));
  if (line === 'tcp') {
    const sim = await PumpStationSimulator.start({ tcp: {}, tickMs: 50 });
    const rtuOnly = (): Promise<void> => Promise.reject(new Error('test: unplug/replug is for RTU stations'));
    return {
      sim,
      dir,
      busSpec: { id: 'line', type: 'tcp', host: '127.0.0.1', port: sim.tcpPort },
      unplug: rtuOnly,
      replug: rtuOnly,
      async close() {
        await sim.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  let pty = await ptyPair(dir, opts.tracePath);
  const sim = await PumpStationSimulator.start({ rtu: { path: pty.b, baudRate }, tickMs: 50 });
  return {
    sim,
    dir,
    busSpec: { id: 'line', type: 'rtu', path: pty.a, baudRate, parity: 'none' },
    async unplug() {
      const gone = new Promise((ok) => pty.proc.once('exit', ok));
      pty.proc.kill();
      await gone;
      await sim.stopRtu();
    },
    async replug() {
      pty = await ptyPair(dir);
      await sim.startRtu();
    },
    async close() {
      await sim.close();
      pty.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A station started before each test of the calling describe block and closed after it, with the
 * hub a test starts on it (`use.hub = startRuntime(...)`) stopped first. Tests may stop and
 * restart the hub themselves: set `use.hub` to the running one (or undefined once stopped).
 */
export interface StationUse {
  /** The station of the running test (a new one each test). */
  readonly st: Station;
  /** The hub the test has running on the station, if any. */
  hub: Hub | undefined;
}

export function useStation(line: Line): StationUse {
  let st: Station | undefined;
  const use: StationUse = {
    get st(): Station {
      if (!st) throw new Error('test: the station is only there inside a test');
      return st;
    },
    hub: undefined,
  };
  beforeEach(async () => {
    st = await startStation(line);
  });
  afterEach(async () => {
    await use.hub?.stop();
    use.hub = undefined;
    await st?.close();
    st = undefined;
  });
  return use;
}

export { stationConfig, contactorPump } from './station-config.ts';
import { stationConfig } from './station-config.ts';

export interface Hub {
  rt: DevicesRuntime;
  db: Db;
  audit: AuditLog;
  health: HealthBoard;
  metrics: MetricsRegistry;
  events: StreamEvent[];
  /** Stops the runtime (which awaits everything it started), then closes the database. */
  stop(): Promise<void>;
}

/** A devices runtime (the hub's devices half) on a database file in `dir`. */
export function startRuntime(dir: string, cfg: z.input<typeof devicesSchema>, opts: { minuteMs?: number } = {}): Hub {
  const { db } = openDatabase(join(dir, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
  const health = new HealthBoard();
  const metrics = new MetricsRegistry();
  const audit = new AuditLog(db, { health, metrics });
  const events: StreamEvent[] = [];
  const rt = new DevicesRuntime(devicesSchema.parse(cfg), {
    db,
    log,
    tz: 'Asia/Ho_Chi_Minh',
    lat: 9.93,
    lon: 106.35,
    minuteMs: opts.minuteMs,
    health,
    metrics,
    audit: (e) => audit.write(e),
    auditCheck: () => (audit.writable() ? undefined : audit.unavailable()),
    emit: (e) => events.push(e),
  });
  rt.start();
  return {
    rt,
    db,
    audit,
    health,
    metrics,
    events,
    async stop() {
      await rt.stop();
      db.close();
    },
  };
}

/** The hub's context around the devices module, as the hub builds it, on a simulator over Modbus TCP. */
export interface ModuleHub {
  dir: string;
  sim: PumpStationSimulator;
  ctx: HubContext;
  /** Stops `running` (the devices module, if started), closes the database and the simulator. */
  close(running?: Running): Promise<void>;
}

/**
 * A data folder (named from `prefix`) with a config file holding the station's devices, the real
 * config store, database, users, audit log, bus and API router; the devices module is not started.
 */
export async function startModuleHub(prefix: string): Promise<ModuleHub> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let sim: PumpStationSimulator | undefined;
  let db: Db | undefined;
  try {
    sim = await PumpStationSimulator.start({ tcp: {}, tickMs: 50 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ devices: stationConfig({ id: 'line', type: 'tcp', host: '127.0.0.1', port: sim.tcpPort }) }));
    const config = ConfigStore.load(join(dir, 'config.json'), log);
    ({ db } = openDatabase(join(dir, 'hub.db'), [...auditMigrations, ...authMigrations, ...devicesModule.migrations!], log));
    const users = new UserStore(db);
    const health = new HealthBoard();
    const metrics = new MetricsRegistry();
    const ctx: HubContext = {
      dataDir: dir,
      config,
      db,
      dbRecreated: true,
      log,
      bus: new EventBus<HubEvents>(log),
      metrics,
      audit: new AuditLog(db, { health, metrics }),
      users,
      api: new ApiRouter(users, log),
      health,
      services: {},
    };
    const s = sim;
    return {
      dir,
      sim: s,
      ctx,
      async close(running) {
        await running?.stop();
        ctx.db.close();
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    db?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
