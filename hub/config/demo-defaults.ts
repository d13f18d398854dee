import { fileURLToPath } from 'node:url';
import type { HubConfigInput } from './schema.ts';
import { demoDevices } from '../devices/demo.ts';

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
  };
}
