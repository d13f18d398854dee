/**
 * The events engine: feeds tracked-object updates and camera signals through each camera's
 * rules, turns their transitions into stored events, holds the footage, asks for media, drives
 * alarm outputs and publishes to the live stream. Start-up recovery ends or resumes what a
 * killed hub left open.
 */
import type { Logger } from '../core/log.ts';
import type { TamperSignal, TrackReport } from '../pipeline/index.ts';
import type { CameraState } from '../cameras/index.ts';
import type { RecordingService } from '../record/index.ts';
import type { EventsConfig, Rule } from './config.ts';
import type { Condition } from './rules/evaluators.ts';
import { createFrameEvaluator, isFrameRule, type FrameEvaluator } from './rules/evaluators.ts';
import { RuleLifecycle, type Best, type Transition } from './rules/lifecycle.ts';
import type { EventStore, SecurityEvent } from './store.ts';
import type { MediaMaker } from './media.ts';
import type { AlarmOutput } from './alarm.ts';
import type { EventStream } from './stream.ts';
import { clipRange } from './media.ts';
import type { Frame } from '../lib/frame.ts';

interface Runner {
  rule: Rule;
  life: RuleLifecycle;
  frames?: FrameEvaluator;
  /** Camera-signal rules: the subjects whose signal is on now. */
  signals: Map<string, Condition>;
}

export interface EngineDeps {
  store: EventStore;
  media: MediaMaker;
  alarm: AlarmOutput;
  stream: EventStream;
  recordings: () => RecordingService | undefined;
  config: () => EventsConfig;
  timeZone: () => string;
  log: Logger;
  /** Other subsystems' view (bus); called for every published change. */
  publish?: (type: 'new' | 'updated' | 'ended' | 'media', e: SecurityEvent) => void;
  now?: () => number;
}

/** Stored updates and stream messages of one running event come at most this often. */
const UPDATE_EVERY_MS = 1000;
/** A resumed event whose condition is not seen again within this time ends at its last sighting. */
const RESUME_GRACE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The detect frame an event's best picture was decided on. onTracks gives every condition the
 * report's Frame as its `frame` (to the rules it is only the frame's size), so the lifecycle's
 * best keeps that very frame with its box: the frame of an earlier report when the best was
 * chosen while the condition waited out its minimum duration, the report's own otherwise.
 */
function frameOf(best: Best): Frame | undefined {
  return best.frame && 'data' in best.frame ? (best.frame as Frame) : undefined;
}

/** The best picture as stored: the frame's size, never its pixels. */
function stored(best: Best): SecurityEvent['best'] {
  return { at: best.at, score: best.score, box: best.box ?? null, frame: best.frame ? { width: best.frame.width, height: best.frame.height } : null };
}

export class EventEngine {
  private runners = new Map<string, Runner[]>();
  /** `${ruleId}|${subject}` → event id of the open event. */
  private readonly open = new Map<string, number>();
  private readonly lastWrite = new Map<number, number>();
  private readonly now: () => number;

  constructor(private readonly d: EngineDeps) {
    this.now = d.now ?? Date.now;
    this.build(d.config().rules);
  }

  /** (Re)builds the runners from `rules`; events of rules that disappear or change end now. */
  build(rules: readonly Rule[]): void {
    const at = this.now();
    const old = [...this.runners.values()].flat();
    const next = new Map<string, Runner[]>();
    for (const rule of rules) {
      const kept = old.find((r) => JSON.stringify(r.rule) === JSON.stringify(rule));
      const runner: Runner = kept ?? {
        rule,
        life: new RuleLifecycle(rule, this.d.timeZone()),
        frames: isFrameRule(rule) ? createFrameEvaluator(rule) : undefined,
        signals: new Map(),
      };
      const list = next.get(rule.camera) ?? [];
      list.push(runner);
      next.set(rule.camera, list);
    }
    for (const r of old) if (![...next.values()].flat().includes(r)) this.apply(r, r.life.endAll(at));
    this.runners = next;
  }

  rules(): Rule[] {
    return [...this.runners.values()].flat().map((r) => r.rule);
  }

