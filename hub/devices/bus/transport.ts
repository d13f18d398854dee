/**
 * What the bus queue needs from a Modbus line, and the errors it tells apart: a timeout (the
 * device did not answer), an exception (the device answered "no"), a connection loss (the whole
 * line is down). The modbus-serial adapter lives in modbus-serial-transport.ts.
 */
import type { Table } from '../lib/registers.ts';

export type Word = number | boolean;

export interface ModbusTransport {
  /** e.g. `tcp://127.0.0.1:5020` or `rtu:/dev/ttyUSB0@9600`. */
  readonly name: string;
  readonly connected: boolean;
  connect(): Promise<void>;
  close(): Promise<void>;
  read(unit: number, table: Table, address: number, count: number, timeoutMs: number): Promise<Word[]>;
  write(unit: number, table: Table, address: number, values: Word[], timeoutMs: number): Promise<void>;
  /** Called when the line drops (socket closed, adapter unplugged). */
  onDisconnect(fn: (reason: string) => void): void;
}

/** The device did not answer in time. */
export class ModbusTimeout extends Error {
  override name = 'ModbusTimeout';
}
/** The device answered with a Modbus exception code: it is alive, the request was wrong. */
export class ModbusException extends Error {
  override name = 'ModbusException';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
/** The line itself is down. */
export class BusDown extends Error {
  override name = 'BusDown';
}
/** Not tried: the device is backing off after failing. */
export class DeviceBackingOff extends Error {
  override name = 'DeviceBackingOff';
}
