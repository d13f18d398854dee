/**
 * `npm run bench -- modbus`: the Modbus bus discipline measured.
 * 1. One RTU line (socat pseudo-terminal pair; the simulator holds each reply for the request's
 *    and the reply's time on the wire, so the pty behaves like RS-485 at that baud) at 9600 and
 *    19200 baud with 8 simulated devices, through the hub's own bus queue:
 *    - saturated: every device polled back to back; achieved transactions/s against the line's
 *      theoretical limit from the frame sizes (request + reply + 2 x t3.5, 11-bit characters);
 *    - paced at ~60 % of that limit: poll jitter (lateness of each poll against its schedule).
 * 2. Modbus TCP: command-to-verified latency (run/stop of the simulated pump through the full
 *    devices runtime, interlocks and read-back included), p50/p95.
 * Writes bench/results/modbus-<timestamp>.json and returns its path.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../hub/core/log.ts';
import { BusQueue, type DeviceLink } from '../hub/devices/bus/bus-queue.ts';
import { ModbusSerialTransport } from '../hub/devices/bus/modbus-serial-transport.ts';
import { readFrameBytes, t35Ms, theoreticalReadsPerSecond } from '../hub/devices/lib/rtu-timing.ts';
import { PumpStationSimulator } from '../hub/devices/sim/simulator.ts';
import { openDatabase } from '../hub/store/database.ts';
import { AuditLog, auditMigrations } from '../hub/audit/audit-log.ts';
import { devicesSchema } from '../hub/devices/config.ts';
import { devicesMigrations } from '../hub/devices/history.ts';
import { DevicesRuntime } from '../hub/devices/runtime.ts';

const here = dirname(fileURLToPath(import.meta.url));
const log = createLogger('bench', () => undefined);
const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));
const UNITS = [11, 12, 13, 14, 15, 16, 17, 18]; // clear of the station's own units (sim/station-model.ts UNITS)
const REGS = 5;

function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
}

async function ptyPair(dir: string): Promise<{ a: string; b: string; kill(): void }> {
  const a = join(dir, 'hub-tty');
  const b = join(dir, 'sim-tty');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(existsSync(a) && existsSync(b)); i++) await sleep(25);
  return { a, b, kill: () => proc.kill() };
}

async function rtuLine(baud: number, seconds: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-modbus-'));
  const pty = await ptyPair(dir);
  const sim = await PumpStationSimulator.start({ rtu: { path: pty.b, baudRate: baud }, extraProbes: UNITS });
  const bus = new BusQueue(
    {
      name: `rtu@${baud}`,
      gapMs: t35Ms(baud),
      transport: new ModbusSerialTransport({ type: 'rtu', path: pty.a, baudRate: baud, parity: 'none', stopBits: 1 }),
    },
    log,
  );
  bus.start();
  const links: DeviceLink[] = UNITS.map((unit) => ({ id: `probe-${unit}`, unit, timeoutMs: 500, retries: 1, minGapMs: 0 }));
  const limit = theoreticalReadsPerSecond(baud, 'holding', REGS);
  try {
    await bus.read(links[0]!, 'holding', 0, REGS); // open the line
    // Saturated.
    let done = 0;
    let errors = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      links.map(async (l) => {
        while (Date.now() < end) {
          try {
            await bus.read(l, 'holding', 0, REGS);
            done++;
          } catch {
            errors++;
          }
        }
      }),
    );
    const achieved = done / seconds;
    // Paced at 60 % of the limit: each device on its own fixed-rate schedule.
    const interval = (links.length / (0.6 * limit)) * 1000;
    const lateness: number[] = [];
    const latency: number[] = [];
    const pacedEnd = Date.now() + seconds * 1000;
    await Promise.all(
      links.map(async (l, i) => {
        let due = Date.now() + (i * interval) / links.length;
        while (due < pacedEnd) {
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          const start = Date.now();
          lateness.push(start - due);
          await bus.read(l, 'holding', 0, REGS).catch(() => errors++);
          latency.push(Date.now() - start);
          due += interval;
        }
      }),
    );
    const frames = readFrameBytes('holding', REGS);
    return {
      baud,
      devices: links.length,
      registersPerRead: REGS,
      requestBytes: frames.request,
      responseBytes: frames.response,
      t35Ms: Number(t35Ms(baud).toFixed(3)),
      theoreticalTransactionsPerSecond: Number(limit.toFixed(2)),
      achievedTransactionsPerSecond: Number(achieved.toFixed(2)),
      ratio: Number((achieved / limit).toFixed(3)),
      paced: {
        pollIntervalMsPerDevice: Number(interval.toFixed(1)),
        load: 0.6,
        polls: lateness.length,
        jitterMs: { p50: pct(lateness, 50), p95: pct(lateness, 95), max: pct(lateness, 100) },
        transactionMs: { p50: pct(latency, 50), p95: pct(latency, 95) },
      },
      errors,
    };
  } finally {
    await bus.stop();
    await sim.close();
    pty.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tcpCommands(n: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-modbus-'));
  const sim = await PumpStationSimulator.start({ tcp: {}, tickMs: 20 });
  const { db } = openDatabase(join(dir, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
  const audit = new AuditLog(db);
  const cfg = devicesSchema.parse({
    buses: [{ id: 'tcp', type: 'tcp', host: '127.0.0.1', port: sim.tcpPort, timeoutMs: 300, retries: 1 }],
    devices: [
      { id: 'drive', name: 'Drive', bus: 'tcp', unit: 1, profile: 'invt-gd20', intervalMs: 200 },
      { id: 'level', name: 'Level', bus: 'tcp', unit: 2, profile: 'level-4-20ma', intervalMs: 200 },
      { id: 'sal', name: 'Salinity', bus: 'tcp', unit: 3, profile: 'ec-salinity-rs485', intervalMs: 200 },
    ],
    pumps: [
      {
        id: 'pump',
        name: 'Pump',
        drive: 'drive',
        intakeLevel: { device: 'level', point: 'level' },
        salinity: { device: 'sal', point: 'salinity' },
        limits: { minRunS: 0, minOffS: 0, maxStartsPerHour: 10_000 },
        verifyMs: 2000,
      },
    ],
    tickMs: 100,
  });
  const rt = new DevicesRuntime(cfg, { db, log, tz: 'Asia/Ho_Chi_Minh', lat: 9.93, lon: 106.35, audit: (e) => audit.write(e), emit: () => undefined });
  rt.start();
  try {
    for (let i = 0; i < 100 && rt.pumps().find((p) => p.id === 'pump')?.startBlocker !== null; i++) await sleep(50);
    const total: number[] = [];
    const verify: number[] = [];
    let failures = 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = await rt.command('pump', i % 2 === 0 ? 'run' : 'stop', {}, 'user:bench');
      total.push(performance.now() - t0);
      if (r.ok && r.verifiedMs !== undefined) verify.push(r.verifiedMs);
      else failures++;
    }
    return {
      commands: n,
      failures,
      commandToVerifiedMs: { p50: pct(total, 50), p95: pct(total, 95), max: pct(total, 100) },
      writeToReadbackMs: { p50: pct(verify, 50), p95: pct(verify, 95) },
    };
  } finally {
    await rt.stop();
    db.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<string> {
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 10);
  const started = new Date();
  const rtu = [];
  for (const baud of [9600, 19200]) {
    process.stderr.write(`bench modbus: RTU ${baud} baud, 8 devices, ${seconds} s saturated + ${seconds} s paced\n`);
    rtu.push(await rtuLine(baud, seconds));
  }
  process.stderr.write('bench modbus: TCP command-to-verified latency\n');
  const tcp = await tcpCommands(40);
  const result = {
    benchmark: 'modbus',
    started: started.toISOString(),
    node: process.version,
    notes:
      'RTU over a socat pty pair; the simulator emulates wire time at the baud rate (11-bit characters). Theoretical limit = 1 / (request + reply + 2 x t3.5).',
    rtu,
    tcp,
  };
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `modbus-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(
    `${JSON.stringify({ rtu: rtu.map((r) => ({ baud: r.baud, limit: r.theoreticalTransactionsPerSecond, achieved: r.achievedTransactionsPerSecond, ratio: r.ratio, jitter: (r.paced as { jitterMs: unknown }).jitterMs })), tcp: tcp.commandToVerifiedMs })}\n`,
  );
  return path;
}
