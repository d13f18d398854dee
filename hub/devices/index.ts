/**
 * The devices subsystem: the pump station and irrigation over Modbus, safe by construction.
 * Offers:
 * - devicesModule: the hub module (ctx.services.devices, /api/devices..., 'device.value' and
 *   'device.alarm' on the bus); the simulator runs in-process when devices.simulator.enabled.
 * - DeviceService (service.ts): devices and values with quality, command(), setOutput() (rejects
 *   with DeviceCommandError when refused or not verified), alarms (kept across restarts).
 * - Pure cores (lib/): register maths and read merging, RTU timing, pump interlocks, bilingual
 *   reasons, alarm states, schedules, sun times; bus/bus-queue.ts: one disciplined queue per bus.
 * - PumpStationSimulator (sim/): Modbus TCP and RTU servers for tests, benchmarks and the demo.
 */
export { devicesModule } from './module.ts';
export type { DeviceService, DeviceInfo, CommandResult, PointValue } from './service.ts';
export { DeviceCommandError } from './command-result.ts';
export { PumpStationSimulator } from './sim/simulator.ts';
export { PROFILES, PROFILE_IDS } from './profile.ts';
