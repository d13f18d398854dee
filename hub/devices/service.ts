/**
 * What the devices subsystem offers: the API routes (routes.ts) and the other subsystems (the
 * events subsystem drives a siren relay with setOutput) go only through this interface.
 */
import type { Alarm } from './lib/alarms.ts';
import type { Reason } from './lib/reasons.ts';
import type { CommandResult } from './command-result.ts';
import type { BusStats } from './bus/bus-queue.ts';
import type { AlarmLogRow, Sample } from './history.ts';
import type { PumpConfig, DevicesConfig } from './config.ts';
import type { PointValue } from './values.ts';

export type { CommandResult } from './command-result.ts';
export { DeviceCommandError } from './command-result.ts';
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

export interface BusInfo extends BusStats {
  id: string;
}

export interface PumpInfo {
  id: string;
  name: string;
  actuator: 'drive' | 'contactor';
  /** The device that switches it: the drive, or the relay module of its contactor. */
  device: string;
  contactor?: PumpConfig['contactor'];
  running: boolean;
  mode: 'hand' | 'off' | 'auto';
  remote: boolean;
  fault: boolean;
  reachable: boolean;
  startsLastHour: number;
  /** Why a start would be refused now; null when it would be allowed. */
  startBlocker: Reason | null;
  limits: PumpConfig['limits'];
}

export type ProgrammeInfo = DevicesConfig['programmes'][number] & { running: boolean };

export type { AlarmLogRow as AlarmLogEntry } from './history.ts';

export interface DeviceService {
  devices(): DeviceInfo[];
  values(deviceId?: string): PointValue[];
  buses(): BusInfo[];
  pumps(): PumpInfo[];
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
   * caller cannot miss it. Always audited. The one way to set an output.
   */
  setOutput(deviceId: string, point: string, value: boolean | number, actor: string): Promise<CommandResult>;
  alarms(): Alarm[];
  acknowledge(alarmId: string, actor: string): boolean;
  /** Starts and run hours per local day of a pump, newest first; undefined for an unknown pump. */
  pumpDaily(pumpId: string, days: number): Array<{ day: string; starts: number; runHours: number }> | undefined;
  programmes(): { programmes: ProgrammeInfo[]; lighting: DevicesConfig['lighting'] };
  /** Runs a programme now ("run now"); resolves once it has started (done) or was refused. */
  runProgramme(id: string, actor: string): CommandResult;
  /**
   * Cancels a running programme and resolves once its abort path has stopped its pump and closed
   * its valves; refused when it is not running.
   */
  cancelProgramme(id: string, actor: string): Promise<CommandResult>;
  history(device: string, point: string, from: number, to: number, resolution: 'raw' | 'minute' | 'auto'): Sample[];
  /** The alarm journal (every raise, clear, acknowledgement), newest first; kept `history.alarmDays`. */
  alarmLog(from: number, to: number, limit: number): AlarmLogRow[];
}

declare module '../context.ts' {
  interface HubServices {
    devices: DeviceService;
  }
}
