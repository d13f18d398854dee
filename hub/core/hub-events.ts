/**
 * The typed events subsystems publish on the hub's bus. Each subsystem adds its own events by
 * declaration merging in its own folder, e.g. in hub/devices/bus-events.ts:
 *
 *   declare module '../core/hub-events.ts' {
 *     interface HubEvents { 'device.value': DeviceValue }
 *   }
 */
export interface HubEvents {
  'config.changed': { by: string };
}
