import { fileURLToPath } from 'node:url';
import type { HubConfigInput } from './schema.ts';
import { demoDevices } from '../devices/config.ts';

const demoClip = fileURLToPath(new URL('../demo/vtest-demo.mp4', import.meta.url));

/**
 * What the hub runs with when it has no configuration file: two cameras looping real footage
 * (OpenCV's vtest, see hub/demo/ATTRIBUTION.md), so a fresh `npm start` shows something real.
 */
export function demoDefaults(): HubConfigInput {
  return {
    hub: { name: 'Hub demo (xã mẫu)' },
    cameras: [
      { id: 'demo-cong-uy-ban', name: 'Demo: Cổng UBND xã', source: { type: 'file', path: demoClip } },
      { id: 'demo-cho', name: 'Demo: Chợ xã', source: { type: 'file', path: demoClip } },
    ],
    devices: demoDevices(),
    // Zones and lines are fractions of the frame: the walkway of the demo footage.
    events: {
      rules: [
        {
          id: 'loi-di-cho',
          name: 'Người vào lối đi chợ',
          type: 'intrusion',
          camera: 'demo-cho',
          urgent: true,
          severity: 'high',
          zone: [
            [0.45, 0.38],
            [0.95, 0.38],
            [0.95, 0.75],
            [0.45, 0.75],
          ],
        },
        {
          id: 'dem-nguoi-cong',
          name: 'Đếm người qua cổng',
          type: 'line',
          camera: 'demo-cong-uy-ban',
          line: [
            [0.75, 0.35],
            [0.75, 0.8],
          ],
        },
        { id: 'cong-mat-ket-noi', name: 'Camera cổng mất kết nối', type: 'offline', camera: 'demo-cong-uy-ban', urgent: true },
        { id: 'cho-bi-che', name: 'Camera chợ bị che', type: 'tamper', camera: 'demo-cho', urgent: true },
      ],
    },
  };
}
