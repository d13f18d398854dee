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
import { BusQueue } from './bus/bus-queue.ts';
import { ModbusSerialTransport, type LineSpec } from './bus/modbus-serial-transport.ts';
import { AlarmBook, type Alarm, type AlarmChange, type LimitRule } from './lib/alarms.ts';
import { t35Ms } from './lib/rtu-timing.ts';
import { reasons, type Reason } from './lib/reasons.ts';
import { runCommand, setOutput, refused, DeviceCommandError, type CommandResult } from './commander.ts';
import { makeDevice, Poller, type Device } from './poller.ts';
import { PumpController } from './pump-controller.ts';
import { contactorActuator, driveActuator } from './pump-actuator.ts';
import { Automation } from './automation.ts';
import { History } from './history.ts';
import { Journal } from './journal.ts';
import { PumpRuns } from './pump-runs.ts';
import { ValueStore, type PointValue } from './values.ts';
import type { DevicesConfig } from './config.ts';
import type { DeviceInfo, DeviceService } from './service.ts';

const ALARMS_KEY = 'alarms';

export type StreamEvent = { type: 'value'; data: PointValue } | { type: 'alarm'; data: { change: AlarmChange['type']; alarm: Alarm } };

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

export class DevicesRuntime implements DeviceService {
  readonly buses = new Map<string, BusQueue>();
  readonly devs = new Map<string, Device>();
  readonly pumps = new Map<string, PumpController>();
  readonly store = new ValueStore();
  readonly alarmBook = new AlarmBook();
  readonly history: History;
  /** Every devices write to SQLite goes through it; it never throws (journal.ts). */
  readonly journal: Journal;
  readonly automation: Automation;
  private readonly poller: Poller;
  private readonly rules: LimitRule[];
  private timer: NodeJS.Timeout | undefined;
  /** The tick under way, if any: stop() awaits it. */
  private ticking: Promise<void> | undefined;
  private lastPrune = 0;
  private lastProbe = 0;
  private stopped: Promise<void> | undefined;

