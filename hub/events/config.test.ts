import { describe, expect, it } from 'vitest';
import { eventsSchema } from './config.ts';
import { parseConfig } from '../config/schema.ts';

describe('events config', () => {
  it('accepts {} with defaults: 30-day media retention, rolls, no rules', () => {
    const cfg = eventsSchema.parse({});
    expect([cfg.rules, cfg.mediaRetentionDays, cfg.preRollSeconds, cfg.postRollSeconds]).toEqual([[], 30, 5, 5]);
    expect(parseConfig({}).events.mediaRetentionDays).toBe(30);
  });
  it('fills rule defaults per type', () => {
    const cfg = eventsSchema.parse({
      rules: [
        { id: 'cho', type: 'parked', camera: 'cho' },
        { id: 'den', type: 'offline', camera: 'cho' },
      ],
    });
    expect(cfg.rules[0]).toMatchObject({
      classes: ['car', 'motorcycle', 'truck', 'bus', 'bicycle'],
      stationarySeconds: 300,
      urgent: false,
      coolDownSeconds: 30,
    });
    expect(cfg.rules[1]).toMatchObject({ type: 'offline', severity: 'medium' });
  });
  it('names the bad field: unknown keys, duplicate ids, points off the frame, bad times', () => {
    const issues = (doc: unknown): string[] => {
      const r = eventsSchema.safeParse(doc);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ rules: [{ id: 'a', type: 'offline', camera: 'c', colour: 'red' }] }).join()).toMatch(/colour/);
    expect(
      issues({
        rules: [
          { id: 'a', type: 'offline', camera: 'c' },
          { id: 'a', type: 'offline', camera: 'c' },
        ],
      }),
    ).toEqual(['rules.1.id: duplicate rule id "a" (also rules[0])']);
    expect(
      issues({
        rules: [
          {
            id: 'z',
            type: 'intrusion',
            camera: 'c',
            zone: [
              [0, 0],
              [1.5, 0],
              [1, 1],
            ],
          },
        ],
      }).join(),
    ).toMatch(/^rules\.0\.zone\.1\.0/);
    expect(issues({ rules: [{ id: 'z', type: 'offline', camera: 'c', schedule: [{ from: '25:00', to: '05:00' }] }] }).join()).toMatch(/HH:MM/);
  });
});
