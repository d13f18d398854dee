/**
 * The track stage: an IoU + centroid tracker with stable ids per camera. Objects get entered/left
 * times, a stationary flag, a best-snapshot choice (largest, sharpest, highest score) and are
 * confirmed only after several hits with a median score over the threshold, which removes most
 * one-frame false positives. Pure: detections in, tracked objects out.
 *
 * Between detector checks (the regions stage skips confirmed objects on some frames) objects are
 * predicted with their velocity, so a check a few frames later still matches by IoU.
 */
import type { Box, TrackedObject } from './types.ts';
import { area, center, coverage, iou, median } from './geometry.ts';
import type { RegionTrack } from './regions.ts';

export interface TrackerOptions {
  cameraId: string;
  iouThreshold: number;
  maxMissed: number;
  maxAgeMs: number;
  /** Stationary objects are re-checked rarely: they age out on this instead (default: maxAgeMs). */
  stationaryMaxAgeMs?: number;
  confirmHits: number;
  confirmScore: number;
  stationaryFrames: number;
}

export interface TrackDetection {
  label: string;
  score: number;
  box: Box;
  /** Sharpness of the image inside the box (grey.ts `sharpness`), for the snapshot choice. */
  sharpness?: number;
}

export interface TrackerResult {
  objects: TrackedObject[];
  /** Objects whose best snapshot is this frame's detection (the caller keeps its pixels). */
  improved: Array<{ trackId: string; box: Box; score: number }>;
}

interface Track {
  id: string;
  label: string;
  box: Box;
  /** Centre velocity in px/ms. */
  vx: number;
  vy: number;
  updatedAt: number;
  scores: number[];
  hits: number;
  missed: number;
  confirmed: boolean;
  stationary: boolean;
  firstSeenAt: number;
  lastSeenAt: number;
  lastCheckFrame: number;
  /** Checks that covered the object (hits and misses). */
  looks: number;
  centers: Array<[number, number]>;
  bestQuality: number;
  /** Born as a second box on a still confirmed object: no fast re-checks of its own. */
  echo?: boolean;
}

const SCORE_HISTORY = 15;
/** Confirmed still objects remembered after they left (bounded). */
const REMEMBERED = 32;
/** IoU with a remembered still object for a new detection to be that object back. */
const REMEMBER_IOU = 0.5;
/** IoU with a still confirmed object matched in the same check that makes a new box its echo. */
const ECHO_IOU = 0.3;
/** A stationary object matches no detection more than this many times its area. */
const STATIONARY_MAX_GROWTH = 3;

/** How good a detection is as the object's picture: big, sharp and sure. */
export function snapshotQuality(box: Box, score: number, sharpness = 1): number {
  return score * Math.sqrt(area(box)) * Math.min(1, 0.25 + sharpness / 20);
}

