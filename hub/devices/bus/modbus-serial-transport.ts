/**
 * The ModbusTransport on modbus-serial: Modbus TCP, or Modbus RTU on a serial port (RS-485
 * adapter, or a pseudo-terminal in tests). A fresh client per connection, so a restarted TCP server
 * or a re-plugged USB adapter starts from a clean state.
 */
import modbusSerial from 'modbus-serial';
import type { Table } from '../lib/registers.ts';
import { BusDown, ModbusException, ModbusTimeout, type ModbusTransport, type Word } from './transport.ts';

export type LineSpec =
  { type: 'tcp'; host: string; port: number } | { type: 'rtu'; path: string; baudRate: number; parity: 'none' | 'even' | 'odd'; stopBits: 1 | 2 };

// The package is CommonJS: its module object is the client class, and `.default` points back at it.
const ModbusRTU = modbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;

export class ModbusSerialTransport implements ModbusTransport {
  private client: Client | undefined;
  private readonly listeners: Array<(reason: string) => void> = [];

  constructor(private readonly spec: LineSpec) {}

  get name(): string {
    const s = this.spec;
    return s.type === 'tcp' ? `tcp://${s.host}:${s.port}` : `rtu:${s.path}@${s.baudRate}`;
  }

  get connected(): boolean {
    return this.client?.isOpen === true;
  }

  onDisconnect(fn: (reason: string) => void): void {
    this.listeners.push(fn);
  }

  async connect(): Promise<void> {
    await this.close();
    const client = new ModbusRTU();
    client.on('error', () => undefined); // surfaced through the failing request and 'close'
    const s = this.spec;
    if (s.type === 'tcp') await client.connectTCP(s.host, { port: s.port, timeout: 2000 });
    else await client.connectRTUBuffered(s.path, { baudRate: s.baudRate, parity: s.parity, stopBits: s.stopBits, dataBits: 8 });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      for (const fn of this.listeners) fn('closed by peer or adapter');
    });
    this.client = client;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    await new Promise<void>((ok) => {
      const t = setTimeout(ok, 500);
      try {
        c.close(() => (clearTimeout(t), ok()));
      } catch {
        clearTimeout(t);
        ok();
      }
    });
  }

  private ready(unit: number, timeoutMs: number): Client {
    const c = this.client;
    if (!c?.isOpen) throw new BusDown(`modbus: bus ${this.name} is not connected`);
    c.setID(unit);
    c.setTimeout(timeoutMs);
    return c;
  }

  async read(unit: number, table: Table, address: number, count: number, timeoutMs: number): Promise<Word[]> {
    const c = this.ready(unit, timeoutMs);
    try {
      switch (table) {
        case 'coil':
          return (await c.readCoils(address, count)).data.slice(0, count);
        case 'discrete':
          return (await c.readDiscreteInputs(address, count)).data.slice(0, count);
        case 'holding':
          return (await c.readHoldingRegisters(address, count)).data;
        case 'input':
          return (await c.readInputRegisters(address, count)).data;
      }
    } catch (err) {
      throw this.translate(err, unit);
    }
  }

  async write(unit: number, table: Table, address: number, values: Word[], timeoutMs: number): Promise<void> {
    const c = this.ready(unit, timeoutMs);
    try {
      if (table === 'coil') {
        if (values.length === 1) await c.writeCoil(address, Boolean(values[0]));
        else await c.writeCoils(address, values.map(Boolean));
      } else if (table === 'holding') {
        if (values.length === 1) await c.writeRegister(address, Number(values[0]));
        else await c.writeRegisters(address, values.map(Number));
      } else {
        throw new Error(`modbus: ${table} table is read-only`);
      }
    } catch (err) {
      throw this.translate(err, unit);
    }
  }

  private translate(err: unknown, unit: number): Error {
    const e = err as Error & { errno?: string; modbusCode?: number };
    if (e instanceof BusDown) return e;
    if (typeof e.modbusCode === 'number') return new ModbusException(`modbus: unit ${unit} on ${this.name}: ${e.message}`, e.modbusCode);
    if (e.errno === 'ETIMEDOUT') return new ModbusTimeout(`modbus: unit ${unit} on ${this.name} timed out`);
    if (e.errno === 'ECONNREFUSED' || /Port Not Open/i.test(e.message)) return new BusDown(`modbus: bus ${this.name}: ${e.message}`);
    return new Error(`modbus: unit ${unit} on ${this.name}: ${e.message}`);
  }
}
