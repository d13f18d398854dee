/**
 * The station's alarms as the runtime keeps them: the book (lib/alarms.ts, pure) fed by the limit
 * rules, comm loss, drive faults and pump trips; every change journalled, sent on the stream and
 * the bus, and the book saved so a rebuild or a restart keeps what operators have not dealt with.
 */
import type { Logger } from '../core/log.ts';
import { AlarmBook, type Alarm, type AlarmChange, type LimitRule } from './lib/alarms.ts';
import { reasons, type Reason } from './lib/reasons.ts';
import { mayResetTrip, tripReset } from './lib/trip-policy.ts';
import type { Device } from './device-io.ts';
import type { PumpController } from './pump-controller.ts';
import type { History } from './history.ts';
import type { Journal } from './journal.ts';
import type { ValueStore } from './values.ts';
import type { DevicesConfig } from './config.ts';

const ALARMS_KEY = 'alarms';

export type AlarmEvent = { change: AlarmChange['type']; alarm: Alarm };

export interface AlarmDeskDeps {
  history: History;
  journal: Journal;
  store: ValueStore;
  log: Logger;
  emit(e: AlarmEvent): void;
}

/** A trip alarm's reason code (older saved alarms carry it only in their id). */
function tripCode(a: Alarm): string {
  return a.code ?? a.id.slice(a.id.lastIndexOf(':') + 1);
}

export class AlarmDesk {
  readonly book = new AlarmBook();
  readonly rules: LimitRule[];

  constructor(
    cfg: DevicesConfig,
    private readonly deps: AlarmDeskDeps,
  ) {
    this.rules = cfg.alarms.map((a) => ({
      id: a.id,
      deviceId: a.device,
      point: a.point,
      high: a.high,
      low: a.low,
      hysteresis: a.hysteresis,
      delayMs: a.delayS * 1000,
      severity: a.severity,
      label: a.label,
    }));
  }

  list(): Alarm[] {
    return this.book.list();
  }

  /** A pump's trip: the reason it was stopped. */
  trip(pump: PumpController, reason: Reason): void {
    this.apply(
      this.book.raise(Date.now(), {
        id: `${pump.id}:trip:${reason.code}`,
        kind: 'trip',
        severity: 'critical',
        deviceId: pump.drive.cfg.id,
        pump: pump.id,
        code: reason.code,
        message: { en: `${pump.cfg.name}: ${reason.en}`, vi: `${pump.cfg.name}: ${reason.vi}` },
      }),
    );
  }

  /** A pump seen stopping without a command (power loss, the drive's watchdog, a fault). */
  unexpectedStop(pump: PumpController, fault: boolean): void {
    this.apply(
      this.book.raise(Date.now(), {
        id: `${pump.id}:unexpected-stop`,
        kind: fault ? 'fault' : 'trip',
        severity: 'critical',
        deviceId: pump.drive.cfg.id,
        pump: pump.id,
        code: 'unexpected-stop',
        message: {
          en: `${pump.cfg.name} stopped without a command${fault ? ' (drive fault)' : ''}; it will not be restarted automatically`,
          vi: `${pump.cfg.name} dừng khi không có lệnh${fault ? ' (biến tần báo lỗi)' : ''}; hệ thống sẽ không tự khởi động lại`,
        },
      }),
    );
  }

