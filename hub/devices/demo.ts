/**
 * The devices part of the demo configuration: the built-in simulator on a loopback port, and a
 * small pump station on it (one GD20 drive, intake level, canal level, salinity probe, relay module
 * with two irrigation valves, the Hand/Off/Auto selector and the street lights). The canal level
 * band is a start permissive: below it the canal is too low to take water from, above it the
 * fields would flood.
 */
import type { z } from 'zod';
import type { devicesSchema } from './config.ts';

export function demoDevices(): z.input<typeof devicesSchema> {
  return {
    simulator: { enabled: true, port: 0 },
    buses: [{ id: 'tram-bom', type: 'simulator', timeoutMs: 500, retries: 1 }],
    devices: [
      { id: 'bien-tan-1', name: 'Biến tần bơm 1 (GD20)', bus: 'tram-bom', unit: 1, profile: 'invt-gd20', intervalMs: 500 },
      { id: 'muc-nuoc-be-hut', name: 'Mực nước bể hút', bus: 'tram-bom', unit: 2, profile: 'level-4-20ma', intervalMs: 1000 },
      { id: 'do-man-kenh', name: 'Độ mặn kênh', bus: 'tram-bom', unit: 3, profile: 'ec-salinity-rs485', intervalMs: 2000 },
      { id: 'muc-nuoc-kenh', name: 'Mực nước kênh', bus: 'tram-bom', unit: 6, profile: 'level-4-20ma', intervalMs: 2000 },
      { id: 'ro-le-1', name: 'Mô-đun rơ-le (van, đèn)', bus: 'tram-bom', unit: 4, profile: 'relay-8ch', intervalMs: 1000 },
    ],
    pumps: [
      {
        id: 'bom-1',
        name: 'Bơm 1 trạm bơm kênh',
        drive: 'bien-tan-1',
        intakeLevel: { device: 'muc-nuoc-be-hut', point: 'level' },
        salinity: { device: 'do-man-kenh', point: 'salinity' },
        canalLevel: { device: 'muc-nuoc-kenh', point: 'level' },
        hoa: { device: 'ro-le-1', hand: 'input1', auto: 'input2' },
        limits: { minRunS: 60, minOffS: 120, maxStartsPerHour: 6, dryRunLevelM: 0.5, salinityMaxPpt: 2, canalMinM: 0.4, canalMaxM: 2.2 },
      },
    ],
    alarms: [
      { id: 'man-cao', device: 'do-man-kenh', point: 'salinity', high: 1.8, hysteresis: 0.1, delayS: 10, severity: 'warning', label: 'Độ mặn (‰)' },
      { id: 'be-hut-thap', device: 'muc-nuoc-be-hut', point: 'level', low: 0.8, hysteresis: 0.1, delayS: 5, severity: 'warning', label: 'Mực nước bể hút (m)' },
    ],
    programmes: [
      {
        id: 'tuoi-sang',
        name: 'Tưới sáng ruộng A-B',
        starts: ['05:30'],
        days: [1, 3, 5],
        pump: 'bom-1',
        zones: [
          { valve: { device: 'ro-le-1', point: 'relay1' }, minutes: 20 },
          { valve: { device: 'ro-le-1', point: 'relay2' }, minutes: 20 },
        ],
      },
    ],
    lighting: [
      {
        id: 'den-duong',
        name: 'Đèn đường ấp',
        output: { device: 'ro-le-1', point: 'relay8' },
        on: { sun: 'sunset', offsetMin: 10 },
        off: { at: '05:00' },
      },
    ],
  };
}
