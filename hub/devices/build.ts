/**
 * Builds the station's I/O from its configuration: one bus queue per line and the devices on
 * them. Nothing here starts: the runtime starts the buses and the poller.
 */
import type { Logger } from '../core/log.ts';
import { BusQueue } from './bus/bus-queue.ts';
import { ModbusSerialTransport, type LineSpec } from './bus/modbus-serial-transport.ts';
import { t35Ms } from './lib/rtu-timing.ts';
import { makeDevice, type Device } from './device-io.ts';
import type { DevicesConfig } from './config.ts';

export function buildBuses(cfg: DevicesConfig, log: Logger, simulatorPort?: number): Map<string, BusQueue> {
  const buses = new Map<string, BusQueue>();
  for (const b of cfg.buses) {
    const spec: LineSpec =
      b.type === 'rtu'
        ? { type: 'rtu', path: b.path, baudRate: b.baudRate, parity: b.parity, stopBits: b.stopBits }
        : b.type === 'tcp'
          ? { type: 'tcp', host: b.host, port: b.port }
          : { type: 'tcp', host: '127.0.0.1', port: simulatorPort ?? 5020 };
    const gapMs = b.type === 'rtu' ? (b.gapMs ?? t35Ms(b.baudRate)) : 0;
    // On TCP a hung gateway socket is recycled after 5 silent timeouts in a row (issue 12, finding 10).
    const recycleAfterTimeouts = spec.type === 'tcp' ? 5 : undefined;
    buses.set(
      b.id,
      new BusQueue(
        {
          name: b.id,
          transport: new ModbusSerialTransport(spec),
          gapMs,
          backoff: { baseMs: b.backoffMs, capMs: 60_000 },
          reconnect: { baseMs: 250, capMs: 10_000 },
          recycleAfterTimeouts,
        },
        log,
      ),
    );
  }
  return buses;
}

export function buildDevices(cfg: DevicesConfig, buses: ReadonlyMap<string, BusQueue>): Map<string, Device> {
  const devs = new Map<string, Device>();
  for (const d of cfg.devices) {
    // The config schema guarantees every device names a configured bus.
    const b = cfg.buses.find((x) => x.id === d.bus)!;
    devs.set(d.id, makeDevice(d, buses.get(d.bus)!, b));
  }
  return devs;
}
