/**
 * The hub's own conditions beside the cameras': a full disk, an audit log that cannot be written,
 * a pump journal that is failing. A subsystem sets its condition when it changes; `/api/health`
 * and `/metrics` show every one, and the worst decides the overall status.
 */
export type HealthLevel = 'ok' | 'degraded' | 'failed';

export interface HealthCondition {
  /** Who reports it, e.g. `record/disk`, `devices/journal`, `audit`. */
  component: string;
  level: HealthLevel;
  /** What is wrong and what the hub does about it, in plain words. */
  message: string;
  /** ISO time the level last changed. */
  since: string;
}

const RANK: Record<HealthLevel, number> = { ok: 0, degraded: 1, failed: 2 };

/** The worse of two levels. */
export function worse(a: HealthLevel, b: HealthLevel): HealthLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

export class HealthBoard {
  private readonly conditions = new Map<string, HealthCondition>();
  private readonly listeners = new Set<(c: HealthCondition) => void>();

  /** Sets a component's condition; listeners hear only real changes (level or message). */
  set(component: string, level: HealthLevel, message = ''): void {
    const prev = this.conditions.get(component);
    if (prev && prev.level === level && prev.message === message) return;
    const since = prev && prev.level === level ? prev.since : new Date().toISOString();
    const next = { component, level, message, since };
    this.conditions.set(component, next);
    for (const fn of this.listeners) {
      try {
        fn(next);
      } catch {
        // A listener's failure must never stop a condition from being recorded.
      }
    }
  }

  /** Shorthand for set(component, 'ok'). */
  ok(component: string): void {
    this.set(component, 'ok');
  }

  get(component: string): HealthCondition | undefined {
    return this.conditions.get(component);
  }

  list(): HealthCondition[] {
    return [...this.conditions.values()].sort((a, b) => a.component.localeCompare(b.component));
  }

  /** The worst level reported by any component (ok when none reports). */
  level(): HealthLevel {
    let out: HealthLevel = 'ok';
    for (const c of this.conditions.values()) out = worse(out, c.level);
    return out;
  }

  onChange(fn: (c: HealthCondition) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
