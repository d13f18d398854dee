/**
 * One queue per physical bus. An RS-485 line carries one transaction at a time, so every request
 * to every device on it goes through here:
 * - writes go ahead of reads (a stop command never waits behind a poll cycle);
 * - the line stays silent for the inter-frame gap (t3.5 on RTU) and for a device's own minimum gap;
 * - each request has its own timeout and retries;
 * - a device that fails all its retries backs off (capped exponential, jittered): its polls are
 *   refused at once without touching the line, and after the delay one probe without retries is
 *   let through, so a dead device costs the bus at most one timeout per backoff period;
 * - when the line drops (TCP server restart, USB adapter unplugged) queued requests fail fast and
 *   the queue reconnects with backoff.
 * The queue is bounded; a request that finds it full is refused and counted.
 */
import { backoffDelay } from '../../core/backoff.ts';
import type { Logger } from '../../core/log.ts';
import type { Table } from '../lib/registers.ts';
import { BusDown, DeviceBackingOff, ModbusException, ModbusTimeout, type ModbusTransport, type Word } from './transport.ts';

export interface DeviceLink {
  id: string;
  unit: number;
  timeoutMs: number;
  retries: number;
  /** Extra silence this device needs before it is addressed again (slow slaves). */
  minGapMs: number;
}

export interface BusQueueOptions {
  name: string;
  transport: ModbusTransport;
  /** Silence between frames (t3.5 for RTU, 0 for TCP). */
  gapMs: number;
  maxQueue?: number;
  backoff?: { baseMs: number; capMs: number };
  reconnect?: { baseMs: number; capMs: number };
  now?: () => number;
  /**
   * The clock of the line's silences, in fractional ms (default performance.now()). Date.now()
   * counts whole ms: a 2.005 ms t3.5 at 19200 baud came out as 1.62 ms gaps (issue 12, finding 9).
   */
  lineNow?: () => number;
  /**
   * Closes and reopens the connection after this many timeouts in a row with no answer between
   * (TCP gateways: a half-open or hung socket answers nothing, while a new one would). Unset: never.
   */
  recycleAfterTimeouts?: number;
}

interface Request {
  dev: DeviceLink;
  op: 'read' | 'write';
  table: Table;
  address: number;
  count: number;
  values: Word[];
  retries: number;
  resolve(v: Word[]): void;
  reject(e: Error): void;
}

interface Health {
  failures: number;
  backoffUntil: number;
  /** When its last transaction ended, on the line clock (lineNow). */
  lineEnd: number;
  lastError?: string;
}

export interface BusStats {
  transactions: number;
  failures: number;
  timeouts: number;
  retries: number;
  refusedBackoff: number;
  refusedFull: number;
  reconnects: number;
  /** Connections closed and reopened because nothing answered on them (a hung gateway socket). */
  recycles: number;
  queued: number;
  connected: boolean;
}

export class BusQueue {
  private readonly writes: Request[] = [];
  private readonly reads: Request[] = [];
  private readonly health = new Map<string, Health>();
  private wake: (() => void) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  /** When the last transaction on the line ended, on the line clock. */
  private lastEnd = -Infinity;
  private reconnectAttempt = 0;
  private reconnectAt = 0;
  private readonly now: () => number;
  private readonly lineNow: () => number;
  private readonly counters = { transactions: 0, failures: 0, timeouts: 0, retries: 0, refusedBackoff: 0, refusedFull: 0, reconnects: 0, recycles: 0 };
  /** Timeouts in a row on the whole line, with no answer from anyone between. */
  private silentRun = 0;

  constructor(
    private readonly opts: BusQueueOptions,
    private readonly log: Logger,
  ) {
    this.now = opts.now ?? Date.now;
    this.lineNow = opts.lineNow ?? (() => performance.now());
    opts.transport.onDisconnect((reason) => {
      this.log.warn(`modbus: bus ${opts.name} disconnected (${reason}); reconnecting`);
      this.reconnectAt = 0;
    });
  }

