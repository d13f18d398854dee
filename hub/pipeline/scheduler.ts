/**
 * The fair scheduler: which cameras' frames go to the detector next, when several wait.
 * - A camera under its minimum detect rate (floor) is served first, higher priority first.
 * - Otherwise the longest-unserved camera wins, its wait weighted by priority: under overload
 *   low-priority cameras lose rate first, and one busy camera cannot starve the others because
 *   every waiting camera's claim grows while it waits.
 * - A camera that stays under its floor while its own frames arrive fast enough raises a health
 *   alert (and clears it when it recovers) instead of degrading silently.
 * Pure: callers report what was processed and ask for an order.
 */
import { RateWindow } from './stats.ts';

export interface SchedulerCamera {
  id: string;
  priority: number;
  floorFps: number;
}

export interface HealthChange {
  cameraId: string;
  belowFloor: boolean;
  detectFps: number;
  floorFps: number;
}

interface CamState extends SchedulerCamera {
  lastServedAt: number;
  since: number;
  inRate: RateWindow;
  doneRate: RateWindow;
  belowFloor: boolean;
  served: number;
}

export class FairScheduler {
  private readonly cams = new Map<string, CamState>();

  constructor(private readonly windowMs = 5000) {}

  add(cam: SchedulerCamera, at: number): void {
    this.cams.set(cam.id, {
      ...cam,
      lastServedAt: at,
      since: at,
      inRate: new RateWindow(this.windowMs),
      doneRate: new RateWindow(this.windowMs),
      belowFloor: false,
      served: 0,
    });
  }

  has(id: string): boolean {
    return this.cams.has(id);
  }

  remove(id: string): void {
    this.cams.delete(id);
  }

  /** A frame of `id` arrived. */
  arrived(id: string, at: number): void {
    this.cams.get(id)?.inRate.mark(at);
  }

  /** A frame of `id` went through detection (with or without an inference call). */
  processed(id: string, at: number, inferred: boolean): void {
    const c = this.cams.get(id);
    if (!c) return;
    c.doneRate.mark(at);
    if (inferred) {
      c.lastServedAt = at;
      c.served++;
    }
  }

  detectFps(id: string, at: number): number {
    return this.cams.get(id)?.doneRate.rate(at) ?? 0;
  }

  private underFloor(c: CamState, at: number): boolean {
    return at - c.since >= this.windowMs && c.doneRate.rate(at) < c.floorFps;
  }

  /** Orders the waiting cameras, most deserving first. */
  order(waiting: readonly string[], at: number): string[] {
    const ranked = waiting
      .map((id) => this.cams.get(id))
      .filter((c): c is CamState => c !== undefined)
      .map((c) => ({
        id: c.id,
        urgent: this.underFloor(c, at) ? 1 : 0,
        claim: (at - c.lastServedAt + 1) * c.priority,
        priority: c.priority,
      }));
    ranked.sort((a, b) => b.urgent - a.urgent || (a.urgent ? b.priority - a.priority : 0) || b.claim - a.claim);
    return ranked.map((r) => r.id);
  }

  /** Floor alerts that changed since the last call. */
  health(at: number): HealthChange[] {
    const out: HealthChange[] = [];
    for (const c of this.cams.values()) {
      if (c.floorFps <= 0 || at - c.since < this.windowMs) continue;
      const fps = c.doneRate.rate(at);
      // Only the pipeline's own shortfall counts: a camera sending fewer frames than its floor is
      // the camera's problem, reported by the cameras module.
      const below = fps < c.floorFps && c.inRate.rate(at) >= c.floorFps;
      const recovered = fps >= c.floorFps;
      if (below && !c.belowFloor) {
        c.belowFloor = true;
        out.push({ cameraId: c.id, belowFloor: true, detectFps: fps, floorFps: c.floorFps });
      } else if (c.belowFloor && recovered) {
        c.belowFloor = false;
        out.push({ cameraId: c.id, belowFloor: false, detectFps: fps, floorFps: c.floorFps });
      }
    }
    return out;
  }

  stats(at: number): Array<{ cameraId: string; priority: number; floorFps: number; detectFps: number; belowFloor: boolean; inferences: number }> {
    return [...this.cams.values()].map((c) => ({
      cameraId: c.id,
      priority: c.priority,
      floorFps: c.floorFps,
      detectFps: c.doneRate.rate(at),
      belowFloor: c.belowFloor,
      inferences: c.served,
    }));
  }
}

/**
 * Fills one batch from cameras in order: the first always goes (alone when it alone fills the
 * batch), the others while their images fit. Returns the chosen cameras.
 */
export function fillBatch(order: readonly string[], images: (id: string) => number, maxBatch: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const id of order) {
    const n = images(id);
    if (out.length === 0 || used + n <= maxBatch) {
      out.push(id);
      used += n;
    }
    if (used >= maxBatch) break;
  }
  return out;
}
