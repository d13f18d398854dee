/**
 * The simulated pump station's physics and register images, with no I/O: a GD20-like drive, an
 * intake sump whose level falls while a pump runs and recovers when it stops, a salinity probe
 * following a semi-diurnal tide (12.42 h), a canal level transmitter, an 8-channel relay module
 * whose inputs carry the Hand/Off/Auto selector and whose relay3 switches a second pump's
 * contactor (input3 its auxiliary contact, input4 its thermal overload), and an ATV320-like drive
 * (atv-drive.ts). The relay module also has the Wiren Board WB-MR safe mode (holding 8, seconds:
 * its relays drop when no request reached it for that long) and power-up state (holding 6), for
 * the wb-mr6c profile; a profile without them never touches those registers.
 * `step(dtMs, nowMs)` advances time; the Modbus servers read and write the images.
 */
import { AtvDrive } from './atv-drive.ts';

export const UNITS = { drive: 1, level: 2, salinity: 3, relay: 4, atv: 5, canal: 6 } as const;

/** The relay channel (coil index) wired to the second pump's contactor, and its inputs. */
export const CONTACTOR = { coil: 2, aux: 2, overload: 3 } as const;

/** The relay module's WB-MR holding registers (Wiren Board wiki, 'Relay Module Modbus Management'). */
export const RELAY_REGS = { powerUpRestore: 6, safeModeS: 8 } as const;

const TIDE_MS = 12.42 * 3_600_000;

export interface ModelOptions {
  /** Process speed-up (1 = real time). */
  speedup?: number;
  /** Intake level change while the pump runs / recovers (m per real second, before speed-up). */
  drawMps?: number;
  recoverMps?: number;
  /** Extra units that answer like salinity probes (benchmarks put 8 devices on one line). */
  extraProbes?: number[];
}

export class StationModel {
  readonly holding = new Map<number, Map<number, number>>();
  readonly input = new Map<number, Map<number, number>>();
  readonly coils = new Map<number, boolean[]>();
  readonly discretes = new Map<number, boolean[]>();
  /** Units that never answer (a dead device, a cut cable). */
  readonly silent = new Set<number>();

  level = 2.0;
  /** A level transmitter stuck at this reading (m) whatever the sump does; null: healthy. */
  levelStuckAt: number | null = null;
  readonly levelMax = 2.5;
  /** Canal water level (m) as the canal transmitter reports it. */
  canalLevel = 1.2;
  /** The contactor pump's thermal overload has tripped (its NC contact drops the contactor). */
  overload = false;
  private salOverride: number | null = null;
  running = false;
  fault = 0;
  local = false;
  hoa: 'hand' | 'off' | 'auto' = 'auto';
  starts = 0;
  private simMs = 0;
  private lastDriveComm = 0;
  /** When a request last reached the relay module (its safe-mode timer), by the clock of touched(). */
  private lastRelayComm = 0;
  /** The clock (ms) of the last step, and the times the relay's safe mode dropped its relays. */
  lastStepMs = 0;
  readonly relaySafeModeTrips: Array<{ atMs: number; quietMs: number }> = [];
  private readonly speedup: number;
  drawMps: number;
  recoverMps: number;

  constructor(private readonly opts: ModelOptions = {}) {
    this.speedup = opts.speedup ?? 1;
    this.drawMps = opts.drawMps ?? 0.01;
    this.recoverMps = opts.recoverMps ?? 0.004;
    const drive = new Map<number, number>([
      [0x2001, 5000],
      [0x0e04, 0],
      [0x0e05, 0],
      [0x2102, 0],
    ]);
    this.holding.set(UNITS.drive, drive);
    this.input.set(UNITS.level, new Map());
    this.holding.set(UNITS.salinity, new Map());
    this.coils.set(UNITS.relay, Array(8).fill(false));
    // Factory values: safe mode off, relays off at power-up.
    this.holding.set(
      UNITS.relay,
      new Map([
        [RELAY_REGS.powerUpRestore, 0],
        [RELAY_REGS.safeModeS, 0],
      ]),
    );
    this.discretes.set(UNITS.relay, Array(8).fill(false));
    this.input.set(UNITS.canal, new Map());
    this.atv = new AtvDrive();
    this.holding.set(UNITS.atv, this.atv.regs);
    for (const u of opts.extraProbes ?? []) {
      if ((Object.values(UNITS) as number[]).includes(u)) throw new Error(`sim: extra probe unit ${u} is a station unit`);
      this.holding.set(u, new Map());
    }
    this.refresh();
  }

  /** A fixed salinity (‰) instead of the tide curve; the register images follow at once. */
  get salinityOverride(): number | null {
    return this.salOverride;
  }
  set salinityOverride(v: number | null) {
    this.salOverride = v;
    this.refresh();
  }

  readonly atv: AtvDrive;

  /** The contactor pump runs while its relay is on and the overload has not tripped. */
  get contactorRunning(): boolean {
    return this.coils.get(UNITS.relay)![CONTACTOR.coil] === true && !this.overload;
  }

  /** Simulated salinity (‰) now. */
  salinity(): number {
    if (this.salOverride !== null) return this.salOverride;
    return Math.max(0, 1.0 + 0.6 * Math.sin((2 * Math.PI * this.simMs) / TIDE_MS));
  }