  /** One tick's look at limits, comm loss, drive faults and trips. */
  evaluate(now: number, devs: Iterable<Device>, pumps: Iterable<PumpController>): void {
    const { store } = this.deps;
    for (const r of this.rules) {
      const v = store.get(r.deviceId, r.point);
      this.apply(this.book.evaluate(now, r, typeof v.value === 'number' ? v.value : null, v.quality === 'good'));
    }
    for (const d of devs) {
      const st = store.deviceStatus(d.cfg.id);
      const id = `${d.cfg.id}:comm-loss`;
      if (st?.failed) {
        this.apply(
          this.book.raise(now, {
            id,
            kind: 'comm-loss',
            severity: 'warning',
            deviceId: d.cfg.id,
            message: { en: `no communication with ${d.cfg.name}: ${st.error ?? ''}`, vi: `mất liên lạc với ${d.cfg.name}` },
          }),
        );
      } else if (st && d.stats.polls > 0) {
        // Only a good poll clears it: a runtime just rebuilt has not heard from the device yet,
        // and "not failed yet" must not clear an alarm a silent device raised before the rebuild.
        this.apply(this.book.clear(now, id));
      }
    }
    for (const p of pumps) {
      const s = p.state(now);
      const id = `${p.id}:fault`;
      if (s.driveReachable && s.fault) {
        this.apply(
          this.book.raise(now, {
            id,
            kind: 'fault',
            severity: 'critical',
            deviceId: p.drive.cfg.id,
            value: s.faultCode ?? null,
            message: { en: `${p.cfg.name}: drive fault ${s.faultCode ?? ''}`, vi: `${p.cfg.name}: biến tần báo lỗi ${s.faultCode ?? ''}` },
          }),
        );
      } else if (s.driveReachable) this.apply(this.book.clear(now, id));
      // A trip clears once the pump is seen stopped and, when it latches, once a person
      // acknowledged it (lib/trip-policy.ts).
      if (s.running) continue;
      for (const a of this.trips(p.id)) if (a.acknowledged || tripReset(tripCode(a)) === 'auto') this.apply(this.book.clear(now, a.id));
    }
  }

  /** A pump's active trip alarms (its unexpected stop too). */
  private trips(pumpId: string): Alarm[] {
    return this.book
      .list()
      .filter(
        (a) => a.active && (a.pump === pumpId || (a.pump === undefined && a.kind === 'trip' && a.id.startsWith(`${pumpId}:`))) && a.id !== `${pumpId}:fault`,
      );
  }

  /** Why `pumpId` may not start: a latched trip nobody has acknowledged yet; else null. */
  latched(pumpId: string): Reason | null {
    const a = this.trips(pumpId).find((x) => !x.acknowledged && tripReset(tripCode(x)) === 'acknowledge');
    return a ? reasons.tripLatched(a.id, a.message.en, a.message.vi) : null;
  }

  /** Acknowledges an alarm; a latched trip only by a person (never a rule). */
  acknowledge(id: string, actor: string): boolean {
    const a = this.book.get(id);
    if (a?.active && (a.pump !== undefined || a.kind === 'trip') && !mayResetTrip(actor)) return false;
    const changes = this.book.acknowledge(Date.now(), id, actor);
    this.apply(changes, actor);
    return changes.length > 0;
  }

  apply(changes: AlarmChange[], actor?: string): void {
    const { history, journal } = this.deps;
    for (const c of changes) {
      // Raised on the stream and the bus whether or not the journal takes it (a full disk is
      // exactly when operators must still see alarms).
      journal.write('alarm log', () => history.logAlarm(Date.now(), c.alarm.id, c.type, c.alarm.kind, c.alarm.deviceId, c.alarm.message.en, actor));
      this.deps.emit({ change: c.type, alarm: { ...c.alarm } });
    }
    // The book is saved on every change, so a config rebuild or a hub restart keeps what operators
    // have not dealt with yet (and what they acknowledged).
    if (changes.length) journal.write('saved alarms', () => history.setState(ALARMS_KEY, JSON.stringify(this.book.list())));
  }

  /**
   * Takes back the saved alarms. One whose source is gone from the configuration (device, limit
   * rule or pump removed) could never clear by itself, so it is cleared now; it stays listed until
   * acknowledged if it never was.
   */
  restore(devices: ReadonlySet<string>, pumps: ReadonlySet<string>): void {
    const saved = this.deps.history.getState(ALARMS_KEY);
    if (!saved) return;
    let list: Alarm[];
    try {
      list = JSON.parse(saved) as Alarm[];
    } catch (err) {
      this.deps.log.warn(`devices: saved alarms unreadable, starting with none: ${(err as Error).message}`);
      return;
    }
    this.book.restore(list);
    const watched = (a: Alarm): boolean => {
      if (a.kind === 'comm-loss') return devices.has(a.deviceId);
      if (a.kind === 'high' || a.kind === 'low') return this.rules.some((r) => a.id === `${r.id}:${a.kind}`);
      return [...pumps].some((p) => a.id.startsWith(`${p}:`));
    };
    const now = Date.now();
    for (const a of this.book.list()) if (a.active && !watched(a)) this.apply(this.book.clear(now, a.id), 'hub:config');
  }
}
