/**
 * The devices subsystem assembled from its configuration: one queue per bus, the poller, pump
 * controllers, alarms, automation and history, behind the DeviceService interface. The module
 * (module.ts) only wires this to the hub's context; tests build it directly too.
 */
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/database.ts';
import { every } from '../core/guard.ts';
import type { HealthBoard } from '../core/health.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';
import type { AuditEntry } from '../audit/audit-log.ts';
import type { BusQueue } from './bus/bus-queue.ts';
import type { Alarm } from './lib/alarms.ts';
import { reasons, type Reason } from './lib/reasons.ts';
import { DeviceCommandError, outcome, refused, type CommandResult } from './command-result.ts';
import { runCommand, verifiedOutput, type Device } from './device-io.ts';
import { Poller } from './poller.ts';
import { PumpController } from './pump-controller.ts';
import { contactorActuator, driveActuator } from './pump-actuator.ts';
import { Automation, type ActiveProgramme } from './automation.ts';
import { AlarmDesk, type AlarmEvent } from './alarm-desk.ts';
import { buildBuses, buildDevices } from './build.ts';
import { isSafeWrite, safeTargets, type SafeTarget } from './safe-state.ts';
import { reportStation, watchMetrics } from './station-watch.ts';
import { History, type AlarmLogRow, type Sample } from './history.ts';
import { Journal } from './journal.ts';
import { PumpRuns } from './pump-runs.ts';
import { ValueStore, type PointValue } from './values.ts';
import type { DevicesConfig } from './config.ts';
import type { BusInfo, DeviceInfo, DeviceService, ProgrammeInfo, PumpInfo } from './service.ts';

export type StreamEvent = { type: 'value'; data: PointValue } | { type: 'alarm'; data: AlarmEvent };

export interface RuntimeDeps {
  db: Db;
  log: Logger;
  /** Appends to the audit log; may throw (AuditUnavailable): the runtime catches and reports it. */
  audit(entry: AuditEntry): void;
  /** Probes the audit log: why it cannot be written now, or undefined when it can. */
  auditCheck?(): string | undefined;
  emit(event: StreamEvent): void;
  /** Where the journal's condition (`devices/journal`) is reported. */
  health?: HealthBoard;
  metrics?: MetricsRegistry;
  tz: string;
  lat: number;
  lon: number;
  /** Where a `simulator` bus connects. */
  simulatorPort?: number;
  /** Programme minute length (tests shorten it). */
  minuteMs?: number;
}

const ACTIVE_KEY = 'programmes.active';

export class DevicesRuntime implements DeviceService {
  readonly busQueues: Map<string, BusQueue>;
  readonly devs: Map<string, Device>;
  readonly pumpControllers = new Map<string, PumpController>();
  readonly store = new ValueStore();
  readonly historyDb: History;
  /** Every devices write to SQLite goes through it; it never throws (journal.ts). */
  readonly journal: Journal;
  readonly alarmDesk: AlarmDesk;
  readonly automation: Automation;
  private readonly poller: Poller;
  private timer: NodeJS.Timeout | undefined;
  /** The tick under way, if any: stop() awaits it. */
  private ticking: Promise<void> | undefined;
  private tickCount = 0;
  private lastPrune = 0;
  private lastProbe = 0;
  private stopped: Promise<void> | undefined;
  /** Where outputs go at shutdown and start (safe-state.ts). */
  private readonly safe: SafeTarget[];
  /** Outputs and interrupted programmes' pumps brought to their safe state at start: stop awaits it. */
  private startup: Promise<void> | undefined;
  private started = false;
  private releaseMetrics: (() => void) | undefined;