  /** Advances the process by `dtMs` of wall time. */
  step(dtMs: number, nowMs: number): void {
    this.simMs += dtMs * this.speedup;
    const dt = (dtMs / 1000) * this.speedup;
    if (this.running || this.contactorRunning) this.level = Math.max(0, this.level - this.drawMps * dt);
    else this.level = Math.min(this.levelMax, this.level + this.recoverMps * dt);
    // P14.04: communication timeout in 0.1 s; the drive faults (CE) and coasts to a stop.
    const tto = this.reg(UNITS.drive, 0x0e04) * 100;
    if (this.running && tto > 0 && this.lastDriveComm > 0 && nowMs - this.lastDriveComm > tto) {
      this.running = false;
      this.fault = 18; // CE
    }
    // WB-MR safe mode: with a timeout set, no request for that long switches every relay off
    // (the contactor drops, so the pump stops drawing at the next step).
    const safeMs = this.reg(UNITS.relay, RELAY_REGS.safeModeS) * 1000;
    const quietMs = nowMs - this.lastRelayComm;
    const relays = this.coils.get(UNITS.relay)!;
    if (safeMs > 0 && this.lastRelayComm > 0 && quietMs > safeMs && relays.some(Boolean)) {
      relays.fill(false);
      this.relaySafeModeTrips.push({ atMs: nowMs, quietMs });
    }
    this.lastStepMs = nowMs;
    this.refresh();
  }

  /** A request reached `unit` (the drive's comm timer and the relay's safe mode count any valid frame). */
  touched(unit: number, nowMs: number): void {
    if (unit === UNITS.drive) this.lastDriveComm = nowMs;
    if (unit === UNITS.relay) this.lastRelayComm = nowMs;
  }

  /** How long no request had reached the relay module at the last step (ms, by the model's clock). */
  relayQuietMs(): number {
    return this.lastRelayComm > 0 ? this.lastStepMs - this.lastRelayComm : 0;
  }

  /** Mains lost and back: the drive comes up stopped, whatever it was doing. */
  powerCycleDrive(): void {
    this.running = false;
    this.refresh();
  }

  /** Mains lost and back on the relay module: every relay comes up off, unless holding 6 says restore. */
  powerCycleRelay(): void {
    if (this.reg(UNITS.relay, RELAY_REGS.powerUpRestore) !== 1) this.coils.get(UNITS.relay)!.fill(false);
    this.refresh();
  }

  reg(unit: number, addr: number): number {
    return this.holding.get(unit)?.get(addr) ?? 0;
  }

  writeRegister(unit: number, addr: number, value: number): boolean {
    const regs = this.holding.get(unit);
    if (!regs) return false;
    if (unit === UNITS.atv) {
      const ok = this.atv.write(addr, value);
      this.refresh();
      return ok;
    }
    if (unit === UNITS.drive && addr === 0x2000) {
      this.command(value);
      return true;
    }
    const writable: number[] = unit === UNITS.drive ? [0x2001, 0x0e04, 0x0e05] : unit === UNITS.relay ? Object.values(RELAY_REGS) : [];
    if (!writable.includes(addr)) return false;
    regs.set(addr, value);
    this.refresh();
    return true;
  }

  private command(value: number): void {
    if (value === 1 || value === 2) {
      if (this.fault || this.local || this.hoa === 'off') return;
      if (!this.running) this.starts++;
      this.running = true;
    } else if (value === 5 || value === 6) this.running = false;
    else if (value === 7) this.fault = 0;
    this.refresh();
  }

  setCoil(unit: number, addr: number, value: boolean): boolean {
    const c = this.coils.get(unit);
    if (!c || addr >= c.length) return false;
    c[addr] = value;
    this.refresh();
    return true;
  }

  /** Recomputes every register image from the process state. */
  refresh(): void {
    const d = this.holding.get(UNITS.drive)!;
    const freq = this.running ? (d.get(0x2001) ?? 0) : 0;
    const dry = this.level < 0.2;
    d.set(0x2100, this.fault ? 4 : this.running ? 1 : 3);
    d.set(0x2101, 0x01 | (this.local ? 0x20 : 0x40));
    d.set(0x2102, this.fault);
    for (let a = 0x3000; a <= 0x300b; a++) d.set(a, 0);
    d.set(0x3000, freq);
    d.set(0x3001, d.get(0x2001) ?? 0);
    d.set(0x3002, 540);
    d.set(0x3003, this.running ? Math.round((380 * freq) / 5000) : 0);
    d.set(0x3004, this.running ? Math.round((dry ? 3 : 12) * (freq / 5000) * 10) : 0);
    // 4-20 mA over 0-5 m, in µA.
    this.input.get(UNITS.level)!.set(0, Math.round(4000 + ((this.levelStuckAt ?? this.level) / 5) * 16000));
    const sal = this.salinity();
    const ec = Math.round(sal * 1700 + 150);
    for (const u of [UNITS.salinity, ...(this.opts.extraProbes ?? [])]) {
      const p = this.holding.get(u)!;
      p.set(0, 295);
      p.set(1, (ec >>> 16) & 0xffff);
      p.set(2, ec & 0xffff);
      p.set(3, Math.round(sal * 100));
      p.set(4, Math.round(ec * 0.64));
    }
    const di = this.discretes.get(UNITS.relay)!;
    di[0] = this.hoa === 'hand';
    di[1] = this.hoa === 'auto';
    di[CONTACTOR.aux] = this.contactorRunning;
    di[CONTACTOR.overload] = this.overload;
    // Canal transmitter: 4-20 mA over 0-5 m, in µA, like the intake one.
    this.input.get(UNITS.canal)!.set(0, Math.round(4000 + (Math.max(0, this.canalLevel) / 5) * 16000));
    this.atv.refresh();
  }
}
