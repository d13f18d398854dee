/**
 * Runs a profile command on a device and proves it: the writes, then read-back of the command's
 * verify point until it shows the expected state or the deadline passes. A write the device
 * accepted but did not act on is a failure, not a success.
 */
import { reasons, type Reason } from './lib/reasons.ts';
import { ownerOf, readPoint, writePoint, type Device } from './poller.ts';

export interface CommandResult {
  ok: boolean;
  status: 'done' | 'refused' | 'failed';
  reason?: Reason;
  /** ms from the first write to the confirming read. */
  verifiedMs?: number;
}

/**
 * A refused or failed command as an exception (DeviceService.setOutput rejects with it, so an
 * awaiting caller cannot miss a failure). `result` is the CommandResult, reason in vi and en.
 */
export class DeviceCommandError extends Error {
  override name = 'DeviceCommandError';
  constructor(readonly target: string, readonly result: CommandResult) {
    super(`devices: ${target} ${result.status}: ${result.reason?.en ?? 'no reason given'}`);
  }
}

export const refused = (reason: Reason): CommandResult => ({ ok: false, status: 'refused', reason });
export const failed = (reason: Reason): CommandResult => ({ ok: false, status: 'failed', reason });

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/**
 * Makes the writes in order, then reads `verifyPoint` until it gives `expected` or `deadlineMs`
 * pass. `key` is a pump's key to its own contactor output (see reserveOutput).
 */
export async function writeAndVerify(d: Device, writes: Array<{ point: string; value: number | boolean }>, verifyPoint: string, expected: number | boolean, deadlineMs: number, label: string, key?: symbol): Promise<CommandResult> {
  const t0 = Date.now();
  try {
    for (const w of writes) await writePoint(d, w.point, w.value, key);
  } catch (err) {
    return failed(reasons.writeFailed((err as Error).message));
  }
  while (Date.now() - t0 < deadlineMs) {
    try {
      const v = await readPoint(d, verifyPoint);
      const same = typeof expected === 'number' ? Math.abs(Number(v) - expected) < 1e-6 : Boolean(v) === expected;
      if (same) return { ok: true, status: 'done', verifiedMs: Date.now() - t0 };
    } catch {
      // A missed read-back is retried until the deadline.
    }
    await sleep(Math.min(100, Math.max(10, deadlineMs / 20)));
  }
  return failed(reasons.notVerified(label, deadlineMs));
}

/** Executes the profile command `name` with `args`, verified by read-back within `deadlineMs`. */
export async function runCommand(d: Device, name: string, args: Record<string, number>, deadlineMs: number): Promise<CommandResult> {
  const cmd = d.profile.commands[name];
  if (!cmd) return refused(reasons.unknownCommand(name));
  for (const [arg, range] of Object.entries(cmd.args ?? {})) {
    const v = args[arg];
    if (typeof v !== 'number' || v < range.min || v > range.max) {
      return refused({ code: 'bad-argument', en: `refused: ${arg} must be ${range.min}..${range.max}`, vi: `từ chối: ${arg} phải trong khoảng ${range.min}..${range.max}` });
    }
  }
  const writes = cmd.writes.map((w) => ({ point: w.point, value: w.arg !== undefined ? args[w.arg]! : w.value! }));
  const expected = cmd.verify.equalsArg !== undefined ? args[cmd.verify.equalsArg]! : cmd.verify.equals!;
  return writeAndVerify(d, writes, cmd.verify.point, expected, deadlineMs, name);
}

/** Sets an output point (a relay coil, a setpoint) and verifies it by reading it back. */
export async function setOutput(d: Device, point: string, value: number | boolean, deadlineMs: number): Promise<CommandResult> {
  const p = d.profile.points[point];
  if (!p || p.access === 'r') return refused({ code: 'not-writable', en: `refused: ${d.cfg.id}.${point} is not an output`, vi: `từ chối: ${d.cfg.id}.${point} không phải đầu ra` });
  const owner = ownerOf(d, point);
  if (owner) return refused(reasons.contactorOutput(`${d.cfg.id}.${point}`, owner.pumpName));
  return writeAndVerify(d, [{ point, value }], point, value, deadlineMs, `${point}=${String(value)}`);
}
