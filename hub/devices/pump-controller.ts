/**
 * One pump: its state as the drive and sensors report it, the interlocks applied to every start
 * and on every tick, trips, the heartbeat, and the record of starts and runs. Every path that
 * can start a pump comes through `start()`, so no caller (API, programme, other subsystem) can
 * skip the safety rules. The hub never restarts a pump by itself: a pump found stopped (power
 * return, drive watchdog, hub restart) stays stopped until someone or some programme starts it.
 */
import type { Logger } from '../core/log.ts';
import { startBlocker, tripReason, ruleStopBlocker, type PumpLimits, type PumpState } from './lib/interlocks.ts';
import type { Reason } from './lib/reasons.ts';
import { outcome, refused, type CommandResult } from './command-result.ts';
import { reasons } from './lib/reasons.ts';
import type { Device } from './device-io.ts';
import type { PumpActuator, PumpRole } from './pump-actuator.ts';
import type { PumpConfig } from './config.ts';
import type { ValueStore } from './values.ts';
import type { PumpRuns } from './pump-runs.ts';
import { LevelPlausibility, type Implausible } from './lib/plausibility.ts';

/** What the pump tells the runtime. None of these may throw (the runtime catches its own I/O). */
export interface PumpEvents {
  audit(actor: string, action: string, result: 'ok' | 'refused' | 'failed', detail: Record<string, unknown>): void;
  trip(pump: PumpController, reason: Reason): void;
  unexpectedStop(pump: PumpController, fault: boolean): void;
  /**
   * Why a start could not be recorded now (run journal or audit log not writable), or null.
   * With `probe` it tries a real write first (before a start); without, it says what is known.
   */
  recordBlocker(probe: boolean): Reason | null;
  /** When the hub was last known alive before this start (its last-alive time), if ever. */
  lastAlive(): number | undefined;
  /** A trip of this pump that latched and nobody acknowledged yet (lib/trip-policy.ts), or null. */
  latchedTrip(pump: PumpController): Reason | null;
}

export function limitsOf(cfg: PumpConfig): PumpLimits {
  const l = cfg.limits;
  return {
    minRunMs: l.minRunS * 1000,
    minOffMs: l.minOffS * 1000,
    maxStartsPerHour: l.maxStartsPerHour,
    maxRunMs: l.maxRunMin * 60_000,
    dryRunLevelM: l.dryRunLevelM,
    dryRunCurrentA: l.dryRunCurrentA,
    currentGraceMs: l.currentGraceS * 1000,
    salinityMaxPpt: l.salinityMaxPpt,
    canalMinM: l.canalMinM,
    canalMaxM: l.canalMaxM,
    sensorFailsafeMs: l.sensorFailsafeS * 1000,
  };
}

export class PumpController {
  readonly limits: PumpLimits;
  private busy: Promise<unknown> = Promise.resolve();
  private lastRunning: boolean | undefined;
  /** Set while our own command changes the drive's state, so the change is not "unexpected". */
  private commanding = false;
  private lastHeartbeat = 0;
  private tripping = false;
  private commissioned = false;
  /** A contactor seen closing in AUTO without our command: the relay module, not an operator. */
  private uncommanded = false;
  /** When our last start/stop finished: polled states older than this are not news. */
  private commandedAt = 0;
  private heartbeatQueued = false;
  /**
   * The last start or stop this controller made and saw verified, and when the read-back proved
   * it. Until a poll begun after that shows otherwise, the pump is in that state: the poll cache
   * lags a command's own read-back (issue 12, findings 1 and 2: a run sent twice was executed
   * twice, a stop passed for "still running" to the minimum off time, a programme aborted its
   * own pump, a trip stopped a contactor twice).
   */
  private verified: { running: boolean; at: number } | undefined;
  /** Is the intake level transmitter telling the truth (issue 12, finding 7). */
  private readonly plausibility: LevelPlausibility;
  private lastLevelAt: number | undefined;
  /** When this controller was built: the run start assumed for a pump found running. */
  private readonly builtAt = Date.now();

  constructor(
    readonly cfg: PumpConfig,
    /** The drive or contactor that switches the pump (pump-actuator.ts). */
    readonly act: PumpActuator,
    private readonly values: ValueStore,
    /** Starts, open run and last stop, in memory (pump-runs.ts); the start limits read these. */
    private readonly runs: PumpRuns,
    private readonly events: PumpEvents,
    private readonly log: Logger,
  ) {
    this.limits = limitsOf(cfg);
    const pl = cfg.plausibility;
    this.plausibility = new LevelPlausibility({
      frozenMs: pl.frozenS === null ? null : pl.frozenS * 1000,
      noiseBand: pl.noiseBandM,
      maxRatePerS: pl.maxRateMps,
    });
  }

