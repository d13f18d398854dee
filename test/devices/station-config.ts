/**
 * The test station's configuration (no test-runner imports: the crash child process uses it too).
 */
import type { z } from 'zod';
import type { devicesSchema } from '../../hub/devices/config.ts';

/** The station's devices with test-short intervals; `extra` merges over the defaults. Sensor ages and the failsafe leave room for a loaded box (a failsafe trip latches). */
export function stationConfig(
  busSpec: Record<string, unknown>,
  extra: Partial<z.input<typeof devicesSchema>> = {},
  limits: Record<string, unknown> = {},
): z.input<typeof devicesSchema> {
  return {
    buses: [{ ...busSpec, timeoutMs: 200, retries: 1, backoffMs: 300 } as never],
    devices: [
      { id: 'drive', name: 'Drive', bus: 'line', unit: 1, profile: 'invt-gd20', intervalMs: 100, maxAgeMs: 1500 },
      { id: 'level', name: 'Intake level', bus: 'line', unit: 2, profile: 'level-4-20ma', intervalMs: 100, maxAgeMs: 1500 },
      { id: 'salinity', name: 'Salinity', bus: 'line', unit: 3, profile: 'ec-salinity-rs485', intervalMs: 100, maxAgeMs: 1500 },
      { id: 'io', name: 'Relay', bus: 'line', unit: 4, profile: 'relay-8ch', intervalMs: 100, maxAgeMs: 1500 },
    ],
    pumps: [
      {
        id: 'pump',
        name: 'Pump 1',
        drive: 'drive',
        intakeLevel: { device: 'level', point: 'level' },
        salinity: { device: 'salinity', point: 'salinity' },
        hoa: { device: 'io', hand: 'input1', auto: 'input2' },
        limits: { minRunS: 0, minOffS: 0, maxStartsPerHour: 5, dryRunLevelM: 0.5, sensorFailsafeS: 2, ...limits },
        verifyMs: 1500,
        heartbeatMs: 300,
      },
    ],
    tickMs: 50,
    ...extra,
  };
}

/** A second pump with no drive: a contactor on relay3 of the relay module (input3 aux, input4 overload). */
export function contactorPump(limits: Record<string, unknown> = {}): z.input<typeof devicesSchema>['pumps'] extends (infer T)[] | undefined ? T : never {
  return {
    id: 'pump2',
    name: 'Pump 2',
    contactor: { device: 'io', output: 'relay3', feedback: 'input3', overload: 'input4', protection: { type: 'float-switch' } },
    intakeLevel: { device: 'level', point: 'level' },
    salinity: { device: 'salinity', point: 'salinity' },
    hoa: { device: 'io', hand: 'input1', auto: 'input2' },
    limits: { minRunS: 0, minOffS: 0, maxStartsPerHour: 5, dryRunLevelM: 0.5, sensorFailsafeS: 2, ...limits },
    verifyMs: 1500,
  };
}

/** The station on Modbus TCP at `port` with programme p1 (valve relay1 for an hour, the drive pump). */
export function crashConfig(port: number): z.input<typeof devicesSchema> {
  return stationConfig(
    { id: 'line', type: 'tcp', host: '127.0.0.1', port },
    {
      programmes: [{ id: 'p1', name: 'P1', starts: ['03:00'], pump: 'pump', zones: [{ valve: { device: 'io', point: 'relay1' }, minutes: 60 }] }],
    },
  );
}

/** What protects the contactor pump while the hub is down (the config's `contactor.protection`). */
export type Protection = NonNullable<ReturnType<typeof contactorPump>['contactor']>['protection'];

/**
 * The station at `busSpec` with a Wiren Board WB-MR6C as its relay module (unit 4) and only the
 * contactor pump on it, protected by `protection`. Sensor ages and the failsafe leave room for a
 * loaded box: a trip before the test's kill would stop the pump for the wrong reason.
 */
export function wbContactorConfig(busSpec: Record<string, unknown>, protection: Protection): z.input<typeof devicesSchema> {
  const pump = contactorPump({ sensorFailsafeS: 10 });
  const cfg = stationConfig(busSpec, { pumps: [{ ...pump, contactor: { ...pump.contactor!, protection } }] });
  cfg.devices = cfg.devices!.map((d) => ({ ...d, maxAgeMs: 2000, ...(d.id === 'io' ? { profile: 'wb-mr6c' as const } : {}) }));
  return cfg;
}
