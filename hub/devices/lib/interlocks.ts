/**
 * Pump safety as a pure function of the pump's state, its limits and the clock. The controller
 * asks two questions: may this pump start now, and must it stop now. Nothing here does I/O, so
 * every rule is tested with plain values (see interlocks.test.ts).
 */
import { reasons, type Reason } from './reasons.ts';

export type Quality = 'good' | 'stale' | 'comm-fail';

export interface Reading {
  value: number | null;
  quality: Quality;
  /** Epoch ms of the last good reading (undefined: never). */
  goodAt?: number;
}

export interface PumpLimits {
  minRunMs: number;
  minOffMs: number;
  maxStartsPerHour: number;
  maxRunMs: number;
  /** Intake level below which the pump must not run (m). */
  dryRunLevelM: number;
  /** Motor current below which a running pump is taken to run dry (A); null: not used. */
  dryRunCurrentA: number | null;
  /** Grace after a start before the current check applies (the motor ramps up). */
  currentGraceMs: number;
  /** Salinity permissive (‰). */
  salinityMaxPpt: number;
  /** Canal level band (m); null ends are open. */
  canalMinM: number | null;
  canalMaxM: number | null;
  /** A running pump stops when a protecting sensor has not been good for this long. */
  sensorFailsafeMs: number;
}

export interface PumpState {
  running: boolean;
  /** Epoch ms the pump last started / stopped (undefined: unknown, e.g. just after hub start). */
  runningSince?: number;
  stoppedSince?: number;
  /** Epoch ms of recent starts (any older than an hour is ignored). */
  starts: number[];
  fault: boolean;
  faultCode?: number | null;
  /** Hand/Off/Auto selector as the panel reports it; 'auto' when the panel has none. */
  mode: 'hand' | 'off' | 'auto';
  /** True when the drive takes commands from the network. */
  remote: boolean;
  /** False when the drive itself cannot be read. */
  driveReachable: boolean;
  intakeLevel: Reading;
  salinity: Reading;
  canalLevel?: Reading;
  current?: Reading;
  /** The intake level reading is implausible (lib/plausibility.ts): frozen, too fast, or a float switch disagrees. */
  implausible?: { sensor: string; why: string };
}

const HOUR = 3_600_000;

/** Starts counted against the hourly limit at `now`. */
export function startsInLastHour(starts: readonly number[], now: number): number {
  return starts.filter((t) => now - t < HOUR).length;
}

/** Why the pump may not start now, or null when it may. The first failing rule wins. */
export function startBlocker(s: PumpState, l: PumpLimits, now: number, deviceName = 'drive'): Reason | null {
  if (!s.driveReachable) return reasons.commLoss(deviceName);
  if (s.fault) return reasons.fault(s.faultCode ?? null);
  if (s.mode !== 'auto') return reasons.notAuto(s.mode);
  if (!s.remote) return reasons.local();
  for (const [name, r] of sensors(s)) if (r.quality !== 'good' || r.value === null) return reasons.sensorBad(name, r.quality);
  if (s.implausible) return reasons.implausible(s.implausible.sensor, s.implausible.why, false);
  if (s.salinity.value! > l.salinityMaxPpt) return reasons.salinityHigh(s.salinity.value!, l.salinityMaxPpt);
  if (s.intakeLevel.value! < l.dryRunLevelM) return reasons.dryRun(s.intakeLevel.value!, l.dryRunLevelM);
  const canal = s.canalLevel?.value;
  if (canal != null && l.canalMinM !== null && canal < l.canalMinM) return reasons.canalLow(canal, l.canalMinM);
  if (canal != null && l.canalMaxM !== null && canal > l.canalMaxM) return reasons.canalHigh(canal, l.canalMaxM);
  if (s.stoppedSince !== undefined && now - s.stoppedSince < l.minOffMs) return reasons.minOff(l.minOffMs - (now - s.stoppedSince));
  const n = startsInLastHour(s.starts, now);
  if (n >= l.maxStartsPerHour) return reasons.maxStarts(n, l.maxStartsPerHour);
  return null;
}

/**
 * Why a running pump must stop now (a trip), or null. Trips are never refused: they protect the
 * motor and the fields, so the minimum run time does not hold them back.
 */
export function tripReason(s: PumpState, l: PumpLimits, now: number): Reason | null {
  if (!s.running) return null;
  for (const [name, r] of sensors(s)) {
    if (r.quality === 'good' && r.value !== null) continue;
    const badFor = r.goodAt === undefined ? Infinity : now - r.goodAt;
    if (badFor >= l.sensorFailsafeMs) return reasons.sensorFailsafe(name, r.quality, Number.isFinite(badFor) ? badFor : l.sensorFailsafeMs);
  }
  if (s.implausible) return reasons.implausible(s.implausible.sensor, s.implausible.why, true);
  const level = s.intakeLevel;
  if (level.quality === 'good' && level.value !== null && level.value < l.dryRunLevelM) return reasons.dryRun(level.value, l.dryRunLevelM);
  const sal = s.salinity;
  if (sal.quality === 'good' && sal.value !== null && sal.value > l.salinityMaxPpt) return reasons.salinityHigh(sal.value, l.salinityMaxPpt);
  const amps = s.current;
  if (
    l.dryRunCurrentA !== null &&
    amps?.quality === 'good' &&
    amps.value !== null &&
    s.runningSince !== undefined &&
    now - s.runningSince > l.currentGraceMs &&
    amps.value < l.dryRunCurrentA
  ) {
    return reasons.dryRunCurrent(amps.value, l.dryRunCurrentA);
  }
  if (s.runningSince !== undefined && now - s.runningSince >= l.maxRunMs) return reasons.maxRun(l.maxRunMs);
  return null;
}

/**
 * Why an automatic (rule) stop must wait, or null. Operators and trips always stop at once; a
 * programme that ends early does not short-cycle the motor.
 */
export function ruleStopBlocker(s: PumpState, l: PumpLimits, now: number): Reason | null {
  if (s.running && s.runningSince !== undefined && now - s.runningSince < l.minRunMs) return reasons.minRun(l.minRunMs - (now - s.runningSince));
  return null;
}

function sensors(s: PumpState): Array<[string, Reading]> {
  const list: Array<[string, Reading]> = [
    ['intake level', s.intakeLevel],
    ['salinity', s.salinity],
  ];
  if (s.canalLevel) list.push(['canal level', s.canalLevel]);
  return list;
}