  /** Why the intake level reading cannot be believed now, in words for the reason; undefined if it can. */
  private implausible(now: number, level: { value: number | null; quality: string }): { sensor: string; why: string } | undefined {
    const fs = this.cfg.plausibility.floatSwitch;
    const float = fs ? this.values.get(fs.device, fs.point) : undefined;
    const floatDry = float?.quality === 'good' && float.value === fs!.dryWhen;
    const v: Implausible | null = this.plausibility.verdict(
      now,
      floatDry,
      level.quality === 'good' && level.value !== null ? level.value : undefined,
      this.limits.dryRunLevelM,
    );
    if (!v) return undefined;
    const why =
      v.why === 'frozen'
        ? `frozen within ${this.cfg.plausibility.noiseBandM} m for ${Math.round(v.forMs / 1000)} s while running`
        : v.why === 'rate'
          ? `changing ${v.perS.toFixed(2)} m/s`
          : 'the float switch says dry';
    return { sensor: 'intake level', why };
  }

  get id(): string {
    return this.cfg.id;
  }

  /** The device that switches the pump: the drive, or the relay module of its contactor. */
  get drive(): Device {
    return this.act.device;
  }

  private role(name: PumpRole): string | undefined {
    return this.act.point(name);
  }

  state(now = Date.now()): PumpState {
    const dev = this.drive.cfg.id;
    const rv = (role: PumpRole) => {
      const p = this.role(role);
      return p ? this.values.get(dev, p) : undefined;
    };
    const running = rv('running');
    const reachable = running?.quality === 'good';
    const v = this.verified;
    const isRunning = v && (running?.goodAt ?? 0) <= v.at ? v.running : running?.value === true;
    const fault = rv('fault');
    const remote = rv('remote');
    let mode: PumpState['mode'] = 'auto';
    if (this.cfg.hoa) {
      const hand = this.values.get(this.cfg.hoa.device, this.cfg.hoa.hand);
      const auto = this.values.get(this.cfg.hoa.device, this.cfg.hoa.auto);
      mode = hand.quality === 'good' && hand.value === true ? 'hand' : auto.quality === 'good' && auto.value === true ? 'auto' : 'off';
    }
    const run = this.runs.openRun();
    const last = this.runs.lastStop();
    const currentPoint = this.role('current');
    return {
      running: isRunning,
      runningSince: isRunning ? (run?.startMs ?? this.builtAt) : undefined,
      stoppedSince: isRunning ? undefined : last,
      starts: this.runs.startsSince(now - 3_600_000),
      fault: fault?.value === true,
      faultCode: (() => {
        const p = this.role('faultCode');
        const v = p ? this.values.get(dev, p).value : null;
        return typeof v === 'number' ? v : null;
      })(),
      mode,
      remote: remote ? remote.value === true : true,
      driveReachable: reachable,
      intakeLevel: this.values.reading(this.cfg.intakeLevel.device, this.cfg.intakeLevel.point),
      salinity: this.values.reading(this.cfg.salinity.device, this.cfg.salinity.point),
      canalLevel: this.cfg.canalLevel ? this.values.reading(this.cfg.canalLevel.device, this.cfg.canalLevel.point) : undefined,
      current: currentPoint ? this.values.reading(dev, currentPoint) : undefined,
      implausible: this.implausible(now, this.values.reading(this.cfg.intakeLevel.device, this.cfg.intakeLevel.point)),
    };
  }

  /** Why a start would be refused now (null: it would be allowed), without probing the journal. */
  blocker(now = Date.now()): Reason | null {
    return (
      this.act.protectionBlocker(this.commissioned) ??
      startBlocker(this.state(now), this.limits, now, this.act.label) ??
      this.events.latchedTrip(this) ??
      this.events.recordBlocker(false)
    );
  }

