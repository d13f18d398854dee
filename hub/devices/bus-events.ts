/** The devices subsystem's events on the hub bus (the province link forwards alarms). */
import type { Alarm, AlarmChange } from './lib/alarms.ts';
import type { PointValue } from './values.ts';

export interface DeviceAlarmEvent {
  change: AlarmChange['type'];
  alarm: Alarm;
}

declare module '../core/hub-events.ts' {
  interface HubEvents {
    'device.value': PointValue;
    'device.alarm': DeviceAlarmEvent;
  }
}
