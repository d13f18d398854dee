/**
 * What switches a pump on and off: a drive (its profile's run/stop commands and status roles) or
 * a contactor on a relay output (many small commune stations have no drive). The pump controller
 * applies the same safety rules to both; only this file knows the difference. A contactor's
 * output is reserved for its pump when the actuator is made, so no other path can write it.
 */
import { reasons, type Reason } from './lib/reasons.ts';
import { refused, type CommandResult } from './command-result.ts';
import { readPoint, reserveOutput, runCommand, writeAndVerify, writePoint, type Device } from './device-io.ts';
import type { Profile } from './profile.ts';
import type { ContactorConfig } from './config.ts';

export type PumpRole = 'running' | 'fault' | 'faultCode' | 'remote' | 'current';

export interface PumpActuator {
  readonly kind: 'drive' | 'contactor';
  /** The device that switches the pump (the drive, or the relay module). */
  readonly device: Device;
  /** How refusals name it ("no communication with …"). */
  readonly label: string;
  /** The point of `device` that plays `role`, if any (a contactor has no remote or current). */
  point(role: PumpRole): string | undefined;
  run(deadlineMs: number): Promise<CommandResult>;
  stop(deadlineMs: number): Promise<CommandResult>;
  /** reset, setFrequency…: whatever the drive profile offers; a contactor offers none. */
  other(command: string, args: Record<string, number>, deadlineMs: number): Promise<CommandResult>;
  /** Writes that set the device's own communication-loss behaviour (drives only). */
  readonly commissioning: Profile['commissioning'];
  readonly heartbeat?: string;
  write(point: string, value: number | boolean): Promise<void>;
  read(point: string): Promise<number | boolean>;
  /** Why this pump may not start for want of hardware protection (contactors), or null. */
  protectionBlocker(commissioned: boolean): Reason | null;
}

export function driveActuator(drive: Device): PumpActuator {
  return {
    kind: 'drive',
    device: drive,
    label: drive.cfg.name,
    point: (role) => drive.profile.roles[role],
    run: (ms) => runCommand(drive, 'run', {}, ms),
    stop: (ms) => runCommand(drive, 'stop', {}, ms),
    other: (command, args, ms) => runCommand(drive, command, args, ms),
    commissioning: drive.profile.commissioning,
    heartbeat: drive.profile.heartbeat?.point,
    write: (point, value) => writePoint(drive, point, value),
    read: (point) => readPoint(drive, point),
    // A drive has its own communication-loss stop (its commissioning writes).
    protectionBlocker: () => null,
  };
}

/**
 * A contactor on relay output `c.output` of `relay`. Run and stop write the coil with the pump's
 * key and are verified on the auxiliary contact when one is wired (else on the coil read-back);
 * "running" is that same point, "fault" the thermal overload input.
 */
export function contactorActuator(relay: Device, c: ContactorConfig, pump: { id: string; name: string }): PumpActuator {
  const key = reserveOutput(relay, c.output, pump.id, pump.name);
  const running = c.feedback ?? c.output;
  const label = `${relay.cfg.name} ${c.output}`;
  const roles: Partial<Record<PumpRole, string>> = { running, fault: c.overload };
  return {
    kind: 'contactor',
    device: relay,
    label,
    point: (role) => roles[role],
    run: (ms) => writeAndVerify(relay, [{ point: c.output, value: true }], running, true, ms, 'run', key),
    stop: (ms) => writeAndVerify(relay, [{ point: c.output, value: false }], running, false, ms, 'stop', key),
    other: (command) => Promise.resolve(refused(reasons.unknownCommand(command))),
    // The relay module's own watchdog, when this pump relies on it (config: protection).
    commissioning: c.protection?.type === 'relay-watchdog' ? (relay.profile.commLossWatchdog ?? []) : [],
    // Only the watchdog's points: the contactor output itself is written only by run/stop.
    write: (point, value) => writePoint(relay, point, value),
    read: (point) => readPoint(relay, point),
    protectionBlocker: (commissioned) =>
      !c.protection ? reasons.noProtection() : c.protection.type === 'relay-watchdog' && !commissioned ? reasons.protectionUnverified() : null,
  };
}