  /** Resolves once no command, stop or heartbeat is queued or under way. */
  async idle(): Promise<void> {
    for (let b = this.busy; ; b = this.busy) {
      await b;
      if (b === this.busy) return;
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Starts the pump if every interlock allows it; verified by read-back. */
  start(actor: string): Promise<CommandResult> {
    return this.serial(async () => {
      const now = Date.now();
      const s = this.state(now);
      // Idempotent: a run sent to a pump running in AUTO writes nothing and counts nothing (a
      // second CiA402 start sequence drops the motor out; a second start would reopen the run).
      if (s.running && s.mode === 'auto' && !s.fault) {
        this.events.audit(actor, 'pump.run', 'ok', { already: 'running' });
        return { ok: true, status: 'done', verifiedMs: 0 };
      }
      // A start that could not be journalled or audited is refused before the drive is commanded.
      const block =
        this.act.protectionBlocker(this.commissioned) ??
        startBlocker(s, this.limits, now, this.act.label) ??
        this.events.latchedTrip(this) ??
        this.events.recordBlocker(true);
      if (block) {
        this.events.audit(actor, 'pump.run', 'refused', { reason: block });
        return refused(block);
      }
      this.commanding = true;
      try {
        const r = await this.act.run(this.cfg.verifyMs);
        if (r.ok) {
          this.runs.start(now);
          this.lastRunning = true;
          this.verified = { running: true, at: Date.now() };
        }
        this.events.audit(actor, 'pump.run', outcome(r), { reason: r.reason, verifiedMs: r.verifiedMs });
        return r;
      } finally {
        this.commanding = false;
        this.commandedAt = Date.now();
      }
    });
  }

  /**
   * Stops the pump. Operators and trips stop at once; a rule's stop waits out the minimum run
   * time (it is refused with the reason, and the programme retries).
   */
  stop(actor: string, why?: Reason): Promise<CommandResult> {
    return this.serial(async () => {
      const now = Date.now();
      if (actor.startsWith('rule:') && !why) {
        const wait = ruleStopBlocker(this.state(now), this.limits, now);
        if (wait) return refused(wait);
      }
      this.commanding = true;
      try {
        const r = await this.act.stop(this.cfg.verifyMs);
        if (r.ok) {
          this.runs.stop(Date.now(), why?.code ?? actor);
          this.lastRunning = false;
          this.verified = { running: false, at: Date.now() };
        }
        this.events.audit(actor, 'pump.stop', outcome(r), { reason: r.reason ?? why, verifiedMs: r.verifiedMs });
        return r;
      } finally {
        this.commanding = false;
        this.commandedAt = Date.now();
      }
    });
  }

  /**
   * Other drive commands (reset, setFrequency): no interlock needed, still verified and audited.
   * A fault reset is refused while the pump runs (on a CiA402 drive it would drop the motor).
   */
  other(command: string, args: Record<string, number>, actor: string): Promise<CommandResult> {
    return this.serial(async () => {
      // The polled state may lag a start verified a moment ago, so our own record counts too.
      const running = this.state().running || this.lastRunning === true;
      const hz = args.hz;
      const r =
        command === 'reset' && running
          ? refused(reasons.resetWhileRunning())
          : command === 'setFrequency' && typeof hz === 'number' && hz < this.cfg.limits.minSpeedHz
            ? refused(reasons.minSpeed(hz, this.cfg.limits.minSpeedHz))
            : await this.act.other(command, args, this.cfg.verifyMs);
      this.commandedAt = Date.now();
      this.events.audit(actor, `pump.${command}`, outcome(r), { args, reason: r.reason, verifiedMs: r.verifiedMs });
      return r;
    });
  }

  /**
   * Sets and verifies (read-back) the device's own communication-loss behaviour, where its profile
   * knows how: a drive's timeout, a relay module's watchdog. Tried again every tick until done.
   */
  async commission(): Promise<void> {
    if (this.commissioned) return;
    for (const c of this.act.commissioning) {
      try {
        await this.act.write(c.point, c.value);
        const back = Number(await this.act.read(c.point));
        if (Math.abs(back - c.value) > 1e-6) throw new Error(`read back ${back}, not ${c.value}`);
        this.events.audit('hub', 'pump.commission', 'ok', { point: c.point, value: c.value, why: c.why });
      } catch (err) {
        this.log.warn(`devices: commissioning ${this.drive.cfg.id}.${c.point} failed: ${(err as Error).message}`);
        return;
      }
    }
    this.commissioned = true;
  }

  /** Called every tick: trips, transitions seen on the drive, heartbeat, commissioning. */
  async tick(now = Date.now()): Promise<void> {
    const lv = this.values.reading(this.cfg.intakeLevel.device, this.cfg.intakeLevel.point);
    if (lv.quality === 'good' && lv.value !== null && lv.goodAt !== undefined && lv.goodAt !== this.lastLevelAt) {
      this.lastLevelAt = lv.goodAt;
      this.plausibility.observe(lv.goodAt, lv.value, this.state(now).running);
    }
    if (!this.state(now).driveReachable) return;
    if (!this.commissioned) await this.commission();
    // Read after the commissioning writes: a command finished meanwhile must not be judged against
    // the state from before it (that passed for an unexpected stop, then an uncommanded start).
    const s = this.state(now);
    // Changes the hub did not command: a start at the panel (counted against the hourly limit),
    // or a stop by power loss, the drive's watchdog or a fault (never undone by the hub).
    // In AUTO nothing but the hub may close a contactor: a relay module that restores its outputs
    // when power returns would otherwise restart the pump by itself.
    const contactorAuto = this.act.kind === 'contactor' && s.mode === 'auto';
    // A drive in AUTO under remote control takes run commands only from the network: a start the
    // hub did not command there came from another Modbus master (issue 12, finding 8). A start at
    // the panel shows as local control or HAND and is only counted.
    const foreignStart = contactorAuto || (this.act.kind === 'drive' && s.mode === 'auto' && s.remote);
    // A poll made before our own command finished still shows the old state: not a change.
    const runPoint = this.role('running');
    const fresh = !!runPoint && (this.values.get(this.drive.cfg.id, runPoint).goodAt ?? 0) > this.commandedAt;
    if (this.lastRunning !== undefined && s.running !== this.lastRunning && !this.commanding && fresh) {
      if (s.running) {
        this.runs.start(now);
        if (foreignStart) {
          this.uncommanded = true;
          this.events.audit(`device:${this.drive.cfg.id}`, 'pump.uncommanded-start', 'failed', { mode: s.mode, remote: s.remote, actuator: this.act.kind });
        }
      } else {
        this.runs.stop(now, s.fault ? 'drive-fault' : 'unexpected');
        this.events.unexpectedStop(this, s.fault);
      }
    }
    if (this.lastRunning === undefined && !this.commanding && fresh) {
      // First look after the hub started: bring the run journal in line with the drive, never the
      // other way round. (Not while our own first command is under way: start() journals that.)
      if (s.running && !this.runs.openRun()) {
        this.runs.start(now);
        if (contactorAuto) this.uncommanded = true;
      }
      // Found stopped: it stopped while the hub was down, at the latest when the hub was last
      // alive, not now (issue 12, finding 10: run hours were overstated by the whole outage).
      const open = this.runs.openRun();
      if (!s.running && open) this.runs.stop(Math.max(open.startMs, Math.min(now, this.events.lastAlive() ?? now)), 'found-stopped');
    }
    if (!this.commanding && fresh) this.lastRunning = s.running;
    if (!s.running) this.uncommanded = false;
    const trip = tripReason(s, this.limits, now) ?? (this.uncommanded ? reasons.uncommandedStart(this.act.kind) : null);
    if (trip && !this.tripping) {
      this.tripping = true;
      this.log.warn(`devices: pump ${this.id} tripped: ${trip.en}`);
      // The stop is queued before the alarm is raised: nothing the alarm does can hold it back.
      void this.stop(`rule:safety:${this.id}`, trip)
        .catch((err: Error) => this.log.error(`devices: pump ${this.id} trip stop failed: ${err.message}`))
        .finally(() => (this.tripping = false));
      this.events.trip(this, trip);
    }
    const hb = this.act.heartbeat;
    if (hb && now - this.lastHeartbeat >= this.cfg.heartbeatMs && !this.heartbeatQueued) {
      this.lastHeartbeat = now;
      this.heartbeatQueued = true;
      // In turn with commands (never between a setFrequency and its read-back), and not awaited:
      // a command being verified must not hold up the other pumps' trips.
      void this.serial(async () => {
        this.heartbeatQueued = false;
        const v = this.values.get(this.drive.cfg.id, hb);
        // A value polled before our last command may be the one that command replaced.
        if (v.quality !== 'good' || v.value === null || (v.goodAt ?? 0) <= this.commandedAt) return;
        // Not audited: it rewrites the value the drive already holds, every second.
        await this.act.write(hb, v.value).catch(() => undefined);
      }).catch((err: Error) => this.log.error(`devices: pump ${this.id} heartbeat failed: ${err.message}`));
    }
  }
}
