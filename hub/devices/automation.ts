/**
 * Programmes and lighting, run offline from the hub's clock. A programme start that fell while
 * the hub was down is journalled as missed and not run late (no rule here says otherwise); a
 * programme in progress when the hub went down is not resumed. Lighting is a state ("on between
 * sunset+10 and 05:00"), so after a restart the lights take the state the schedule gives now.
 */
import type { Logger } from '../core/log.ts';
import { lightingOn, programmeSteps, startsBetween, type LightingSchedule, type Programme } from './lib/schedule.ts';
import type { CommandResult } from './command-result.ts';
import type { PumpController } from './pump-controller.ts';

export interface AutomationDeps {
  tz: string;
  lat: number;
  lon: number;
  setOutput(device: string, point: string, value: boolean, actor: string): Promise<CommandResult>;
  pump(id: string): PumpController | undefined;
  audit(actor: string, action: string, target: string, result: 'ok' | 'refused' | 'failed', detail: Record<string, unknown>): void;
  lastAlive(): number | undefined;
  setLastAlive(ms: number): void;
  /** The programmes under way as last saved (a hub killed mid-programme left them there). */
  loadActive(): ActiveProgramme[];
  /** Saves the programmes under way, after every step (journal.ts: never throws). */
  saveActive(list: ActiveProgramme[]): void;
  /** Minutes in ms (tests shorten it). */
  minuteMs?: number;
}

/** A programme under way, as saved after each step. */
export interface ActiveProgramme {
  id: string;
  startedAt: number;
  pump: string | null;
  pumpStarted: boolean;
  opened: Array<{ device: string; point: string }>;
}

