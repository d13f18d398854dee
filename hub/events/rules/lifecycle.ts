/**
 * Turns per-frame truths of one rule into event transitions: start, update, end. One event per
 * subject (object or camera) per rule, with minimum duration, cool-down, schedule and the
 * ignore-stationary gate applied here. Pure: time comes from the frames and ticks given.
 */
import type { Box } from '../../pipeline/index.ts';
import type { Rule } from '../config.ts';
import type { Condition } from './evaluators.ts';
import { effectiveMinDuration } from './evaluators.ts';
import { inSchedule } from './schedule.ts';

export interface Best {
  at: number;
  score: number;
  box?: Box;
  frame?: { width: number; height: number };
  /** The box was the detector's (see Condition.detected); false for a predicted one. */
  detected?: boolean;
}

export interface Transition {
  kind: 'start' | 'update' | 'end';
  ruleId: string;
  subject: string;
  /** When the condition first held (the event's start time). */
  startAt: number;
  /** Time of this transition: the frame for start/update, the last true frame for end. */
  at: number;
  condition: Condition;
  best: Best;
  /** On updates: the best picture changed with this frame. */
  bestChanged?: boolean;
}

interface SubjectState {
  candidateSince?: number;
  lastTrueAt: number;
  /** The last frame that reported the subject (later than lastTrueAt for a held condition). */
  heardAt?: number;
  open: boolean;
  startAt: number;
  last?: Condition;
  best?: Best;
  coolUntil: number;
  /** A resumed event is not ended for absence before this time. */
  graceUntil?: number;
}

/**
 * A condition waiting out its minimum duration (or a crowd's T seconds) must hold through it: a
 * dropout longer than this starts the wait again. It was endAfterSeconds (3 s by default), which
 * let a crowd of five for 0.2 s, a gap of 1.2 s and five again for 0.8 s count as "2 s" (seen on
 * vtest). One second still rides over a missed detection or two at 5 fps.
 */
const CANDIDATE_GAP_MS = 1000;

/** Rule types whose condition holds frame after frame, so an event can wait for a detected box. */
const WAITS_FOR_DETECTION = new Set<Rule['type']>(['intrusion', 'loiter']);

/** How long a subject may go unseen (no frames at all) before its open event is ended by a tick. */
const STALE_MS = 10_000;

export class RuleLifecycle {
  private readonly subjects = new Map<string, SubjectState>();

  constructor(
    readonly rule: Rule,
    private readonly timeZone: string,
  ) {}

  /** Applies one frame's conditions; subjects absent from `conditions` are false at `at`. */
  frame(at: number, conditions: readonly Condition[], gone: readonly string[] = []): Transition[] {
    const out: Transition[] = [];
    const seen = new Set<string>();
    for (const c of conditions) {
      seen.add(c.subject);
      const t = this.truth(at, c);
      if (t) out.push(t);
    }
    for (const [subject, s] of this.subjects) {
      if (seen.has(subject)) continue;
      const left = gone.includes(subject);
      const grace = this.rule.endAfterSeconds * 1000;
      if (s.open && (left || (at - s.lastTrueAt >= grace && at >= (s.graceUntil ?? 0)))) out.push(this.close(subject, s, at));
      else if (!s.open && (left || at - s.lastTrueAt > CANDIDATE_GAP_MS)) s.candidateSince = undefined;
      if (!s.open && s.candidateSince === undefined && at >= s.coolUntil) this.subjects.delete(subject);
    }
    return out;
  }

  /** Ends the subject's event now (a camera signal went inactive); cancels a pending start. */
  endNow(subject: string, at: number): Transition[] {
    const s = this.subjects.get(subject);
    if (!s) return [];
    if (!s.open) {
      this.subjects.delete(subject);
      return [];
    }
    s.lastTrueAt = Math.max(s.lastTrueAt, at);
    return [this.close(subject, s, at)];
  }

  /** Ends events whose subjects have not been seen for a while (the camera stopped sending). */
  tick(now: number): Transition[] {
    const out: Transition[] = [];
    for (const [subject, s] of this.subjects) {
      if (s.open && now - Math.max(s.lastTrueAt, s.heardAt ?? 0) >= STALE_MS + this.rule.endAfterSeconds * 1000 && now >= (s.graceUntil ?? 0))
        out.push(this.close(subject, s, now));
      else if (!s.open && now - s.lastTrueAt >= STALE_MS && now >= s.coolUntil) this.subjects.delete(subject);
    }
    return out;
  }

