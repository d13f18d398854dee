import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { BusQueue, type DeviceLink } from './bus-queue.ts';
import { ModbusTimeout, type ModbusTransport, type Word } from './transport.ts';
import type { Table } from '../lib/registers.ts';

/** A line whose devices answer after `delayMs`, except units listed as dead (they time out). */
class FakeLine implements ModbusTransport {
  readonly name = 'fake';
  connected = false;
  readonly log: string[] = [];
  constructor(
    private readonly dead = new Set<number>(),
    private readonly delayMs = 2,
  ) {}
  async connect(): Promise<void> {
    this.connected = true;
  }
  async close(): Promise<void> {
    this.connected = false;
  }
  onDisconnect(): void {}
  private async answer(unit: number, what: string, timeoutMs: number): Promise<void> {
    this.log.push(`${what}@${unit}`);
    await new Promise((ok) => setTimeout(ok, this.dead.has(unit) ? timeoutMs : this.delayMs));
    if (this.dead.has(unit)) throw new ModbusTimeout('timeout');
  }
  async read(unit: number, _t: Table, address: number, count: number, timeoutMs: number): Promise<Word[]> {
    await this.answer(unit, `r${address}`, timeoutMs);
    return Array(count).fill(1);
  }
  async write(unit: number, _t: Table, address: number, _v: Word[], timeoutMs: number): Promise<void> {
    await this.answer(unit, `w${address}`, timeoutMs);
  }
}

const log = createLogger('test', () => undefined);
const dev = (unit: number, over: Partial<DeviceLink> = {}): DeviceLink => ({ id: `d${unit}`, unit, timeoutMs: 50, retries: 2, minGapMs: 0, ...over });

describe('BusQueue', () => {
  it('sends a write queued behind reads before them', async () => {
    const line = new FakeLine();
    const q = new BusQueue({ name: 'b', transport: line, gapMs: 0 }, log);
    q.start();
    const reads = [1, 2, 3, 4].map((a) => q.read(dev(1), 'holding', a, 1));
    const write = q.write(dev(1), 'holding', 99, [1]);
    await Promise.all([...reads, write]);
    await q.stop();
    // At most the read already on the line goes before it.
    expect(line.log.indexOf('w99@1')).toBeLessThanOrEqual(1);
    expect(line.log.indexOf('w99@1')).toBeLessThan(line.log.indexOf('r2@1'));
  });

  it('keeps the inter-frame gap between transactions', async () => {
    const line = new FakeLine(new Set(), 0);
    const q = new BusQueue({ name: 'b', transport: line, gapMs: 20 }, log);
    q.start();
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4, 5].map((a) => q.read(dev(1), 'holding', a, 1)));
    await q.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * 20 - 4);
  });

  it('retries a silent device, then backs it off so it stops costing the line timeouts', async () => {
    const line = new FakeLine(new Set([9]));
    const q = new BusQueue({ name: 'b', transport: line, gapMs: 0, backoff: { baseMs: 10_000, capMs: 60_000 } }, log);
    q.start();
    await expect(q.read(dev(9), 'holding', 0, 1)).rejects.toThrow('modbus: device d9 timed out after 50 ms (2 retries)');
    expect(line.log.filter((l) => l.endsWith('@9'))).toHaveLength(3);
    // Refused at once: already settled before any timer could run (no timeout spent on the line).
    const refused = q.read(dev(9), 'holding', 0, 1);
    const state = await Promise.race([
      refused.then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise((ok) => setImmediate(() => ok('pending'))),
    ]);
    expect(state).toBe('rejected');
    await expect(refused).rejects.toThrow(/backing off/);
    expect(line.log.filter((l) => l.endsWith('@9'))).toHaveLength(3);
    await q.read(dev(1), 'holding', 0, 1); // the others are unaffected
    expect(q.stats()).toMatchObject({ timeouts: 3, retries: 2, refusedBackoff: 1 });
    await q.stop();
  });

  it('refuses requests beyond its bound instead of growing', async () => {
    const q = new BusQueue({ name: 'b', transport: new FakeLine(), gapMs: 0, maxQueue: 3 }, log);
    q.start();
    const all = Array.from({ length: 6 }, (_, a) =>
      q.read(dev(1), 'holding', a, 1).then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    const results = await Promise.all(all);
    await q.stop();
    // All six arrive in one tick: three fit, three are refused.
    expect(results.filter((r) => r.includes('queue full'))).toHaveLength(3);
    expect(q.stats().refusedFull).toBe(3);
  });
});