export class Automation {
  /** Programmes a previous run of the hub left under way (killed): journalled, never resumed. */
  readonly interrupted: ActiveProgramme[];
  private readonly records = new Map<string, ActiveProgramme>();
  private lastTick: number;
  private readonly active = new Map<string, { cancel: boolean }>();
  /** Each running programme's run (never rejects): cancel awaits its own, not the others'. */
  private readonly runs = new Map<string, Promise<{ ok: boolean; reason?: unknown }>>();
  private readonly lightState = new Map<string, boolean>();
  private stopped = false;
  private lastAliveWrite = 0;
  /** Programmes and light switching under way: stop() callers await them through idle(). */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly programmes: Programme[],
    private readonly lighting: LightingSchedule[],
    private readonly deps: AutomationDeps,
    private readonly log: Logger,
    now = Date.now(),
  ) {
    this.lastTick = now;
    this.interrupted = deps.loadActive();
    for (const a of this.interrupted) {
      this.log.warn(`devices: programme ${a.id} (started ${new Date(a.startedAt).toISOString()}) was interrupted when the hub went down; not resumed`);
      deps.audit(`rule:programme:${a.id}`, 'programme.interrupted', `programme:${a.id}`, 'failed', {
        startedAt: new Date(a.startedAt).toISOString(),
        pumpStarted: a.pumpStarted,
        opened: a.opened,
      });
    }
    if (this.interrupted.length) deps.saveActive([]);
    const alive = deps.lastAlive();
    if (alive !== undefined) {
      for (const p of programmes) {
        for (const at of startsBetween(p, alive, now, deps.tz)) {
          this.log.warn(`devices: programme ${p.id} start at ${new Date(at).toISOString()} missed while the hub was down; not run late`);
          deps.audit(`rule:programme:${p.id}`, 'programme.missed', `programme:${p.id}`, 'refused', {
            scheduledAt: new Date(at).toISOString(),
            hubDownSince: new Date(alive).toISOString(),
          });
        }
      }
    }
  }

  running(): string[] {
    return [...this.active.keys()];
  }

  tick(now = Date.now()): void {
    if (this.stopped) return;
    for (const p of this.programmes) {
      for (const at of startsBetween(p, this.lastTick, now, this.deps.tz)) {
        if (this.active.has(p.id)) {
          this.deps.audit(`rule:programme:${p.id}`, 'programme.start', `programme:${p.id}`, 'refused', {
            scheduledAt: new Date(at).toISOString(),
            reason: 'previous run still in progress',
          });
          continue;
        }
        void this.runProgramme(p);
      }
    }
    for (const l of this.lighting) {
      const want = lightingOn(l, now, this.deps.tz, this.deps.lat, this.deps.lon);
      if (this.lightState.get(l.id) === want) continue;
      this.lightState.set(l.id, want);
      this.track(
        `lighting ${l.id}`,
        this.deps.setOutput(l.output.device, l.output.point, want, `rule:lighting:${l.id}`).then(
          (r) => {
            if (!r.ok) this.lightState.delete(l.id); // try again next tick
          },
          (err: unknown) => {
            this.lightState.delete(l.id);
            throw err;
          },
        ),
      );
    }
    this.lastTick = now;
    if (now - this.lastAliveWrite >= 5_000) {
      this.deps.setLastAlive(now);
      this.lastAliveWrite = now;
    }
  }

  /**
   * Runs one programme now (also used by the API's "run now"); never rejects. One copy at a time:
   * a programme already running is not started again (issue 12, finding 4).
   */
  runProgramme(p: Programme): Promise<{ ok: boolean; reason?: unknown }> {
    if (this.active.has(p.id)) return Promise.resolve({ ok: false, reason: 'already running' });
    const run = this.execute(p).catch((err: Error) => {
      this.active.delete(p.id);
      return { ok: false, reason: err.message };
    });
    this.runs.set(p.id, run);
    void run.finally(() => {
      if (this.runs.get(p.id) === run) this.runs.delete(p.id);
    });
    this.track(`programme ${p.id}`, run);
    return run;
  }

  /** Resolves once no programme or light switching is under way (call after stop()). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private track(what: string, work: Promise<unknown>): void {
    const done = work.catch((err: Error) => this.log.error(`devices: ${what} failed: ${err.message}`));
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  private async execute(p: Programme): Promise<{ ok: boolean; reason?: unknown }> {
    const actor = `rule:programme:${p.id}`;
    const token = { cancel: false };
    this.active.set(p.id, token);
    const pump = p.pump ? this.deps.pump(p.pump) : undefined;
    const opened: Array<{ device: string; point: string }> = [];
    let pumpStarted = false;
    const record: ActiveProgramme = { id: p.id, startedAt: Date.now(), pump: p.pump, pumpStarted, opened };
    // Saved before each step that changes an output and after it, so a hub killed in between
    // knows at its next start which programme it interrupted.
    const persist = (): void => {
      record.pumpStarted = pumpStarted;
      this.records.set(p.id, record);
      this.deps.saveActive([...this.records.values()]);
    };
    const forget = (): void => {
      this.records.delete(p.id);
      this.deps.saveActive([...this.records.values()]);
    };
    persist();
    const fail = async (reason: unknown): Promise<{ ok: false; reason: unknown }> => {
      if (pumpStarted && pump) await pump.stop(actor, { code: 'programme-abort', en: 'programme aborted', vi: 'chương trình bị hủy' });
      for (const v of [...opened]) {
        const r = await this.deps.setOutput(v.device, v.point, false, actor);
        if (r.ok) opened.splice(opened.indexOf(v), 1);
      }
      // What could not be closed stays in the record: the next start closes it.
      if (opened.length === 0 && !(pumpStarted && pump?.state().running)) forget();
      else persist();
      const why = this.stopped && reason === 'cancelled' ? 'interrupted: the hub is stopping' : reason;
      this.deps.audit(actor, 'programme.run', `programme:${p.id}`, 'failed', { reason: why, left: opened });
      this.active.delete(p.id);
      return { ok: false, reason: why };
    };
    this.deps.audit(actor, 'programme.run', `programme:${p.id}`, 'ok', { phase: 'start' });
    for (const step of programmeSteps(p, this.deps.minuteMs)) {
      if (token.cancel || this.stopped) return fail('cancelled');
      switch (step.op) {
        case 'open': {
          opened.push(step.valve);
          persist();
          const r = await this.deps.setOutput(step.valve.device, step.valve.point, true, actor);
          if (!r.ok) return fail(r.reason);
          break;
        }
        case 'close': {
          await this.deps.setOutput(step.valve.device, step.valve.point, false, actor);
          const i = opened.findIndex((v) => v.device === step.valve.device && v.point === step.valve.point);
          if (i >= 0) opened.splice(i, 1);
          persist();
          break;
        }
        case 'pump-start': {
          if (!pump) return fail(`no pump ${p.pump}`);
          pumpStarted = true;
          persist();
          const r = await pump.start(actor);
          if (!r.ok) {
            pumpStarted = false;
            return fail(r.reason);
          }
          break;
        }
        case 'pump-stop': {
          if (!pump) break;
          // A rule's stop waits out the pump's minimum run time; the valve stays open meanwhile.
          for (;;) {
            const r = await pump.stop(actor);
            if (r.ok || r.status === 'failed' || !pump.state().running) break;
            await new Promise((ok) => setTimeout(ok, 500));
            if (this.stopped) break;
          }
          pumpStarted = pump.state().running;
          persist();
          break;
        }
        case 'wait': {
          const end = Date.now() + step.ms;
          while (Date.now() < end) {
            if (token.cancel || this.stopped) return fail('cancelled');
            if (pumpStarted && pump && !pump.state().running) return fail('pump stopped during the programme');
            await new Promise((ok) => setTimeout(ok, Math.min(250, end - Date.now())));
          }
          break;
        }
      }
    }
    this.deps.audit(actor, 'programme.run', `programme:${p.id}`, 'ok', { phase: 'done' });
    forget();
    this.active.delete(p.id);
    return { ok: true };
  }

  /** Cancels a running programme: its abort path stops its pump and closes its valves. */
  cancel(id: string): boolean {
    const t = this.active.get(id);
    if (t) t.cancel = true;
    return !!t;
  }

  /** Resolves once programme `id` is no longer running. */
  async ended(id: string): Promise<void> {
    await this.runs.get(id);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.active.values()) t.cancel = true;
  }
}
