/**
 * The devices subsystem: the pump station and irrigation over Modbus, safe by construction.
 * Offers:
 * - devicesModule: the hub module (ctx.services.devices, /api/devices..., 'device.value' and
 *   'device.alarm' on the bus); the simulator runs in-process when devices.simulator.enabled.
 * - DeviceService (service.ts), the only way in: devices and values with quality, buses, pumps,
 *   command(), setOutput() (the one output method; rejects with DeviceCommandError when refused or
 *   not verified), alarms (kept across restarts, trips latched) and their journal, programmes
 *   (run now, cancel), history.
 * - The device I/O layer (device-io.ts): every point read and write, verified commands.
 * - Pure cores (lib/): register maths and read merging, RTU timing, pump interlocks, plausibility,
 *   trip reset policy, bilingual reasons, alarm states, schedules, sun times; safe-state.ts;
 *   bus/bus-queue.ts: one disciplined queue per bus.
 * - PumpStationSimulator (sim/): Modbus TCP and RTU servers for tests, benchmarks and the demo.
 */
export { devicesModule } from './module.ts';
export type { DeviceService, DeviceInfo, CommandResult, PointValue } from './service.ts';
export { DeviceCommandError } from './command-result.ts';
export { PumpStationSimulator } from './sim/simulator.ts';
export { PROFILES, PROFILE_IDS } from './profile.ts';