  constructor(
    readonly cfg: DevicesConfig,
    private readonly deps: RuntimeDeps,
  ) {
    const log = deps.log;
    this.historyDb = new History(deps.db, cfg.history.sampleS * 1000);
    const alive = Number(this.historyDb.getState('lastAlive'));
    const lastAlive = Number.isFinite(alive) && alive > 0 ? alive : undefined;
    this.journal = new Journal(deps.db, log, { health: deps.health, metrics: deps.metrics });
    this.busQueues = buildBuses(cfg, log, deps.simulatorPort);
    this.devs = buildDevices(cfg, this.busQueues);
    this.poller = new Poller([...this.devs.values()], this.store, log);
    this.alarmDesk = new AlarmDesk(cfg, {
      history: this.historyDb,
      journal: this.journal,
      store: this.store,
      log,
      emit: (e) => deps.emit({ type: 'alarm', data: e }),
    });
    for (const p of cfg.pumps) {
      // The config schema guarantees exactly one of drive/contactor, naming configured devices.
      const act = p.contactor ? contactorActuator(this.devs.get(p.contactor.device)!, p.contactor, p) : driveActuator(this.devs.get(p.drive!)!);
      this.pumpControllers.set(
        p.id,
        new PumpController(
          p,
          act,
          this.store,
          new PumpRuns(p.id, this.historyDb, this.journal, log),
          {
            audit: (actor, action, result, detail) => this.audit({ actor, action, target: `pump:${p.id}`, result, detail }),
            recordBlocker: (probe) => this.recordBlocker(probe),
            trip: (pump, reason) => this.alarmDesk.trip(pump, reason),
            unexpectedStop: (pump, fault) => this.alarmDesk.unexpectedStop(pump, fault),
            latchedTrip: (pump) => this.alarmDesk.latched(pump.id),
            lastAlive: () => lastAlive,
          },
          log,
        ),
      );
    }
    this.alarmDesk.restore(new Set(this.devs.keys()), new Set(this.pumpControllers.keys()));
    this.store.onListenerError = (err) => log.error(`devices: value listener failed: ${err.message}`, { stack: err.stack });
    this.store.onChange((v) => {
      deps.emit({ type: 'value', data: v });
      const value = v.value;
      if (v.quality === 'good' && typeof value === 'number') this.journal.write('sample', () => this.historyDb.sample(v.deviceId, v.point, value));
    });
    this.safe = safeTargets(cfg);
    this.automation = new Automation(
      cfg.programmes,
      cfg.lighting,
      {
        tz: deps.tz,
        lat: deps.lat,
        lon: deps.lon,
        minuteMs: deps.minuteMs,
        // Programmes and lights want the result either way: a refusal is theirs to handle.
        setOutput: (device, point, value, actor) => this.output(device, point, value, actor),
        pump: (id) => this.pumpControllers.get(id),
        audit: (actor, action, target, result, detail) => this.audit({ actor, action, target, result, detail }),
        lastAlive: () => {
          const v = this.historyDb.getState('lastAlive');
          return v ? Number(v) : undefined;
        },
        setLastAlive: (ms) => void this.journal.write('last-alive time', () => this.historyDb.setState('lastAlive', String(ms))),
        loadActive: () => {
          try {
            return JSON.parse(this.historyDb.getState(ACTIVE_KEY) ?? '[]') as ActiveProgramme[];
          } catch {
            return [];
          }
        },
        saveActive: (list) => void this.journal.write('programmes under way', () => this.historyDb.setState(ACTIVE_KEY, JSON.stringify(list))),
      },
      log,
    );
  }

  /** Ticks completed (tests wait for a count of ticks, never for a time). */
  get ticks(): number {
    return this.tickCount;
  }

  /** True once stop() was called: commands are refused, nothing new starts. */
  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  start(): void {
    // Say at once whether the journal can be written, so health lists it from the start.
    this.journal.writable();
    for (const b of this.busQueues.values()) b.start();
    this.releaseMetrics = this.deps.metrics ? watchMetrics(this.deps.metrics, this) : undefined;
    this.poller.start();
    // A hub that went down mid-programme (killed, power cut) left valves open and maybe a pump
    // running: both go to their safe state before any programme may run (issue 12, finding 3).
    this.startup = this.bringToSafeState(
      'hub:start',
      this.automation.interrupted.filter((a) => a.pumpStarted && a.pump).map((a) => a.pump!),
    ).finally(() => (this.started = true));
    this.timer = every(this.cfg.tickMs, 'devices: tick', this.deps.log, () => {
      if (this.ticking || this.stopping) return;
      this.ticking = this.tick().finally(() => (this.ticking = undefined));
      return this.ticking;
    });
  }

