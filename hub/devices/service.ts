/** What the devices subsystem offers the others (the events subsystem drives a siren relay with it). */
import type { Alarm } from './lib/alarms.ts';
import type { CommandResult } from './commander.ts';
import type { PointValue } from './values.ts';

export type { CommandResult } from './commander.ts';
export { DeviceCommandError } from './commander.ts';
export type { PointValue } from './values.ts';

export interface DeviceInfo {
  id: string;
  name: string;
  profile: string;
  kind: string;
  bus: string;
  unit: number;
  online: boolean;
  error?: string;
  values: PointValue[];
}

export interface DeviceService {
  devices(): DeviceInfo[];
  values(deviceId?: string): PointValue[];
  /**
   * Runs a command on a device or a pump (`run`, `stop`, `reset`, `setFrequency`): interlocks
   * first for pumps, then verified by read-back; refused or failed results carry the reason in
   * Vietnamese and English. `actor` is `user:NAME` or `rule:ID`.
   */
  command(deviceId: string, command: string, args: Record<string, number>, actor: string): Promise<CommandResult>;
  /**
   * Sets an output (relay coil, register) and verifies it by read-back, e.g. a siren relay.
   * Resolves with the verified result ({ok: true}); a refusal (unknown device, a drive, an output
   * that switches a pump's contactor) or a failure (write error, no read-back) REJECTS with a
   * DeviceCommandError whose `result.reason` says why in Vietnamese and English, so an awaiting
   * caller cannot miss it. Always audited.
   */
  setOutput(deviceId: string, point: string, value: boolean | number, actor: string): Promise<CommandResult>;
  alarms(): Alarm[];
  acknowledge(alarmId: string, actor: string): boolean;
}

declare module '../context.ts' {
  interface HubServices {
    devices: DeviceService;
  }
}