  constructor(readonly cfg: DevicesConfig, private readonly deps: RuntimeDeps) {
    const log = deps.log;
    this.history = new History(deps.db, cfg.history.sampleS * 1000);
    this.journal = new Journal(deps.db, log, { health: deps.health, metrics: deps.metrics });
    for (const b of cfg.buses) {
      const spec: LineSpec = b.type === 'rtu'
        ? { type: 'rtu', path: b.path, baudRate: b.baudRate, parity: b.parity, stopBits: b.stopBits }
        : b.type === 'tcp' ? { type: 'tcp', host: b.host, port: b.port } : { type: 'tcp', host: '127.0.0.1', port: deps.simulatorPort ?? 5020 };
      const gapMs = b.type === 'rtu' ? b.gapMs ?? t35Ms(b.baudRate) : 0;
      this.buses.set(b.id, new BusQueue({ name: b.id, transport: new ModbusSerialTransport(spec), gapMs, backoff: { baseMs: b.backoffMs, capMs: 60_000 }, reconnect: { baseMs: 250, capMs: 10_000 } }, log));
    }
    for (const d of cfg.devices) {
      const b = cfg.buses.find((x) => x.id === d.bus)!;
      this.devs.set(d.id, makeDevice(d, this.buses.get(d.bus)!, b));
    }
    this.poller = new Poller([...this.devs.values()], this.store, log);
    for (const p of cfg.pumps) {
      // The config schema guarantees exactly one of drive/contactor, naming configured devices.
      const act = p.contactor ? contactorActuator(this.devs.get(p.contactor.device)!, p.contactor, p) : driveActuator(this.devs.get(p.drive!)!);
      this.pumps.set(p.id, new PumpController(p, act, this.store, new PumpRuns(p.id, this.history, this.journal, log), {
        audit: (actor, action, result, detail) => this.audit({ actor, action, target: `pump:${p.id}`, result, detail }),
        recordBlocker: (probe) => this.recordBlocker(probe),
        trip: (pump, reason) => this.applyAlarms(this.alarmBook.raise(Date.now(), {
          id: `${pump.id}:trip:${reason.code}`, kind: 'trip', severity: 'critical', deviceId: pump.drive.cfg.id, message: { en: `${pump.cfg.name}: ${reason.en}`, vi: `${pump.cfg.name}: ${reason.vi}` },
        })),
        unexpectedStop: (pump, fault) => this.applyAlarms(this.alarmBook.raise(Date.now(), {
          id: `${pump.id}:unexpected-stop`, kind: fault ? 'fault' : 'trip', severity: 'critical', deviceId: pump.drive.cfg.id,
          message: { en: `${pump.cfg.name} stopped without a command${fault ? ' (drive fault)' : ''}; it will not be restarted automatically`, vi: `${pump.cfg.name} dừng khi không có lệnh${fault ? ' (biến tần báo lỗi)' : ''}; hệ thống sẽ không tự khởi động lại` },
        })),
      }, log));
    }
    this.rules = cfg.alarms.map((a) => ({ id: a.id, deviceId: a.device, point: a.point, high: a.high, low: a.low, hysteresis: a.hysteresis, delayMs: a.delayS * 1000, severity: a.severity, label: a.label }));
    this.restoreAlarms();
    this.store.onListenerError = (err) => log.error(`devices: value listener failed: ${err.message}`, { stack: err.stack });
    this.store.onChange((v) => {
      deps.emit({ type: 'value', data: v });
      const value = v.value;
      if (v.quality === 'good' && typeof value === 'number') this.journal.write('sample', () => this.history.sample(v.deviceId, v.point, value));
    });
    this.automation = new Automation(cfg.programmes, cfg.lighting, {
      tz: deps.tz, lat: deps.lat, lon: deps.lon, minuteMs: deps.minuteMs,
      setOutput: (device, point, value, actor) => this.output(device, point, value, actor),
      pump: (id) => this.pumps.get(id),
      audit: (actor, action, target, result, detail) => this.audit({ actor, action, target, result, detail }),
      lastAlive: () => {
        const v = this.history.getState('lastAlive');
        return v ? Number(v) : undefined;
      },
      setLastAlive: (ms) => void this.journal.write('last-alive time', () => this.history.setState('lastAlive', String(ms))),
    }, log);
  }