  /** One processed frame's tracks, with the frame (see frameOf). */
  onTracks(u: TrackReport): void {
    for (const r of this.runners.get(u.cameraId) ?? []) {
      if (!r.frames) continue;
      const { conditions, gone } = r.frames.process(u);
      const framed = conditions.map((c) => ({ ...c, frame: u.frame }));
      this.apply(r, r.life.frame(u.frameAt, framed, gone));
    }
  }

  onTamper(s: TamperSignal): void {
    for (const r of this.runners.get(s.cameraId) ?? []) {
      if (r.rule.type !== 'tamper' || !r.rule.kinds.includes(s.kind)) continue;
      this.signal(r, s.kind, s.active, s.at, { subject: s.kind, label: `tamper:${s.kind}`, score: 1, data: { kind: s.kind, value: s.value } });
    }
  }

  onCameraState(s: CameraState): void {
    const at = this.now();
    for (const r of this.runners.get(s.id) ?? []) {
      if (r.rule.type !== 'offline') continue;
      if (s.status === 'starting') continue; // neither down nor back yet
      const down = s.status === 'offline';
      this.signal(r, 'camera', down, at, { subject: 'camera', label: 'offline', score: 1, data: s.reason ? { reason: s.reason } : undefined });
    }
  }

  /** Time passes: camera-signal rules re-assert, stale object events end. */
  tick(): void {
    const at = this.now();
    for (const r of [...this.runners.values()].flat()) {
      if (r.frames) this.apply(r, r.life.tick(at));
      else this.apply(r, r.life.frame(at, [...r.signals.values()]));
    }
  }

  private signal(r: Runner, subject: string, active: boolean, at: number, c: Condition): void {
    if (active) {
      r.signals.set(subject, c);
      this.apply(r, r.life.frame(at, [...r.signals.values()]));
    } else {
      r.signals.delete(subject);
      this.apply(r, r.life.endNow(subject, at));
    }
  }

  private apply(r: Runner, transitions: Transition[]): void {
    for (const t of transitions) {
      try {
        if (t.kind === 'start') this.started(r, t);
        else if (t.kind === 'update') this.updated(t);
        else this.ended(r, t);
      } catch (err) {
        this.d.log.error(`rule ${r.rule.id}: ${t.kind} of ${t.subject} failed: ${(err as Error).message}`);
      }
    }
  }

  private started(r: Runner, t: Transition): void {
    const rule = r.rule;
    const geometry = 'zone' in rule && rule.zone ? { zone: rule.zone } : 'line' in rule ? { line: rule.line } : null;
    const e = this.d.store.start({
      cameraId: rule.camera,
      ruleId: rule.id,
      ruleType: rule.type,
      subject: t.subject,
      trackId: t.condition.trackId,
      label: t.condition.label,
      tier: rule.urgent ? 'alert' : 'detection',
      severity: rule.severity,
      startAt: t.startAt,
      at: t.at,
      best: stored(t.best),
      geometry,
      data: t.condition.data,
    });
    this.open.set(`${rule.id}|${t.subject}`, e.id);
    this.lastWrite.set(e.id, t.at);
    const cfg = this.d.config();
    // Hold the footage from the pre-roll on; the end re-holds the exact range.
    this.holdFootage(e.id, rule.camera, t.startAt - cfg.preRollSeconds * 1000, t.at + DAY_MS);
    if (rule.urgent && rule.alarm) this.d.alarm.raise(rule.alarm, `rule:${rule.id}`);
    this.emit('new', e);
    if (rule.urgent) this.d.log.info(`alert: ${rule.id} on ${rule.camera} (${t.condition.label}), event ${e.id}`);
  }

  private updated(t: Transition): void {
    const id = this.open.get(`${t.ruleId}|${t.subject}`);
    if (id === undefined) return;
    const last = this.lastWrite.get(id) ?? 0;
    if (!t.bestChanged && t.at - last < UPDATE_EVERY_MS) return;
    this.lastWrite.set(id, t.at);
    this.d.store.update(id, {
      at: t.at,
      score: t.condition.score,
      box: t.condition.box ?? null,
      data: t.condition.data,
      best: t.bestChanged ? stored(t.best) : undefined,
    });
    if (t.at - last >= UPDATE_EVERY_MS) this.emit('updated', this.d.store.require(id));
  }

