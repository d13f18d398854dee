/**
 * An ATV320-like drive for the simulator: the register image and the CiA402 (DRIVECOM) state
 * machine as the Altivar communication parameters manual describes it, driven by writes to CMD.
 * Enough to prove the atv320 profile's command sequences and status decoding; not the motor.
 */

/** Logical addresses (see profiles/schneider-atv320.json for the manual sections). */
export const ATV = { CMD: 8501, LFR: 8502, ETA: 3201, RFR: 3202, LCR: 3204, ULN: 3207, LFT: 7121, TTO: 6005, SLL: 7010 } as const;

export type AtvState = 'switch-on-disabled' | 'ready-to-switch-on' | 'switched-on' | 'operation-enabled' | 'fault';

/** ETA bits 0-6 per CiA402 state (bit 4 "voltage enabled" is added while mains is present). */
const ETA_STATE: Record<AtvState, number> = {
  'switch-on-disabled': 0x40,
  'ready-to-switch-on': 0x21,
  'switched-on': 0x23,
  'operation-enabled': 0x27,
  fault: 0x08,
};

export class AtvDrive {
  readonly regs = new Map<number, number>();
  state: AtvState = 'switch-on-disabled';
  /** Forced local (FLO) or the keypad has the drive: network commands are ignored. */
  local = false;
  faultCode = 0;
  starts = 0;
  /** Every value written to CMD, in order (tests check the sequences). */
  readonly cmdLog: number[] = [];
  private lastCmd = 0;

  constructor() {
    for (let a = ATV.ETA; a <= ATV.ULN; a++) this.regs.set(a, 0);
    this.regs.set(ATV.CMD, 0);
    this.regs.set(ATV.LFR, 500); // 50.0 Hz
    this.regs.set(ATV.TTO, 100); // factory 10.0 s
    this.regs.set(ATV.SLL, 1); // factory: freewheel fault on Modbus loss
    this.regs.set(ATV.LFT, 0);
    this.refresh();
  }

  get running(): boolean {
    return this.state === 'operation-enabled';
  }

  /** A holding-register write; false for an address the drive does not accept. */
  write(addr: number, value: number): boolean {
    if (addr === ATV.CMD) {
      this.command(value);
      return true;
    }
    if (addr !== ATV.LFR && addr !== ATV.TTO && addr !== ATV.SLL) return false;
    this.regs.set(addr, value);
    this.refresh();
    return true;
  }

  /** The drive trips (e.g. 16 = OHF, 11 = SLF Modbus loss). */
  trip(code: number): void {
    this.state = 'fault';
    this.faultCode = code;
    this.refresh();
  }

  private command(cw: number): void {
    this.cmdLog.push(cw);
    this.regs.set(ATV.CMD, cw);
    const resetEdge = (cw & 0x80) !== 0 && (this.lastCmd & 0x80) === 0;
    this.lastCmd = cw;
    if (this.state === 'fault') {
      if (resetEdge) {
        this.faultCode = 0;
        this.state = 'switch-on-disabled';
      }
      return this.refresh();
    }
    if (this.local) return;
    const switchOn = (cw & 0x01) !== 0;
    const enableVoltage = (cw & 0x02) !== 0;
    const quickStopOff = (cw & 0x04) !== 0; // quick stop is active low
    const enableOp = (cw & 0x08) !== 0;
    const s = this.state;
    if (!enableVoltage || !quickStopOff)
      this.state = 'switch-on-disabled'; // disable voltage / quick stop
    else if (!switchOn)
      this.state = 'ready-to-switch-on'; // shutdown
    else if (s === 'switch-on-disabled')
      return; // 7 or 15 straight from here is not a transition
    else if (!enableOp)
      this.state = 'switched-on'; // switch on, or disable operation (ramp stop)
    else {
      if (s !== 'operation-enabled') this.starts++;
      this.state = 'operation-enabled'; // enable operation (0x0F from "ready" passes through "switched on")
    }
    this.refresh();
  }

  refresh(): void {
    const r = this.regs;
    r.set(ATV.ETA, ETA_STATE[this.state] | 0x10 | (this.local ? 0 : 0x200));
    const lfr = r.get(ATV.LFR) ?? 0;
    r.set(ATV.RFR, this.running ? lfr : 0);
    r.set(ATV.LCR, this.running ? Math.round((85 * lfr) / 500) : 0);
    r.set(ATV.ULN, 3800);
    r.set(ATV.LFT, this.faultCode);
  }
}
