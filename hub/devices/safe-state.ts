/**
 * Safe states (issue 12, finding 3): where each output is left when the hub shuts down and put
 * when it starts, and which pumps are stopped. Pure: the runtime does the writes.
 * - Programme valves are 'off' (closed) unless `devices.outputs` says otherwise: a valve left
 *   open by a hub killed mid-programme floods a field or drains the canal.
 * - An output listed in `devices.outputs` takes its `safeState`; 'hold' is never written.
 * - Anything else (lights, a siren) is left as it is.
 * - A pump's `safeState` ('off' by default, 'hold' for a drain pump in a flood) applies at shutdown
 *   and to a pump that an interrupted programme had started.
 */
import type { DevicesConfig } from './config.ts';

export interface SafeTarget {
  device: string;
  point: string;
  value: boolean;
}

const key = (device: string, point: string): string => `${device}.${point}`;

export function safeTargets(cfg: DevicesConfig): SafeTarget[] {
  const states = new Map<string, { device: string; point: string; state: 'off' | 'on' | 'hold' }>();
  for (const p of cfg.programmes) for (const z of p.zones) states.set(key(z.valve.device, z.valve.point), { ...z.valve, state: 'off' });
  for (const o of cfg.outputs) states.set(key(o.device, o.point), { device: o.device, point: o.point, state: o.safeState });
  return [...states.values()].filter((s) => s.state !== 'hold').map((s) => ({ device: s.device, point: s.point, value: s.state === 'on' }));
}

/** Whether writing `value` to `device.point` brings it to its safe state (allowed while stopping). */
export function isSafeWrite(targets: readonly SafeTarget[], device: string, point: string, value: boolean | number): boolean {
  return targets.some((t) => t.device === device && t.point === point && t.value === value);
}