  private ended(r: Runner, t: Transition): void {
    const key = `${t.ruleId}|${t.subject}`;
    const id = this.open.get(key);
    if (id === undefined) return;
    this.open.delete(key);
    this.lastWrite.delete(id);
    this.d.store.end(id, t.at, 'end', stored(t.best));
    this.finish(this.d.store.require(id), r.rule.camera, frameOf(t.best));
  }

  /** Holds the ended event's footage for the media retention, and asks for its media. */
  private finish(e: SecurityEvent, cameraId: string, bestFrame?: Frame): void {
    const cfg = this.d.config();
    const { fromMs, toMs } = clipRange(e, cfg);
    this.holdFootage(e.id, cameraId, fromMs, toMs, (e.endAt ?? e.lastAt) + cfg.mediaRetentionDays * DAY_MS);
    this.emit('ended', e);
    this.d.media.enqueue(e.id, bestFrame);
  }

  /**
   * Holds an event's footage. A refusal (held share full, database full) is already raised by
   * recording as an alarm; the event goes on, its clip is still cut while the footage exists.
   */
  private holdFootage(eventId: number, cameraId: string, fromMs: number, toMs: number, untilMs?: number): void {
    const r = this.d.recordings()?.hold(`event:${eventId}`, cameraId, fromMs, toMs, untilMs);
    if (r && !r.ok) this.d.log.error(`event ${eventId}: footage not held: ${r.reason}`);
  }

  /**
   * Start-up recovery. Events a killed hub left open are, for camera-signal rules that still
   * exist (offline, tamper, crowd), resumed: they carry on if the condition is seen again within
   * a minute, else end at their last sighting; object events end at their last sighting (track
   * ids do not survive a restart). Ended events still waiting for media get them now.
   */
  recover(): { resumed: number; ended: number; pendingMedia: number } {
    let resumed = 0;
    let ended = 0;
    const at = this.now();
    for (const e of this.d.store.open()) {
      const runner = (this.runners.get(e.cameraId) ?? []).find((r) => r.rule.id === e.ruleId);
      const resumable = runner && e.trackId === null && at - e.lastAt < RESUME_GRACE_MS * 10;
      if (runner && resumable) {
        runner.life.resume(
          e.subject,
          e.startAt,
          e.lastAt,
          at + RESUME_GRACE_MS,
          { subject: e.subject, label: e.label, score: e.best.score },
          { at: e.best.at, score: e.best.score, box: e.best.box ?? undefined, frame: e.best.frame ?? undefined },
        );
        this.open.set(`${e.ruleId}|${e.subject}`, e.id);
        resumed++;
        this.d.log.info(`event ${e.id} (${e.ruleId}) resumed after restart`);
      } else {
        this.d.store.end(e.id, e.lastAt, 'ended-on-restart');
        this.finish(this.d.store.require(e.id), e.cameraId);
        ended++;
        this.d.log.info(`event ${e.id} (${e.ruleId}) ended at its last sighting: the hub restarted`);
      }
    }
    const pending = this.d.store.pendingMedia();
    for (const e of pending) this.d.media.enqueue(e.id);
    return { resumed, ended, pendingMedia: pending.length };
  }

  /** Ends every open event (hub stopping): they are whole, and their media are made next start. */
  /** Ends every open event and switches off the alarm outputs the rules raised (awaited). */
  async stop(): Promise<void> {
    const at = this.now();
    for (const r of [...this.runners.values()].flat()) this.apply(r, r.life.endAll(at));
    // Before this, nothing switched the sirens off at stop: a siren stayed on, and its off-timer
    // fired after the hub (and the devices module) had stopped.
    await this.d.alarm.stop();
  }

  emit(type: 'new' | 'updated' | 'ended' | 'media', e: SecurityEvent): void {
    this.d.stream.publish(type, e);
    this.d.publish?.(type, e);
  }
}
