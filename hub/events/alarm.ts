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

export class RelayAlarm implements AlarmOutput {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; target: AlarmTarget; by: string }>();

  constructor(private readonly log: Logger, private readonly setter: () => OutputSetter | undefined) {}

  raise(t: AlarmTarget, by: string): void {
    const key = `${t.device}/${t.output}`;
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing.timer);
    else void this.set(t, true, by);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      void this.set(t, false, by);
    }, t.seconds * 1000);
    this.timers.set(key, { timer, target: t, by });
  }

  private async set(t: AlarmTarget, on: boolean, by: string): Promise<void> {
    const s = this.setter();
    if (!s) {
      this.log.warn(`alarm ${t.device}/${t.output} ${on ? 'on' : 'off'} (${by}): no devices service can set outputs; logged only`);
      return;
    }
    try {
      const r = await s.setOutput(t.device, t.output, on, by);
      if (r && !r.ok) this.log.error(`alarm ${t.device}/${t.output} not switched ${on ? 'on' : 'off'}: ${r.status ?? 'refused'} ${JSON.stringify(r.reason ?? null)}`);
      else this.log.info(`alarm ${t.device}/${t.output} ${on ? 'on' : 'off'} (${by})`);
    } catch (err) {
      this.log.error(`alarm ${t.device}/${t.output} could not be switched ${on ? 'on' : 'off'}: ${(err as Error).message}`);
    }
  }

  /**
   * Switches off whatever is on: a siren must not outlive the hub that raised it. Awaited by the
   * hub's stop, so the writes happen while the devices module still runs, not after it stopped.
   */
  async stop(): Promise<void> {
    const offs = [...this.timers.values()].map(({ timer, target, by }) => {
      clearTimeout(timer);
      return this.set(target, false, by);
    });
    this.timers.clear();
    await Promise.all(offs);
  }
}
