/**
 * The station as seen from outside (issue 12, finding 10): device, bus, pump and alarm gauges in
 * /metrics, and the station's condition (`devices/station`) on the health board, so /api/health
 * says when a device is silent or a pump tripped. One collector per metrics registry, reading
 * whichever runtime runs now (a rebuild must not leave a second collector on the old one).
 */
import type { HealthBoard } from '../core/health.ts';
import type { Gauge, Labels, MetricsRegistry } from '../metrics/registry.ts';
import type { DeviceService } from './service.ts';

export const STATION_COMPONENT = 'devices/station';

interface Slot {
  service: DeviceService | undefined;
}

const slots = new WeakMap<MetricsRegistry, Slot>();

/** Makes `service` the runtime whose figures /metrics shows; returns the release for its stop. */
export function watchMetrics(metrics: MetricsRegistry, service: DeviceService): () => void {
  let slot = slots.get(metrics);
  if (!slot) {
    const s: Slot = { service: undefined };
    slot = s;
    slots.set(metrics, s);
    const g = {
      tx: metrics.gauge('devices_bus_transactions', 'Modbus transactions on the bus since the devices runtime started'),
      fail: metrics.gauge('devices_bus_failures', 'Modbus requests that failed after their retries'),
      timeouts: metrics.gauge('devices_bus_timeouts', 'Modbus requests that timed out'),
      reconnects: metrics.gauge('devices_bus_reconnects', 'Times the bus was reconnected'),
      queued: metrics.gauge('devices_bus_queued', 'Requests waiting on the bus'),
      connected: metrics.gauge('devices_bus_connected', '1 when the bus is connected'),
      online: metrics.gauge('devices_device_online', '1 when the device answered its last poll'),
      running: metrics.gauge('devices_pump_running', '1 when the pump runs'),
      blocked: metrics.gauge('devices_pump_start_blocked', '1 when a start would be refused now'),
      alarms: metrics.gauge('devices_alarms_active', 'Active alarms by severity'),
    };
    const seen = new Map<Gauge, Labels[]>();
    const set = (gauge: Gauge, labels: Labels, v: number, now: Map<Gauge, Labels[]>): void => {
      gauge.set(labels, v);
      now.set(gauge, [...(now.get(gauge) ?? []), labels]);
    };
    metrics.collect(() => {
      const rt = s.service;
      const now = new Map<Gauge, Labels[]>();
      if (rt) {
        for (const b of rt.buses()) {
          const l = { bus: b.id };
          set(g.tx, l, b.transactions, now);
          set(g.fail, l, b.failures, now);
          set(g.timeouts, l, b.timeouts, now);
          set(g.reconnects, l, b.reconnects, now);
          set(g.queued, l, b.queued, now);
          set(g.connected, l, b.connected ? 1 : 0, now);
        }
        for (const d of rt.devices()) set(g.online, { device: d.id }, d.online ? 1 : 0, now);
        for (const p of rt.pumps()) {
          set(g.running, { pump: p.id }, p.running ? 1 : 0, now);
          set(g.blocked, { pump: p.id }, p.startBlocker ? 1 : 0, now);
        }
        const active = rt.alarms().filter((a) => a.active);
        for (const severity of ['info', 'warning', 'critical']) set(g.alarms, { severity }, active.filter((a) => a.severity === severity).length, now);
      }
      // Series of buses, devices and pumps no longer configured (or of no runtime) go away.
      for (const [gauge, list] of seen) for (const l of list) if (!(now.get(gauge) ?? []).some((x) => JSON.stringify(x) === JSON.stringify(l))) gauge.remove(l);
      seen.clear();
      for (const [k, v] of now) seen.set(k, v);
    });
  }
  const mine = slot;
  mine.service = service;
  return () => {
    if (mine.service === service) mine.service = undefined;
  };
}

/** Puts the station's condition on the health board: silent devices and active critical alarms. */
export function reportStation(health: HealthBoard, service: DeviceService): void {
  // A device not polled yet is not silent: only a failed poll says so (no flicker at start).
  const silent = service
    .devices()
    .filter((d) => d.error !== undefined)
    .map((d) => d.id);
  const critical = service
    .alarms()
    .filter((a) => a.active && a.severity === 'critical')
    .map((a) => a.id);
  if (!silent.length && !critical.length) return health.ok(STATION_COMPONENT);
  const parts = [silent.length ? `no answer from ${silent.join(', ')}` : '', critical.length ? `active critical alarms: ${critical.join(', ')}` : ''].filter(
    Boolean,
  );
  health.set(STATION_COMPONENT, 'degraded', `devices: ${parts.join('; ')}`);
}