  /**
   * Stops everything this runtime started and resolves only when none of it can write again:
   * programmes are cancelled (their abort path stops the pump and closes valves through the
   * buses, so those run first), the tick under way, pump commands and trips finish, polls end,
   * then the buses close. The caller may close the database once this resolves.
   */
  stop(opts: { rebuild?: boolean } = {}): Promise<void> {
    this.stopped ??= this.shutdown(opts.rebuild === true);
    return this.stopped;
  }

  /**
   * Stops the runtime. The hub shutting down (not a rebuild for a configuration change, which
   * leaves outputs and pumps as they are) brings pumps and outputs to their safe state, awaited
   * and audited, before the buses close.
   */
  private async shutdown(rebuild: boolean): Promise<void> {
    clearInterval(this.timer);
    this.automation.stop();
    await this.startup;
    await this.automation.idle();
    await this.ticking;
    await Promise.all([...this.pumpControllers.values()].map((p) => p.idle()));
    if (!rebuild)
      await this.bringToSafeState(
        'hub:shutdown',
        [...this.pumpControllers.values()].filter((p) => p.state().running).map((p) => p.id),
      );
    // The hub was alive until now: what is found changed at the next start happened after this.
    this.journal.write('last-alive time', () => this.historyDb.setState('lastAlive', String(Date.now())));
    this.poller.stop();
    await this.poller.idle();
    await Promise.all([...this.busQueues.values()].map((b) => b.stop()));
    this.releaseMetrics?.();
    // A trip queued by the last tick or a command's read-back failing fast on a closed bus.
    await Promise.all([...this.pumpControllers.values()].map((p) => p.idle()));
  }

  /**
   * Stops `pumps` whose safe state is 'off' and writes every output's safe state, verified by
   * read-back; each is audited (`pump.stop`, `device.safe-state`) and a failure logged. Never rejects.
   */
  private async bringToSafeState(actor: string, pumps: string[]): Promise<void> {
    const log = this.deps.log;
    for (const id of new Set(pumps)) {
      const p = this.pumpControllers.get(id);
      if (!p || p.cfg.safeState !== 'off') continue;
      const r = await p.stop(actor, reasons.safeState(actor === 'hub:start')).catch((err: Error) => refused(reasons.writeFailed(err.message)));
      if (!r.ok) log.error(`devices: pump ${id} not brought to its safe state (off) at ${actor}: ${r.reason?.en ?? ''}`);
    }
    await Promise.all(
      this.safe.map(async (t) => {
        const d = this.devs.get(t.device);
        if (!d) return;
        const r = await verifiedOutput(d, t.point, t.value, 3_000);
        this.audit({
          actor,
          action: 'device.safe-state',
          target: `device:${t.device}`,
          result: outcome(r),
          detail: { point: t.point, value: t.value, reason: r.reason },
        });
        if (!r.ok) log.error(`devices: ${t.device}.${t.point} not brought to its safe state (${t.value ? 'on' : 'off'}) at ${actor}: ${r.reason?.en ?? ''}`);
      }),
    );
  }

  /** Audits; an audit log that cannot be written is reported by it (health, metric) and logged here. */
  private audit(entry: AuditEntry): void {
    try {
      this.deps.audit(entry);
    } catch (err) {
      this.deps.log.error(`devices: audit entry ${entry.action} ${entry.target} (${entry.result}) not written: ${(err as Error).message}`);
    }
  }

  /**
   * A person's command that could not be audited is refused before it is carried out (pump stops
   * excepted); rules and the hub itself are not held back by the audit log, only pump starts are.
   */
  private userAuditBlocker(actor: string): Reason | null {
    if (!actor.startsWith('user:') || !this.deps.auditCheck) return null;
    const why = this.deps.auditCheck();
    return why === undefined ? null : reasons.auditUnavailable(why);
  }

