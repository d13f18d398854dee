import { describe, expect, it } from 'vitest';
import { startHub } from '../../hub/main.ts';
import { createLogger } from '../../hub/core/log.ts';
import { makeDataDir } from '../helpers/test-hub.ts';

describe('events at start-up', () => {
  it("stops the hub with the schema's path message for a hand-written rule whose camera is not configured", async () => {
    const dataDir = makeDataDir({ detect: { enabled: false }, events: { rules: [{ id: 'san', type: 'offline', camera: 'khong-co' }] } });
    await expect(startHub({ dataDir, port: 0, host: '127.0.0.1', log: createLogger('t', () => {}) })).rejects.toThrow(
      'events.rules[0].camera: no camera "khong-co"',
    );
  });
});
