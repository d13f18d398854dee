/**
 * What a device command comes back with: done (verified by read-back), refused (with the reason,
 * vi + en) or failed. DeviceService.setOutput rejects with DeviceCommandError, so an awaiting
 * caller cannot miss a failure.
 */
import type { Reason } from './lib/reasons.ts';

export interface CommandResult {
  ok: boolean;
  status: 'done' | 'refused' | 'failed';
  reason?: Reason;
  /** ms from the first write to the confirming read. */
  verifiedMs?: number;
}

/** A refused or failed command as an exception; `result` is the CommandResult, reason in vi and en. */
export class DeviceCommandError extends Error {
  override name = 'DeviceCommandError';
  constructor(
    readonly target: string,
    readonly result: CommandResult,
  ) {
    super(`devices: ${target} ${result.status}: ${result.reason?.en ?? 'no reason given'}`);
  }
}

export const refused = (reason: Reason): CommandResult => ({ ok: false, status: 'refused', reason });
export const failed = (reason: Reason): CommandResult => ({ ok: false, status: 'failed', reason });
export const done = (verifiedMs?: number): CommandResult => ({ ok: true, status: 'done', verifiedMs });

/** The audit log's word for a result. */
export const outcome = (r: CommandResult): 'ok' | 'refused' | 'failed' => (r.ok ? 'ok' : r.status === 'refused' ? 'refused' : 'failed');
