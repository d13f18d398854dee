/**
 * Alarm states, after ISA-18.2 in short: an alarm is raised (active, unacknowledged), may be
 * acknowledged while active, and clears when its condition goes away; it leaves the book once it
 * is both cleared and acknowledged. Limit alarms use a deadband (hysteresis) and an on-delay so a
 * value dithering at the limit does not flood the operators. Pure: the caller supplies the clock.
 */

export type AlarmKind = 'high' | 'low' | 'comm-loss' | 'fault' | 'trip';
export type AlarmSeverity = 'info' | 'warning' | 'critical';

export interface Alarm {
  id: string;
  kind: AlarmKind;
  severity: AlarmSeverity;
  deviceId: string;
  point?: string;
  /** A pump's trip: the pump and the trip's reason code (its reset policy: trip-policy.ts). */
  pump?: string;
  code?: string;
  message: { en: string; vi: string };
  value?: number | null;
  active: boolean;
  acknowledged: boolean;
  raisedAt: number;
  clearedAt?: number;
  ackedAt?: number;
  ackedBy?: string;
}

/** The label the UI shows. */
export function alarmState(a: Alarm): 'active' | 'acknowledged' | 'cleared' {
  if (!a.active) return 'cleared';
  return a.acknowledged ? 'acknowledged' : 'active';
}

export interface LimitRule {
  id: string;
  deviceId: string;
  point: string;
  high?: number;
  low?: number;
  /** Deadband: a high alarm clears below high - hysteresis, a low one above low + hysteresis. */
  hysteresis: number;
  /** The condition must hold this long before the alarm is raised. */
  delayMs: number;
  severity: AlarmSeverity;
  label?: string;
}

export type AlarmChange = { type: 'raised' | 'cleared' | 'acknowledged' | 'removed'; alarm: Alarm };

export class AlarmBook {
  private readonly alarms = new Map<string, Alarm>();
  /** When each limit condition began to hold (for the on-delay). */
  private readonly pendingSince = new Map<string, number>();

  list(): Alarm[] {
    return [...this.alarms.values()].sort((a, b) => b.raisedAt - a.raisedAt);
  }

  get(id: string): Alarm | undefined {
    return this.alarms.get(id);
  }

  /** Puts back alarms saved by an earlier book (a rebuild or a restart); on-delays start afresh. */
  restore(list: readonly Alarm[]): void {
    for (const a of list) if (a.active || !a.acknowledged) this.alarms.set(a.id, { ...a });
  }

  /** Raises (or keeps raised) a condition alarm. */
  raise(now: number, a: Omit<Alarm, 'active' | 'acknowledged' | 'raisedAt'>): AlarmChange[] {
    const cur = this.alarms.get(a.id);
    if (cur?.active) {
      cur.value = a.value;
      return [];
    }
    const alarm: Alarm = { ...a, active: true, acknowledged: false, raisedAt: now };
    this.alarms.set(a.id, alarm);
    return [{ type: 'raised', alarm }];
  }

  /** Clears a condition alarm; it leaves the book if it was acknowledged already. */
  clear(now: number, id: string): AlarmChange[] {
    this.pendingSince.delete(id);
    const cur = this.alarms.get(id);
    if (!cur?.active) return [];
    cur.active = false;
    cur.clearedAt = now;
    const out: AlarmChange[] = [{ type: 'cleared', alarm: cur }];
    if (cur.acknowledged) {
      this.alarms.delete(id);
      out.push({ type: 'removed', alarm: cur });
    }
    return out;
  }

  acknowledge(now: number, id: string, by: string): AlarmChange[] {
    const cur = this.alarms.get(id);
    if (!cur || cur.acknowledged) return [];
    cur.acknowledged = true;
    cur.ackedAt = now;
    cur.ackedBy = by;
    const out: AlarmChange[] = [{ type: 'acknowledged', alarm: cur }];
    if (!cur.active) {
      this.alarms.delete(id);
      out.push({ type: 'removed', alarm: cur });
    }
    return out;
  }

  /**
   * Evaluates a limit rule against a reading. Only good readings are judged: a stale or missing
   * value is the comm-loss alarm's business, never "back to normal".
   */
  evaluate(now: number, rule: LimitRule, value: number | null, good: boolean): AlarmChange[] {
    if (!good || value === null) return [];
    const out: AlarmChange[] = [];
    for (const side of ['high', 'low'] as const) {
      const limit = rule[side];
      if (limit === undefined) continue;
      const id = `${rule.id}:${side}`;
      const beyond = side === 'high' ? value > limit : value < limit;
      const back = side === 'high' ? value < limit - rule.hysteresis : value > limit + rule.hysteresis;
      const active = this.alarms.get(id)?.active === true;
      if (!active && beyond) {
        const since = this.pendingSince.get(id) ?? now;
        this.pendingSince.set(id, since);
        if (now - since >= rule.delayMs) {
          const label = rule.label ?? rule.point;
          const cmp = side === 'high' ? '>' : '<';
          out.push(
            ...this.raise(now, {
              id,
              kind: side,
              severity: rule.severity,
              deviceId: rule.deviceId,
              point: rule.point,
              value,
              message: { en: `${label} ${value} ${cmp} ${limit}`, vi: `${label} ${String(value).replace('.', ',')} ${cmp} ${String(limit).replace('.', ',')}` },
            }),
          );
        }
      } else if (!beyond) {
        this.pendingSince.delete(id);
        if (active && back) out.push(...this.clear(now, id));
      }
    }
    return out;
  }
}
