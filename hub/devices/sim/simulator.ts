/**
 * The pump-station simulator on modbus-serial's servers: Modbus TCP (ServerTCP) and Modbus RTU on
 * a serial line (ServerSerial; tests use a socat pseudo-terminal pair). A pty has no baud rate, so
 * on RTU the simulator holds each reply for the time the request and the reply would take on the
 * wire at the configured baud: the line then behaves, timing-wise, like real RS-485.
 * Used by the integration tests, by bench/modbus.ts and as the demo default of `npm start`.
 */
import { createServer } from 'node:net';
import modbusSerial from 'modbus-serial';
import type { FCallback, FCallbackVal, IServiceVector } from 'modbus-serial';
import { charsMs, t35Ms } from '../lib/rtu-timing.ts';
import { createLogger, type Logger } from '../../core/log.ts';
import { every, later } from '../../core/guard.ts';
import { StationModel, type ModelOptions } from './station-model.ts';

type Server = { close(cb: FCallback): void; on(event: string, fn: (...a: unknown[]) => void): unknown };

const illegalAddress = { modbusErrorCode: 2, message: 'illegal data address' } as unknown as Error;

export interface SimulatorOptions extends ModelOptions {
  tcp?: { host?: string; port?: number };
  rtu?: { path: string; baudRate: number; emulateWire?: boolean };
  tickMs?: number;
  /** Where its timers' errors go (it runs inside the hub in demo mode: they must never escape). */
  log?: Logger;
}