export class Tracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private created = 0;
  private leftCount = 0;
  private frame = 0;
  /**
   * Where confirmed stationary objects stood when they left (hidden by a passer-by, missed by the
   * model a few times): a confident detection back in the same place within `stationaryMaxAgeMs`
   * is that object again, confirmed and stationary at once, instead of a candidate that needs a
   * run of fast re-checks to confirm and to settle again.
   */
  private remembered: Array<{ label: string; box: Box; at: number }> = [];

  constructor(private readonly opts: TrackerOptions) {}

  /** The tracked objects as the regions stage needs them, for the frame about to be planned. */
  regionTracks(at: number): RegionTrack[] {
    return this.tracks.map((t) => ({
      box: this.predicted(t, at),
      confirmed: t.confirmed,
      stationary: t.stationary,
      sinceCheck: this.frame + 1 - t.lastCheckFrame,
      missed: t.missed,
      // Plausible candidates (scoring at the confirmation level so far) earn confirmation at the
      // fast rate, a flickering one only for a few looks; weak ones wait for the moving rate.
      // Not a second box on a still confirmed object (the model's double take), nor a one-hit
      // box missed twice since (a flicker).
      settling:
        !t.echo &&
        !(t.hits === 1 && t.missed >= 2) &&
        t.hits < this.opts.confirmHits &&
        t.looks < this.opts.confirmHits + 2 &&
        median(t.scores) >= this.opts.confirmScore,
      // Seen, but scoring under the confirmation level so far, for its first few looks: a closer
      // look may settle it (a far person the whole-frame picture shrinks too much).
      doubtful: !t.confirmed && !t.echo && t.missed === 0 && t.looks < this.opts.confirmHits + 2 && median(t.scores) < this.opts.confirmScore,
    }));
  }

  /** A frame the detector did not look at: objects move on by prediction and may age out. */
  predict(at: number): TrackerResult {
    this.frame++;
    for (const t of this.tracks) this.moveTo(t, at);
    return { objects: this.finish(at), improved: [] };
  }

  /**
   * A frame the detector looked at within `checked` (square regions, frame pixels): matches the
   * detections, misses objects inside the regions that were not found again, starts new ones.
   */
  update(detections: readonly TrackDetection[], at: number, checked: readonly Box[]): TrackerResult {
    this.frame++;
    for (const t of this.tracks) this.moveTo(t, at);
    const pairs: Array<{ t: Track; d: number; cost: number }> = [];
    detections.forEach((det, d) => {
      for (const t of this.tracks) {
        if (t.label !== det.label) continue;
        // A still object does not grow into a much bigger box: that is something passing over
        // it (a parked car must not follow a truck going by). It may shrink: partly hidden.
        if (t.stationary && area(det.box) > STATIONARY_MAX_GROWTH * area(t.box)) continue;
        const o = iou(t.box, det.box);
        if (o >= this.opts.iouThreshold) {
          pairs.push({ t, d, cost: 1 + o });
          continue;
        }
        // Centroid fallback: a fast or re-shaped object whose boxes barely overlap.
        const [tx, ty] = center(t.box);
        const [dx, dy] = center(det.box);
        const dist = Math.hypot(tx - dx, ty - dy);
        const reach = 0.6 * Math.max(t.box[2] - t.box[0], t.box[3] - t.box[1]);
        if (dist < reach) pairs.push({ t, d, cost: 1 - dist / reach });
      }
    });
    pairs.sort((a, b) => b.cost - a.cost);
    const usedT = new Set<Track>();
    const usedD = new Set<number>();
    const improved: TrackerResult['improved'] = [];
    for (const { t, d } of pairs) {
      if (usedT.has(t) || usedD.has(d)) continue;
      usedT.add(t);
      usedD.add(d);
      const det = detections[d]!;
      this.hit(t, det, at);
      const q = snapshotQuality(det.box, det.score, det.sharpness);
      if (q > t.bestQuality) {
        t.bestQuality = q;
        improved.push({ trackId: t.id, box: det.box, score: det.score });
      }
    }
    for (const t of this.tracks) {
      if (usedT.has(t)) continue;
      if (checked.some((r) => coverage(t.box, r) > 0.5)) {
        t.missed++;
        t.looks++;
        t.lastCheckFrame = this.frame;
      }
    }
    detections.forEach((det, d) => {
      if (usedD.has(d)) return;
      const t: Track = {
        id: `${this.opts.cameraId}:${(this.nextId++).toString(36)}`,
        label: det.label,
        box: det.box,
        vx: 0,
        vy: 0,
        updatedAt: at,
        scores: [det.score],
        hits: 1,
        missed: 0,
        confirmed: false,
        stationary: false,
        firstSeenAt: at,
        lastSeenAt: at,
        lastCheckFrame: this.frame,
        looks: 1,
        centers: [center(det.box) as [number, number]],
        bestQuality: snapshotQuality(det.box, det.score, det.sharpness),
      };
      this.confirm(t);
      this.recall(t, at);
      if (!t.confirmed) t.echo = [...usedT].some((u) => u.confirmed && u.stationary && u.label === t.label && iou(u.box, t.box) >= ECHO_IOU);
      this.tracks.push(t);
      this.created++;
      improved.push({ trackId: t.id, box: det.box, score: det.score });
    });
    return { objects: this.finish(at), improved };
  }

  private hit(t: Track, det: TrackDetection, at: number): void {
    const [ox, oy] = center(t.box);
    const before = t.box;
    const wasStationary = t.stationary;
    const [nx, ny] = center(det.box);
    const dt = Math.max(1, at - t.lastSeenAt);
    // Smoothed velocity from real observations only (not from predictions).
    const [px, py] = t.centers[t.centers.length - 1] ?? [ox, oy];
    t.vx = 0.5 * t.vx + 0.5 * ((nx - px) / dt);
    t.vy = 0.5 * t.vy + 0.5 * ((ny - py) / dt);
    t.box = det.box;
    t.updatedAt = at;
    t.scores.push(det.score);
    if (t.scores.length > SCORE_HISTORY) t.scores.shift();
    t.hits++;
    t.looks++;
    t.missed = 0;
    t.lastSeenAt = at;
    t.lastCheckFrame = this.frame;
    t.centers.push([nx, ny]);
    if (t.centers.length > this.opts.stationaryFrames) t.centers.shift();
    this.confirm(t);
    // Stationary: over the last `stationaryFrames` detections the centre stayed within a small
    // fraction of the object's size.
    if (t.centers.length >= this.opts.stationaryFrames) {
      const xs = t.centers.map((c) => c[0]);
      const ys = t.centers.map((c) => c[1]);
      const spread = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
      const size = Math.min(t.box[2] - t.box[0], t.box[3] - t.box[1]);
      // A small model's boxes jitter by a few pixels on a still person: tolerate a third of its size.
      t.stationary = spread < Math.max(6, 0.3 * size);
    } else t.stationary = false;
    // Once still, an object stays still while its centre stays inside where it stood: a partly
    // hidden person's box changes shape from look to look, and each flip to moving costs looks.
    if (wasStationary && !t.stationary && nx >= before[0] && nx <= before[2] && ny >= before[1] && ny <= before[3]) t.stationary = true;
    if (t.stationary) {
      t.vx = 0;
      t.vy = 0;
    }
  }

  /** A new track where a confirmed still object stood lately, seen confidently: it is back. */
  private recall(t: Track, at: number): void {
    const window = this.opts.stationaryMaxAgeMs ?? this.opts.maxAgeMs;
    this.remembered = this.remembered.filter((r) => at - r.at <= window);
    if (t.scores[0]! < this.opts.confirmScore) return;
    const i = this.remembered.findIndex((r) => r.label === t.label && iou(r.box, t.box) >= REMEMBER_IOU);
    if (i < 0) return;
    this.remembered.splice(i, 1);
    t.confirmed = true;
    t.stationary = true;
    t.hits = this.opts.confirmHits;
    t.centers = Array.from({ length: this.opts.stationaryFrames }, () => t.centers[0]!);
  }

  private confirm(t: Track): void {
    if (!t.confirmed && t.hits >= this.opts.confirmHits && median(t.scores) >= this.opts.confirmScore) t.confirmed = true;
  }

  private predicted(t: Track, at: number): Box {
    const dt = at - t.updatedAt;
    if (dt <= 0 || (t.vx === 0 && t.vy === 0)) return t.box;
    const dx = t.vx * dt;
    const dy = t.vy * dt;
    return [t.box[0] + dx, t.box[1] + dy, t.box[2] + dx, t.box[3] + dy];
  }

  private moveTo(t: Track, at: number): void {
    t.box = this.predicted(t, at);
    t.updatedAt = Math.max(t.updatedAt, at);
  }

  /** Drops objects that have left and renders the rest. */
  private finish(at: number): TrackedObject[] {
    const out: TrackedObject[] = [];
    const keep: Track[] = [];
    for (const t of this.tracks) {
      const maxAge = t.stationary ? (this.opts.stationaryMaxAgeMs ?? this.opts.maxAgeMs) : this.opts.maxAgeMs;
      const left = t.missed >= this.opts.maxMissed || at - t.lastSeenAt > maxAge;
      if (left) {
        this.leftCount++;
        if (t.confirmed && t.stationary) {
          this.remembered.push({ label: t.label, box: t.box, at });
          if (this.remembered.length > REMEMBERED) this.remembered.shift();
        }
      }
      // An unconfirmed object that leaves was never announced: it vanishes quietly.
      if (!left) keep.push(t);
      if (!left || t.confirmed) out.push(this.render(t, left ? at : undefined));
    }
    this.tracks = keep;
    return out;
  }

  private render(t: Track, leftAt: number | undefined): TrackedObject {
    const o: TrackedObject = {
      trackId: t.id,
      label: t.label,
      score: t.scores[t.scores.length - 1] ?? 0,
      medianScore: median(t.scores),
      box: t.box,
      confirmed: t.confirmed,
      stationary: t.stationary,
      firstSeenAt: t.firstSeenAt,
      lastSeenAt: t.lastSeenAt,
    };
    if (leftAt !== undefined) o.leftAt = leftAt;
    return o;
  }

  stats(): { active: number; created: number; left: number } {
    return { active: this.tracks.length, created: this.created, left: this.leftCount };
  }
}