  /** Takes over an event left open by a previous run (start-up recovery). */
  resume(subject: string, startAt: number, lastAt: number, graceUntil: number, condition: Condition, best: Best): void {
    this.subjects.set(subject, { open: true, startAt, lastTrueAt: lastAt, last: condition, best, coolUntil: 0, graceUntil });
  }

  /** Ends every open event, e.g. when the rule is removed or the hub stops. */
  endAll(at: number): Transition[] {
    const out: Transition[] = [];
    for (const [subject, s] of this.subjects) if (s.open) out.push(this.close(subject, s, at));
    this.subjects.clear();
    return out;
  }

  openSubjects(): string[] {
    return [...this.subjects].filter(([, s]) => s.open).map(([k]) => k);
  }

  private truth(at: number, c: Condition): Transition | undefined {
    let s = this.subjects.get(c.subject);
    if (s?.open) {
      s.lastTrueAt = c.seenAt ?? at;
      s.heardAt = at;
      s.graceUntil = undefined;
      s.last = c;
      const bestChanged = this.offerBest(s, at, c);
      return { kind: 'update', ruleId: this.rule.id, subject: c.subject, startAt: s.startAt, at, condition: c, best: s.best!, bestChanged };
    }
    if (s && at < s.coolUntil) return undefined;
    if (!this.rule.enabled) return undefined;
    const gated = 'ignoreStationary' in this.rule && this.rule.ignoreStationary && c.stationary;
    if (gated) return undefined;
    if (!s) {
      s = { lastTrueAt: at, open: false, startAt: at, coolUntil: 0 };
      this.subjects.set(c.subject, s);
    }
    if (s.candidateSince === undefined) {
      // The schedule gates the start of an event; one already running carries on past the window.
      if (!inSchedule(this.rule.schedule, at, this.timeZone)) return undefined;
      s.candidateSince = Math.min(at, c.since ?? at);
      s.best = undefined;
    }
    s.lastTrueAt = c.seenAt ?? at;
    s.heardAt = at;
    s.last = c;
    this.offerBest(s, at, c);
    if (at - s.candidateSince < effectiveMinDuration(this.rule) * 1000) return undefined;
    // An object held in a zone opens its event only once the detector itself has boxed it there:
    // the tracker's predicted box lags a walker by tens of pixels, so an event on predictions
    // alone showed a box beside the person (or on an empty path) as its evidence. The event is
    // still dated from the first frame the condition held. A line crossing is one frame's fact
    // and opens on whatever box that frame had.
    if (WAITS_FOR_DETECTION.has(this.rule.type) && s.best?.detected === false) return undefined;
    s.open = true;
    s.startAt = s.candidateSince;
    return { kind: 'start', ruleId: this.rule.id, subject: c.subject, startAt: s.startAt, at, condition: c, best: s.best! };
  }

  private offerBest(s: SubjectState, at: number, c: Condition): boolean {
    // The best picture: a box the detector found on that frame before a predicted one; then the
    // highest score, and among equals the biggest box (closest to the camera).
    const area = c.box ? (c.box[2] - c.box[0]) * (c.box[3] - c.box[1]) : 0;
    const bestArea = s.best?.box ? (s.best.box[2] - s.best.box[0]) * (s.best.box[3] - s.best.box[1]) : 0;
    const detected = c.detected !== false;
    const bestDetected = s.best?.detected !== false;
    const better = c.score > (s.best?.score ?? 0) + 0.02 || (c.score >= (s.best?.score ?? 0) - 0.02 && area > bestArea * 1.2);
    if (!s.best || (detected && !bestDetected) || (detected === bestDetected && better)) {
      s.best = { at, score: c.score, box: c.box, frame: c.frame, detected };
      return true;
    }
    return false;
  }

  private close(subject: string, s: SubjectState, at: number): Transition {
    s.open = false;
    s.candidateSince = undefined;
    s.coolUntil = at + this.rule.coolDownSeconds * 1000;
    const endAt = Math.min(at, s.lastTrueAt);
    const t: Transition = {
      kind: 'end',
      ruleId: this.rule.id,
      subject,
      startAt: s.startAt,
      at: Math.max(endAt, s.startAt),
      condition: s.last ?? { subject, label: 'unknown', score: 0 },
      best: s.best ?? { at: s.startAt, score: 0 },
    };
    return t;
  }
}