  get name(): string {
    return this.opts.name;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // The loop handles every request's error itself; anything else is a bug, logged, and the
    // queue refuses further requests rather than leaving them waiting.
    this.loop = this.run().catch((err: Error) => {
      this.running = false;
      this.log.error(`modbus: bus ${this.opts.name} queue loop failed: ${err.message}`, { stack: err.stack });
      for (const r of [...this.writes.splice(0), ...this.reads.splice(0)]) r.reject(new BusDown(`modbus: bus ${this.opts.name} queue failed`));
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const r of [...this.writes.splice(0), ...this.reads.splice(0)]) r.reject(new BusDown(`modbus: bus ${this.opts.name} stopped`));
    await this.opts.transport.close().catch(() => undefined);
  }

  read(dev: DeviceLink, table: Table, address: number, count: number): Promise<Word[]> {
    return this.enqueue(dev, 'read', table, address, count, []);
  }

  write(dev: DeviceLink, table: Table, address: number, values: Word[]): Promise<void> {
    return this.enqueue(dev, 'write', table, address, values.length, values).then(() => undefined);
  }

  /** Whether the device is in backoff now, and why. */
  deviceHealth(id: string): { backingOff: boolean; failures: number; lastError?: string } {
    const h = this.health.get(id);
    return { backingOff: !!h && h.backoffUntil > this.now(), failures: h?.failures ?? 0, lastError: h?.lastError };
  }

  stats(): BusStats {
    return { ...this.counters, queued: this.writes.length + this.reads.length, connected: this.opts.transport.connected };
  }

  private healthOf(id: string): Health {
    let h = this.health.get(id);
    if (!h) {
      h = { failures: 0, backoffUntil: 0, lineEnd: -Infinity };
      this.health.set(id, h);
    }
    return h;
  }

  private enqueue(dev: DeviceLink, op: 'read' | 'write', table: Table, address: number, count: number, values: Word[]): Promise<Word[]> {
    return new Promise((resolve, reject) => {
      if (!this.running) return reject(new BusDown(`modbus: bus ${this.opts.name} is not running`));
      if (this.writes.length + this.reads.length >= (this.opts.maxQueue ?? 256)) {
        this.counters.refusedFull++;
        return reject(new BusDown(`modbus: bus ${this.opts.name} queue full; request for ${dev.id} refused`));
      }
      const h = this.healthOf(dev.id);
      let retries = dev.retries;
      if (h.failures > 0) {
        const wait = h.backoffUntil - this.now();
        if (op === 'read' && wait > 0) {
          this.counters.refusedBackoff++;
          return reject(
            new DeviceBackingOff(`modbus: device ${dev.id} backing off after ${h.failures} failures (next try in ${wait} ms): ${h.lastError ?? ''}`),
          );
        }
        // A probe (or a command to a failing device) gets one attempt: it must not hog the line.
        retries = 0;
        if (op === 'read') h.backoffUntil = this.now() + 60_000; // others wait for this probe's verdict
      }
      const req: Request = { dev, op, table, address, count, values, retries, resolve, reject };
      (op === 'write' ? this.writes : this.reads).push(req);
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      const req = this.writes.shift() ?? this.reads.shift();
      if (!req) {
        await new Promise<void>((ok) => (this.wake = ok));
        this.wake = undefined;
        continue;
      }
      if (!(await this.ensureConnected())) {
        const err = new BusDown(`modbus: bus ${this.opts.name} not connected (next try in ${Math.max(0, this.reconnectAt - this.now())} ms)`);
        req.reject(err);
        continue;
      }
      await this.execute(req);
    }
  }

  private async ensureConnected(): Promise<boolean> {
    const t = this.opts.transport;
    if (t.connected) return true;
    if (this.now() < this.reconnectAt) return false;
    try {
      await t.connect();
      if (this.reconnectAttempt > 0) this.log.info(`modbus: bus ${this.opts.name} reconnected after ${this.reconnectAttempt} attempts`);
      this.counters.reconnects += this.reconnectAttempt > 0 ? 1 : 0;
      this.reconnectAttempt = 0;
      return true;
    } catch (err) {
      const r = this.opts.reconnect ?? { baseMs: 500, capMs: 30_000 };
      const delay = backoffDelay(this.reconnectAttempt++, r.baseMs, r.capMs);
      this.reconnectAt = this.now() + delay;
      this.log.warn(`modbus: bus ${this.opts.name} connect failed (${(err as Error).message}); retry in ${delay} ms`);
      return false;
    }
  }

  /**
   * Waits until the line has been silent for the gap (and the device for its own). Timers may fire
   * early and count whole ms, so the gap is checked again after each one fires.
   */
  /** Recycles the connection when nothing has answered on it for too long; true if it did. */
  private async recycleIfHung(): Promise<boolean> {
    const n = this.opts.recycleAfterTimeouts;
    if (n === undefined || ++this.silentRun < n) return false;
    this.silentRun = 0;
    this.counters.recycles++;
    this.log.warn(`modbus: bus ${this.opts.name}: ${n} timeouts in a row with no answer; closing the connection and opening a new one`);
    await this.opts.transport.close().catch(() => undefined);
    this.reconnectAt = 0;
    return true;
  }

  private async silence(dev: DeviceLink): Promise<void> {
    const h = this.healthOf(dev.id);
    for (;;) {
      const ready = Math.max(this.lastEnd + this.opts.gapMs, h.lineEnd + dev.minGapMs);
      const wait = ready - this.lineNow();
      if (wait <= 0) return;
      await new Promise((ok) => setTimeout(ok, Math.ceil(wait)));
    }
  }

  private async execute(req: Request): Promise<void> {
    const { dev } = req;
    const h = this.healthOf(dev.id);
    const t = this.opts.transport;
    let lastErr: Error = new Error('unreachable');
    for (let attempt = 0; attempt <= req.retries; attempt++) {
      if (attempt > 0) this.counters.retries++;
      await this.silence(dev);
      this.counters.transactions++;
      try {
        const out =
          req.op === 'read'
            ? await t.read(dev.unit, req.table, req.address, req.count, dev.timeoutMs)
            : (await t.write(dev.unit, req.table, req.address, req.values, dev.timeoutMs), []);
        this.lastEnd = h.lineEnd = this.lineNow();
        this.silentRun = 0;
        h.failures = 0;
        h.backoffUntil = 0;
        h.lastError = undefined;
        req.resolve(out);
        return;
      } catch (err) {
        this.lastEnd = h.lineEnd = this.lineNow();
        lastErr = err as Error;
        if (err instanceof ModbusException) {
          this.silentRun = 0;
          break; // it answered: retrying will not change the answer
        }
        if (err instanceof BusDown) break;
        if (err instanceof ModbusTimeout) {
          this.counters.timeouts++;
          if (await this.recycleIfHung()) break;
        }
      }
    }
    this.counters.failures++;
    if (lastErr instanceof ModbusException) {
      h.backoffUntil = 0;
      return req.reject(lastErr);
    }
    if (lastErr instanceof BusDown) {
      h.backoffUntil = 0;
      return req.reject(lastErr);
    }
    const b = this.opts.backoff ?? { baseMs: 1000, capMs: 60_000 };
    const delay = backoffDelay(h.failures, b.baseMs, b.capMs);
    h.failures++;
    h.backoffUntil = this.now() + delay;
    const what = lastErr instanceof ModbusTimeout ? `timed out after ${dev.timeoutMs} ms` : `failed: ${lastErr.message}`;
    h.lastError = `modbus: device ${dev.id} ${what} (${req.retries} retries)`;
    if (h.failures === 1) this.log.warn(`${h.lastError}; backing off`);
    const e = lastErr instanceof ModbusTimeout ? new ModbusTimeout(h.lastError) : new Error(h.lastError);
    req.reject(e);
  }
}
