/**
 * Local alarm outputs (a siren or light on a Modbus relay) switched by urgent rules, with no
 * internet involved. Through the devices subsystem when it offers a way to set an output;
 * otherwise the hub logs what it would have switched.
 */
import type { Logger } from '../core/log.ts';

export interface AlarmTarget {
  device: string;
  output: string;
  seconds: number;
}

/** What events need from the devices subsystem (DeviceService.setOutput): set a relay/coil output. */
export interface OutputSetter {
  setOutput(deviceId: string, output: string, on: boolean, by: string): Promise<{ ok: boolean; status?: string; reason?: unknown } | void> | void;
}

export interface AlarmOutput {
  /** Switches the target on for its seconds (extended if already on). */
  raise(target: AlarmTarget, by: string): void;
  /** Switches off whatever is on; resolves once the writes are done (before devices stop). */
  stop(): Promise<void> | void;
}

/** Finds an OutputSetter on the devices service, if it has one. */
export function outputSetterOf(devices: unknown): OutputSetter | undefined {
  const d = devices as Partial<OutputSetter> | undefined;
  return d && typeof d.setOutput === 'function' ? (d as OutputSetter) : undefined;
}

/** Waits between tries of a write that failed (no read-back): a busy bus gets time to answer. */
const RETRY_MS = [500, 1000, 2000, 4000];

/** One output's wanted state and the single writer that brings the relay to it. */
interface Line {
  target: AlarmTarget;
  by: string;
  /** What the alarm wants the output to be now. */
  want: boolean;
  /** What the relay was last verified to be (undefined before the first verified write). */
  applied?: boolean;
  /** The writer under way, if any: there is never more than one per output. */
  writing?: Promise<void>;
  offTimer?: NodeJS.Timeout;
}

/**
 * Drives each alarm output through one writer at a time. An output's on and off writes used to
 * run side by side: an alert raised again while the previous off was still being verified sent
 * an on and an off to the same coil at once, the off's read-back saw the on ("failed"), and
 * whichever landed last won, so a siren could go silent in the middle of an alert or stay on
 * after it. Now each output has a wanted state; its one writer writes it, verifies it, and goes
 * again while the wish changed meanwhile. A write that fails (no read-back on a busy bus) is
 * tried again with backoff; a refusal (interlock, unknown device) is not.
 */
export class RelayAlarm implements AlarmOutput {
  private readonly lines = new Map<string, Line>();
  private stopping = false;

  constructor(
    private readonly log: Logger,
    private readonly setter: () => OutputSetter | undefined,
  ) {}

  raise(t: AlarmTarget, by: string): void {
    if (this.stopping) return;
    const key = `${t.device}/${t.output}`;
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = { target: t, by, want: false }));
    clearTimeout(line.offTimer);
    line.target = t;
    line.by = by;
    line.offTimer = setTimeout(() => {
      line.offTimer = undefined;
      line.want = false;
      this.drive(line);
    }, t.seconds * 1000);
    if (!line.want) {
      line.want = true;
      this.drive(line);
    }
  }

  /** Starts the output's writer unless one runs (it will see the new wish when its write ends). */
  private drive(line: Line): Promise<void> {
    line.writing ??= this.write(line).finally(() => {
      line.writing = undefined;
    });
    return line.writing;
  }

  private async write(line: Line): Promise<void> {
    let tries = 0;
    while (line.applied !== line.want) {
      const want = line.want;
      const outcome = await this.set(line.target, want, line.by);
      if (outcome === 'ok') {
        line.applied = want;
        tries = 0;
        continue;
      }
      if (outcome === 'refused' || tries >= RETRY_MS.length || (this.stopping && tries >= 1)) {
        // Nothing more this writer can do; the wish stays, and the next change tries again.
        line.applied = undefined;
        return;
      }
      await new Promise((ok) => setTimeout(ok, RETRY_MS[tries++]));
    }
  }

  private async set(t: AlarmTarget, on: boolean, by: string): Promise<'ok' | 'refused' | 'failed'> {
    const s = this.setter();
    if (!s) {
      this.log.warn(`alarm ${t.device}/${t.output} ${on ? 'on' : 'off'} (${by}): no devices service can set outputs; logged only`);
      return 'refused';
    }
    try {
      const r = await s.setOutput(t.device, t.output, on, by);
      if (r && !r.ok) {
        this.log.error(`alarm ${t.device}/${t.output} not switched ${on ? 'on' : 'off'}: ${r.status ?? 'refused'} ${JSON.stringify(r.reason ?? null)}`);
        return r.status === 'refused' || r.status === undefined ? 'refused' : 'failed';
      }
      this.log.info(`alarm ${t.device}/${t.output} ${on ? 'on' : 'off'} (${by})`);
      return 'ok';
    } catch (err) {
      // DeviceService.setOutput rejects with the result on a refusal or a failed read-back.
      const status = (err as { result?: { status?: string } }).result?.status;
      this.log.error(`alarm ${t.device}/${t.output} could not be switched ${on ? 'on' : 'off'}: ${(err as Error).message}`);
      return status === 'refused' ? 'refused' : 'failed';
    }
  }

  /**
   * Switches off whatever is on: a siren must not outlive the hub that raised it. Awaited by the
   * hub's stop, so the writes happen while the devices module still runs, not after it stopped.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const writers: Promise<void>[] = [];
    for (const line of this.lines.values()) {
      clearTimeout(line.offTimer);
      line.offTimer = undefined;
      if (!line.want && line.applied === false) continue;
      line.want = false;
      writers.push(this.drive(line));
    }
    await Promise.all(writers);
  }
}