  /** Why a pump start could not be recorded now (journal first, then the audit log), or null. */
  private recordBlocker(probe: boolean): Reason | null {
    if (probe ? !this.journal.writable() : this.journal.unavailable() !== undefined)
      return reasons.journalUnavailable(this.journal.unavailable() ?? 'write failed');
    if (probe && this.deps.auditCheck) {
      const why = this.deps.auditCheck();
      if (why !== undefined) return reasons.auditUnavailable(why);
    }
    return null;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    for (const p of this.pumpControllers.values())
      await p.tick(now).catch((err: Error) => this.deps.log.error(`devices: pump ${p.id} tick failed: ${err.message}`));
    this.alarmDesk.evaluate(now, this.devs.values(), this.pumpControllers.values());
    if (this.deps.health) reportStation(this.deps.health, this);
    // No programme or light before the outputs are in their safe state after the start.
    if (this.started) this.automation.tick(now);
    // A failing journal is probed once a second, so it recovers by itself when space returns.
    if (this.journal.unavailable() !== undefined && now - this.lastProbe >= 1000) {
      this.lastProbe = now;
      this.journal.writable();
    }
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      this.journal.write('prune', () => this.historyDb.prune(now, this.cfg.history.rawDays, this.cfg.history.minuteDays, this.cfg.history.alarmDays));
    }
    this.tickCount++;
  }

  /** Sets an output and verifies it; refusals and failures resolve with the reason (automation). */
  private async output(deviceId: string, point: string, value: boolean | number, actor: string): Promise<CommandResult> {
    // While stopping, only a write that brings an output to its safe state (a programme's abort
    // closing its valves) goes through.
    if (this.stopping && !isSafeWrite(this.safe, deviceId, point, value)) return refused(reasons.stopping());
    const unaudited = this.userAuditBlocker(actor);
    if (unaudited) return refused(unaudited);
    const d = this.devs.get(deviceId);
    const r = !d
      ? refused(unknownDevice(deviceId))
      : d.profile.kind === 'vfd'
        ? refused({
            code: 'use-pump-command',
            en: 'refused: drives are commanded through their pump',
            vi: 'từ chối: biến tần chỉ được điều khiển qua lệnh bơm',
          })
        : await verifiedOutput(d, point, value, 3_000);
    this.audit({
      actor,
      action: 'device.output',
      target: `device:${deviceId}`,
      result: outcome(r),
      detail: { point, value, reason: r.reason, verifiedMs: r.verifiedMs },
    });
    return r;
  }

  // ---- DeviceService ----

  devices(): DeviceInfo[] {
    return [...this.devs.values()].map((d) => {
      const st = this.store.deviceStatus(d.cfg.id);
      return {
        id: d.cfg.id,
        name: d.cfg.name,
        profile: d.profile.id,
        kind: d.profile.kind,
        bus: d.cfg.bus,
        unit: d.cfg.unit,
        online: !!st && !st.failed && d.stats.polls > 0,
        error: st?.error,
        values: this.store.list(d.cfg.id),
      };
    });
  }

  values(deviceId?: string): PointValue[] {
    return this.store.list(deviceId);
  }

  buses(): BusInfo[] {
    return [...this.busQueues.values()].map((b) => ({ id: b.name, ...b.stats() }));
  }

  pumps(): PumpInfo[] {
    return [...this.pumpControllers.values()].map((p) => {
      const s = p.state();
      return {
        id: p.id,
        name: p.cfg.name,
        actuator: p.act.kind,
        device: p.drive.cfg.id,
        contactor: p.cfg.contactor,
        running: s.running,
        mode: s.mode,
        remote: s.remote,
        fault: s.fault,
        reachable: s.driveReachable,
        startsLastHour: s.starts.length,
        startBlocker: p.blocker(),
        limits: p.cfg.limits,
      };
    });
  }

  /** A pump by its id, or by its drive's device id (never by a relay module's: it may carry valves too). */
  private pumpFor(id: string): PumpController | undefined {
    return this.pumpControllers.get(id) ?? [...this.pumpControllers.values()].find((p) => p.act.kind === 'drive' && p.drive.cfg.id === id);
  }

  async command(deviceId: string, command: string, args: Record<string, number>, actor: string): Promise<CommandResult> {
    const pump = this.pumpFor(deviceId);
    // A stop always goes through; anything else waits for the next runtime.
    if (this.stopping && !(pump && command === 'stop')) return refused(reasons.stopping());
    if (pump) {
      if (command === 'run' || command === 'start') return pump.start(actor);
      if (command === 'stop') return pump.stop(actor);
      const unaudited = this.userAuditBlocker(actor);
      if (unaudited) return refused(unaudited);
      return pump.other(command, args, actor);
    }
    const unaudited = this.userAuditBlocker(actor);
    if (unaudited) return refused(unaudited);
    const d = this.devs.get(deviceId);
    if (!d) return refused(unknownDevice(deviceId));
    if (d.profile.kind === 'vfd' && command === 'run') {
      const r = refused({
        code: 'no-safety-profile',
        en: `refused: ${d.cfg.name} has no pump safety profile`,
        vi: `từ chối: ${d.cfg.name} chưa có cấu hình an toàn bơm`,
      });
      this.audit({ actor, action: `device.${command}`, target: `device:${deviceId}`, result: 'refused', detail: { reason: r.reason } });
      return r;
    }
    const r = d.profile.commands[command] ? await runCommand(d, command, args, 5_000) : refused(reasons.unknownCommand(command));
    this.audit({
      actor,
      action: `device.${command}`,
      target: `device:${deviceId}`,
      result: outcome(r),
      detail: { args, reason: r.reason, verifiedMs: r.verifiedMs },
    });
    return r;
  }

  async setOutput(deviceId: string, point: string, value: boolean | number, actor: string): Promise<CommandResult> {
    const r = await this.output(deviceId, point, value, actor);
    if (!r.ok) throw new DeviceCommandError(`${deviceId}.${point}=${String(value)}`, r);
    return r;
  }

  alarms(): Alarm[] {
    return this.alarmDesk.list();
  }

  acknowledge(alarmId: string, actor: string): boolean {
    const ok = this.alarmDesk.acknowledge(alarmId, actor);
    if (ok) this.audit({ actor, action: 'alarm.ack', target: `alarm:${alarmId}`, result: 'ok' });
    return ok;
  }

  pumpDaily(pumpId: string, days: number): Array<{ day: string; starts: number; runHours: number }> | undefined {
    return this.pumpControllers.has(pumpId) ? this.historyDb.daily(pumpId, days, this.deps.tz) : undefined;
  }

  programmes(): { programmes: ProgrammeInfo[]; lighting: DevicesConfig['lighting'] } {
    const active = new Set(this.automation.running());
    return { programmes: this.cfg.programmes.map((p) => ({ ...p, running: active.has(p.id) })), lighting: this.cfg.lighting };
  }

  runProgramme(id: string, actor: string): CommandResult {
    const p = this.cfg.programmes.find((x) => x.id === id);
    if (!p) return refused({ code: 'unknown-programme', en: `refused: no programme ${id}`, vi: `từ chối: không có chương trình ${id}` });
    if (this.stopping) return refused(reasons.stopping());
    const unaudited = this.userAuditBlocker(actor);
    if (unaudited) return refused(unaudited);
    if (this.automation.running().includes(id)) {
      const r = refused(reasons.programmeRunning(id));
      this.audit({ actor, action: 'programme.run-now', target: `programme:${p.id}`, result: 'refused', detail: { reason: r.reason } });
      return r;
    }
    this.audit({ actor, action: 'programme.run-now', target: `programme:${p.id}`, result: 'ok' });
    void this.automation.runProgramme(p);
    return { ok: true, status: 'done' };
  }

  async cancelProgramme(id: string, actor: string): Promise<CommandResult> {
    const unaudited = this.userAuditBlocker(actor);
    if (unaudited) return refused(unaudited);
    if (!this.automation.cancel(id)) return refused(reasons.programmeNotRunning(id));
    this.audit({ actor, action: 'programme.cancel', target: `programme:${id}`, result: 'ok' });
    await this.automation.ended(id);
    return { ok: true, status: 'done' };
  }

  history(device: string, point: string, from: number, to: number, resolution: 'raw' | 'minute' | 'auto'): Sample[] {
    return this.historyDb.query(device, point, from, to, resolution);
  }

  alarmLog(from: number, to: number, limit: number): AlarmLogRow[] {
    return this.historyDb.alarmLog(from, to, limit);
  }
}

const unknownDevice = (id: string): Reason => ({ code: 'unknown-device', en: `refused: no device ${id}`, vi: `từ chối: không có thiết bị ${id}` });