/** A free TCP port on `host` (ServerTCP treats port 0 as "use 502"). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export class PumpStationSimulator {
  readonly model: StationModel;
  tcpPort = 0;
  private tcp: Server | undefined;
  private rtu: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last = Date.now();
  private readonly log: Logger;
  /** Model steps taken (tests count them as ticks of time passing). */
  steps = 0;
  /** Requests answered, per unit (benchmarks read it). */
  readonly answered = new Map<number, number>();
  /** The last writes it took (register or coil), oldest first: tests count commands on the line. */
  readonly writes: Array<{ unit: number; table: 'holding' | 'coil'; addr: number; value: number | boolean }> = [];

  private constructor(private readonly opts: SimulatorOptions) {
    this.model = new StationModel(opts);
    this.log = opts.log ?? createLogger('devices/simulator');
  }

  static async start(opts: SimulatorOptions): Promise<PumpStationSimulator> {
    const sim = new PumpStationSimulator(opts);
    sim.timer = every(opts.tickMs ?? 100, 'simulator: model step', sim.log, () => {
      const now = Date.now();
      sim.model.step(now - sim.last, now);
      sim.last = now;
      sim.steps++;
    });
    if (opts.tcp) await sim.startTcp();
    if (opts.rtu) await sim.startRtu();
    return sim;
  }

  /** Starts (or restarts, after stopTcp) the TCP server on the same port. */
  async startTcp(): Promise<void> {
    const host = this.opts.tcp?.host ?? '127.0.0.1';
    if (!this.tcpPort) this.tcpPort = this.opts.tcp?.port || (await freePort(host));
    const server = new modbusSerial.ServerTCP(this.vector(), { host, port: this.tcpPort, unitID: 255 }) as unknown as Server;
    server.on('socketError', () => undefined);
    await new Promise<void>((ok, fail) => {
      server.on('initialized', () => ok());
      server.on('serverError', (e) => fail(e as Error));
    });
    this.tcp = server;
  }

  /** Kills the TCP server and every client connection (a PLC rebooting, a gateway restarting). */
  async stopTcp(): Promise<void> {
    const s = this.tcp;
    this.tcp = undefined;
    if (s) await new Promise<void>((ok) => s.close(() => ok()));
  }

  /** Stops the RTU server (its serial line went away: a USB adapter unplugged). */
  async stopRtu(): Promise<void> {
    const r = this.rtu;
    this.rtu = undefined;
    if (r)
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, 500); // a port whose pty vanished may never call back
        r.close(() => (clearTimeout(t), ok()));
      });
  }

  /** Starts (or restarts, after stopRtu) the RTU server on its serial path. */
  async startRtu(): Promise<void> {
    const rtu = this.opts.rtu!;
    const emulate = rtu.emulateWire ?? true;
    let port: { write(b: Buffer): void } | undefined;
    let lastRequestBytes = 8;
    // Replies wait for the request's and their own time on the wire (see the header comment).
    const portResponse = {
      write: (buf: Buffer) => {
        const delay = emulate ? charsMs(lastRequestBytes + buf.length, rtu.baudRate) : 0;
        later(delay, 'simulator: rtu reply', this.log, () => port?.write(buf));
      },
    };
    const server = new modbusSerial.ServerSerial(
      this.vector((bytes) => (lastRequestBytes = bytes)),
      {
        path: rtu.path,
        baudRate: rtu.baudRate,
        unitID: 255,
        // The server frames requests by silence; t3.5 of the line, at least 1 ms.
        interval: Math.max(1, Math.ceil(t35Ms(rtu.baudRate))),
        portResponse,
      } as never,
    ) as unknown as Server & { getPort(): { write(b: Buffer): void; on(event: 'error', fn: (e: Error) => void): void } };
    port = server.getPort();
    // The serial port's own errors (EIO writing a reply to a pty that just vanished, an adapter
    // unplugged) are emitted on it, not on the server: unheard, they end the process.
    server.getPort().on('error', (e) => this.log.warn(`simulator: rtu port ${rtu.path}: ${e.message}`));
    server.on('socketError', () => undefined);
    server.on('error', () => undefined);
    await new Promise<void>((ok) => server.on('initialized', () => ok()));
    this.rtu = server;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.stopTcp();
    await this.stopRtu();
  }

  private logWrite(w: PumpStationSimulator['writes'][number]): void {
    this.writes.push(w);
    if (this.writes.length > 1000) this.writes.shift();
  }

  /** The service vector: callback forms, so a silent unit simply never calls back. */
  private vector(onRequest?: (requestBytes: number) => void): IServiceVector {
    const m = this.model;
    const seen = (unit: number, requestBytes = 8): boolean => {
      if (m.silent.has(unit)) return false;
      const known = m.holding.has(unit) || m.input.has(unit) || m.coils.has(unit);
      if (!known) return false; // nobody at that address: a real line stays silent
      m.touched(unit, Date.now());
      this.answered.set(unit, (this.answered.get(unit) ?? 0) + 1);
      onRequest?.(requestBytes);
      return true;
    };
    const regs =
      (table: Map<number, Map<number, number>>) =>
      (addr: number, length: number, unit: number, cb: FCallbackVal<number[]>): void => {
        if (!seen(unit)) return;
        const r = table.get(unit);
        const out: number[] = [];
        for (let i = 0; i < length; i++) {
          const v = r?.get(addr + i);
          if (v === undefined) return cb(illegalAddress, []);
          out.push(v);
        }
        cb(null, out);
      };
    const bits =
      (table: Map<number, boolean[]>) =>
      (addr: number, unit: number, cb: FCallbackVal<boolean>): void => {
        // Called once per bit, so it is not counted in `answered`.
        if (m.silent.has(unit) || !table.has(unit)) return;
        m.touched(unit, Date.now());
        const v = table.get(unit)?.[addr];
        if (v === undefined) return cb(illegalAddress, false);
        cb(null, v);
      };
    return {
      getMultipleHoldingRegisters: regs(m.holding),
      getMultipleInputRegisters: regs(m.input),
      getHoldingRegister: (addr: number, unit: number, cb: FCallbackVal<number>) => regs(m.holding)(addr, 1, unit, (e, v) => cb(e, v[0] ?? 0)),
      getInputRegister: (addr: number, unit: number, cb: FCallbackVal<number>) => regs(m.input)(addr, 1, unit, (e, v) => cb(e, v[0] ?? 0)),
      getCoil: bits(m.coils),
      getDiscreteInput: bits(m.discretes),
      setRegister: (addr: number, value: number, unit: number, cb: FCallback) => {
        if (!seen(unit)) return;
        this.logWrite({ unit, table: 'holding', addr, value });
        cb(m.writeRegister(unit, addr, value) ? null : illegalAddress);
      },
      setCoil: (addr: number, value: boolean, unit: number, cb: FCallback) => {
        if (!seen(unit)) return;
        this.logWrite({ unit, table: 'coil', addr, value });
        cb(m.setCoil(unit, addr, value) ? null : illegalAddress);
      },
    } as IServiceVector;
  }
}