  /** True once stop() was called: commands are refused, nothing new starts. */
  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  start(): void {
    // Say at once whether the journal can be written, so health lists it from the start.
    this.journal.writable();
    for (const b of this.buses.values()) b.start();
    this.poller.start();
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
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.automation.stop();
    await this.automation.idle();
    await this.ticking;
    await Promise.all([...this.pumps.values()].map((p) => p.idle()));
    this.poller.stop();
    await this.poller.idle();
    await Promise.all([...this.buses.values()].map((b) => b.stop()));
    // A trip queued by the last tick or a command's read-back failing fast on a closed bus.
    await Promise.all([...this.pumps.values()].map((p) => p.idle()));
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
    if (probe ? !this.journal.writable() : this.journal.unavailable() !== undefined) return reasons.journalUnavailable(this.journal.unavailable() ?? 'write failed');
    if (probe && this.deps.auditCheck) {
      const why = this.deps.auditCheck();
      if (why !== undefined) return reasons.auditUnavailable(why);
    }
    return null;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    for (const p of this.pumps.values()) await p.tick(now).catch((err: Error) => this.deps.log.error(`devices: pump ${p.id} tick failed: ${err.message}`));
    this.evaluateAlarms(now);
    this.automation.tick(now);
    // A failing journal is probed once a second, so it recovers by itself when space returns.
    if (this.journal.unavailable() !== undefined && now - this.lastProbe >= 1000) {
      this.lastProbe = now;
      this.journal.writable();
    }
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      this.journal.write('prune', () => this.history.prune(now, this.cfg.history.rawDays, this.cfg.history.minuteDays));
    }
  }

  private evaluateAlarms(now: number): void {
    for (const r of this.rules) {
      const v = this.store.get(r.deviceId, r.point);
      this.applyAlarms(this.alarmBook.evaluate(now, r, typeof v.value === 'number' ? v.value : null, v.quality === 'good'));
    }
    for (const d of this.devs.values()) {
      const st = this.store.deviceStatus(d.cfg.id);
      const id = `${d.cfg.id}:comm-loss`;
      if (st?.failed) {
        this.applyAlarms(this.alarmBook.raise(now, { id, kind: 'comm-loss', severity: 'warning', deviceId: d.cfg.id,
          message: { en: `no communication with ${d.cfg.name}: ${st.error ?? ''}`, vi: `mất liên lạc với ${d.cfg.name}` } }));
      } else if (st && d.stats.polls > 0) {
        // Only a good poll clears it: a runtime just rebuilt has not heard from the device yet,
        // and "not failed yet" must not clear an alarm a silent device raised before the rebuild.
        this.applyAlarms(this.alarmBook.clear(now, id));
      }
    }
    for (const p of this.pumps.values()) {
      const s = p.state(now);
      const id = `${p.id}:fault`;
      if (s.driveReachable && s.fault) {
        this.applyAlarms(this.alarmBook.raise(now, { id, kind: 'fault', severity: 'critical', deviceId: p.drive.cfg.id, value: s.faultCode ?? null,
          message: { en: `${p.cfg.name}: drive fault ${s.faultCode ?? ''}`, vi: `${p.cfg.name}: biến tần báo lỗi ${s.faultCode ?? ''}` } }));
      } else if (s.driveReachable) this.applyAlarms(this.alarmBook.clear(now, id));
      // A trip alarm stays until acknowledged; it is cleared once the pump is seen stopped.
      if (!s.running) for (const a of this.alarmBook.list()) if (a.active && a.kind === 'trip' && a.id.startsWith(`${p.id}:`)) this.applyAlarms(this.alarmBook.clear(now, a.id));
    }
  }

  private applyAlarms(changes: AlarmChange[], actor?: string): void {
    for (const c of changes) {
      // Raised on the stream and the bus whether or not the journal takes it (a full disk is
      // exactly when operators must still see alarms).
      this.journal.write('alarm log', () => this.history.logAlarm(Date.now(), c.alarm.id, c.type, c.alarm.kind, c.alarm.deviceId, c.alarm.message.en, actor));
      this.deps.emit({ type: 'alarm', data: { change: c.type, alarm: { ...c.alarm } } });
    }
    // The book is saved on every change, so a config rebuild or a hub restart keeps what operators
    // have not dealt with yet (and what they acknowledged).
    if (changes.length) this.journal.write('saved alarms', () => this.history.setState(ALARMS_KEY, JSON.stringify(this.alarmBook.list())));
  }

  /**
   * Takes back the saved alarms. One whose source is gone from the configuration (device, limit
   * rule or pump removed) could never clear by itself, so it is cleared now; it stays listed until
   * acknowledged if it never was.
   */
  private restoreAlarms(): void {
    const saved = this.history.getState(ALARMS_KEY);
    if (!saved) return;
    let list: Alarm[];
    try {
      list = JSON.parse(saved) as Alarm[];
    } catch (err) {
      this.deps.log.warn(`devices: saved alarms unreadable, starting with none: ${(err as Error).message}`);
      return;
    }
    this.alarmBook.restore(list);
    const watched = (a: Alarm): boolean => {
      if (a.kind === 'comm-loss') return this.devs.has(a.deviceId);
      if (a.kind === 'high' || a.kind === 'low') return this.rules.some((r) => a.id === `${r.id}:${a.kind}`);
      return [...this.pumps.keys()].some((p) => a.id.startsWith(`${p}:`));
    };
    const now = Date.now();
    for (const a of this.alarmBook.list()) if (a.active && !watched(a)) this.applyAlarms(this.alarmBook.clear(now, a.id), 'hub:config');
  }

  // ---- DeviceService ----

  devices(): DeviceInfo[] {
    return [...this.devs.values()].map((d) => {
      const st = this.store.deviceStatus(d.cfg.id);
      return { id: d.cfg.id, name: d.cfg.name, profile: d.profile.id, kind: d.profile.kind, bus: d.cfg.bus, unit: d.cfg.unit,
        online: !!st && !st.failed && d.stats.polls > 0, error: st?.error, values: this.store.list(d.cfg.id) };
    });
  }

  values(deviceId?: string): PointValue[] {
    return this.store.list(deviceId);
  }

  /** A pump by its id, or by its drive's device id (never by a relay module's: it may carry valves too). */
  pumpFor(id: string): PumpController | undefined {
    return this.pumps.get(id) ?? [...this.pumps.values()].find((p) => p.act.kind === 'drive' && p.drive.cfg.id === id);
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
    if (!d) return refused({ code: 'unknown-device', en: `refused: no device ${deviceId}`, vi: `từ chối: không có thiết bị ${deviceId}` });
    if (d.profile.kind === 'vfd' && command === 'run') {
      const r = refused({ code: 'no-safety-profile', en: `refused: ${d.cfg.name} has no pump safety profile`, vi: `từ chối: ${d.cfg.name} chưa có cấu hình an toàn bơm` });
      this.audit({ actor, action: `device.${command}`, target: `device:${deviceId}`, result: 'refused', detail: { reason: r.reason } });
      return r;
    }
    const r = d.profile.commands[command] ? await runCommand(d, command, args, 5_000) : refused(reasons.unknownCommand(command));
    this.audit({ actor, action: `device.${command}`, target: `device:${deviceId}`, result: r.ok ? 'ok' : r.status === 'refused' ? 'refused' : 'failed', detail: { args, reason: r.reason, verifiedMs: r.verifiedMs } });
    return r;
  }

  /** DeviceService.setOutput: resolves only with a verified result, else rejects (DeviceCommandError). */
  async setOutput(deviceId: string, point: string, value: boolean | number, actor: string): Promise<CommandResult> {
    const r = await this.output(deviceId, point, value, actor);
    if (!r.ok) throw new DeviceCommandError(`${deviceId}.${point}=${String(value)}`, r);
    return r;
  }

  /** Sets an output and verifies it; refusals and failures resolve with the reason (API, automation). */
  async output(deviceId: string, point: string, value: boolean | number, actor: string): Promise<CommandResult> {
    if (this.stopping) return refused(reasons.stopping());
    const unaudited = this.userAuditBlocker(actor);
    if (unaudited) return refused(unaudited);
    const d = this.devs.get(deviceId);
    const r = !d
      ? refused({ code: 'unknown-device', en: `refused: no device ${deviceId}`, vi: `từ chối: không có thiết bị ${deviceId}` })
      : d.profile.kind === 'vfd'
        ? refused({ code: 'use-pump-command', en: 'refused: drives are commanded through their pump', vi: 'từ chối: biến tần chỉ được điều khiển qua lệnh bơm' })
        : await setOutput(d, point, value, 3_000);
    this.audit({ actor, action: 'device.output', target: `device:${deviceId}`, result: r.ok ? 'ok' : r.status === 'refused' ? 'refused' : 'failed', detail: { point, value, reason: r.reason, verifiedMs: r.verifiedMs } });
    return r;
  }

  alarms(): Alarm[] {
    return this.alarmBook.list();
  }

  acknowledge(alarmId: string, actor: string): boolean {
    const changes = this.alarmBook.acknowledge(Date.now(), alarmId, actor);
    this.applyAlarms(changes, actor);
    if (changes.length) this.audit({ actor, action: 'alarm.ack', target: `alarm:${alarmId}`, result: 'ok' });
    return changes.length > 0;
  }
}
