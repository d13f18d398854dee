import { describe, expect, it } from 'vitest';
import { CONFIG_VERSION, MIGRATIONS, migrate } from './migrations.ts';
import { ConfigError, parseConfig } from './schema.ts';

const cam = (id: string) => ({ id, name: id, source: { type: 'rtsp', url: 'rtsp://10.0.0.2/ch1' } });
const relays = {
  buses: [{ id: 'line', type: 'tcp', host: '127.0.0.1' }],
  devices: [{ id: 'io', name: 'Relay', bus: 'line', unit: 4, profile: 'relay-8ch' }],
};

/** What a version 1 hub could write: its API deleted camera "kho" while rule "kho-dem" watched it. */
const v1FieldState = {
  version: 1,
  cameras: [cam('gate')],
  devices: relays,
  pipeline: { cameras: { gate: { priority: 8 }, kho: { priority: 3 } } },
  events: {
    rules: [
      { id: 'cong', type: 'offline', camera: 'gate', alarm: { device: 'io', output: 'relay1' } },
      {
        id: 'kho-dem',
        type: 'intrusion',
        camera: 'kho',
        zone: [
          [0, 0],
          [1, 0],
          [1, 1],
        ],
      },
      { id: 'coi', type: 'tamper', camera: 'gate', alarm: { device: 'coi-da-go', output: 'relay1' } },
    ],
  },
};

describe('configuration migrations', () => {
  it('are numbered one after another up to the current version', () => {
    expect(MIGRATIONS.map((m) => m.to)).toEqual(Array.from({ length: CONFIG_VERSION - 1 }, (_, i) => i + 2));
  });

  it('v2 parks what a version 1 hub left dangling: disables the rule, drops the dead alarm and the orphan pipeline settings', () => {
    const { doc, from, notes } = migrate(structuredClone(v1FieldState));
    expect(from).toBe(1);
    const cfg = parseConfig(doc);
    expect(cfg.version).toBe(CONFIG_VERSION);
    expect(cfg.events.rules.map((r) => [r.id, r.enabled])).toEqual([
      ['cong', true],
      ['kho-dem', false],
      ['coi', true],
    ]);
    expect(cfg.events.rules[0]!.alarm).toMatchObject({ device: 'io', output: 'relay1' });
    expect(cfg.events.rules[2]!.alarm).toBeUndefined();
    expect(Object.keys(cfg.pipeline.cameras)).toEqual(['gate']);
    expect(notes).toEqual([
      'v2: events.rules[1] ("kho-dem") disabled: it watches camera "kho", which is not configured (deleted by an older hub); point it at a camera and enable it again',
      'v2: events.rules[2] ("coi") alarm output {"device":"coi-da-go","output":"relay1"} removed: no such relay output among the devices (it could never be switched)',
      'v2: pipeline.cameras.kho removed: settings of camera "kho", which is not configured',
    ]);
  });

  it('v3 raises footage retention under a day to one day and caps the free-space watermark at 30 %, saying so', () => {
    const v2 = {
      version: 2,
      recording: { retentionDays: 0.01, minFreePercent: 90 },
      cameras: [{ ...cam('gate'), record: { retentionDays: 0.5 } }, { ...cam('kho'), record: { retentionDays: 14 } }, cam('san')],
      events: { mediaRetentionDays: 0.01 },
    };
    const { doc, from, notes } = migrate(structuredClone(v2));
    expect(from).toBe(2);
    const cfg = parseConfig(doc);
    expect([cfg.version, cfg.recording.retentionDays, cfg.recording.minFreePercent, cfg.events.mediaRetentionDays]).toEqual([CONFIG_VERSION, 1, 30, 1]);
    expect(cfg.cameras.map((c) => c.record.retentionDays)).toEqual([1, 14, undefined]);
    expect(notes).toEqual([
      'v3: recording.retentionDays raised from 0.01 to 1 day: footage is kept at least a day',
      'v3: recording.minFreePercent lowered from 90 to 30: a higher watermark makes the sweeper delete most footage',
      'v3: cameras[0] ("gate") record.retentionDays raised from 0.5 to 1 day: footage is kept at least a day',
      'v3: events.mediaRetentionDays raised from 0.01 to 1 day: footage is kept at least a day',
    ]);
  });

  it('v3 leaves values version 2 refused for the schema to name, and allowed ones as they are', () => {
    const { doc, notes } = migrate({ version: 2, recording: { retentionDays: -1, minFreePercent: 25 }, events: { mediaRetentionDays: 3 } });
    expect(notes).toEqual([]);
    expect(doc).toMatchObject({ version: CONFIG_VERSION, recording: { retentionDays: -1, minFreePercent: 25 }, events: { mediaRetentionDays: 3 } });
    expect(() => parseConfig(doc)).toThrow(/recording\.retentionDays: must be at least 1 day/);
  });

  it('the schema refuses footage settings beyond the floors in a current document', () => {
    expect(() => parseConfig({ recording: { retentionDays: 0.5 } })).toThrow(/recording\.retentionDays: must be at least 1 day/);
    expect(() => parseConfig({ recording: { minFreePercent: 31 } })).toThrow(/recording\.minFreePercent: must be at most 30/);
    expect(() => parseConfig({ events: { mediaRetentionDays: 0.01 } })).toThrow(/events\.mediaRetentionDays: must be at least 1 day/);
    expect(() => parseConfig({ cameras: [{ ...cam('gate'), record: { retentionDays: 0.01 } }] })).toThrow(
      /cameras\[0\]\.record\.retentionDays: must be at least 1 day/,
    );
  });

  it("v4 turns motion masks from pixels of each camera's detect frame into fractions of its picture", () => {
    const v3 = {
      version: 3,
      cameras: [cam('gate'), { ...cam('kho'), detect: { width: 320, height: 240 } }, cam('san')],
      pipeline: {
        cameras: {
          // Default 640x360: the left half, and a timestamp strip drawn a little past the right edge.
          gate: {
            masks: [
              [
                [0, 0],
                [320, 0],
                [320, 360],
                [0, 360],
              ],
              [
                [480, 0],
                [650, 0],
                [650, 36],
                [480, 36],
              ],
            ],
          },
          kho: {
            priority: 7,
            masks: [
              [
                [80, 60],
                [160, 60],
                [160, 120],
              ],
            ],
          },
          san: { priority: 2 },
        },
      },
    };
    const { doc, from, notes } = migrate(structuredClone(v3));
    expect(from).toBe(3);
    const cfg = parseConfig(doc);
    expect(cfg.version).toBe(CONFIG_VERSION);
    expect(cfg.pipeline.cameras.gate!.masks).toEqual([
      [
        [0, 0],
        [0.5, 0],
        [0.5, 1],
        [0, 1],
      ],
      [
        [0.75, 0],
        [1, 0],
        [1, 0.1],
        [0.75, 0.1],
      ],
    ]);
    expect(cfg.pipeline.cameras.kho).toMatchObject({
      priority: 7,
      masks: [
        [
          [0.25, 0.25],
          [0.5, 0.25],
          [0.5, 0.5],
        ],
      ],
    });
    expect(cfg.pipeline.cameras.san).toMatchObject({ priority: 2, masks: [] });
    expect(notes).toEqual([
      "v4: pipeline.cameras.gate.masks converted from pixels of its 640x360 detect frame to fractions of the picture; points past the frame's edge were brought to the edge",
      'v4: pipeline.cameras.kho.masks converted from pixels of its 320x240 detect frame to fractions of the picture',
    ]);
  });

  it('the schema refuses a mask in pixels in a current document', () => {
    expect(() =>
      parseConfig({
        cameras: [cam('gate')],
        pipeline: {
          cameras: {
            gate: {
              masks: [
                [
                  [0, 0],
                  [320, 0],
                  [320, 360],
                ],
              ],
            },
          },
        },
      }),
    ).toThrow(/pipeline\.cameras\.gate\.masks\[0\]\[1\]\[0\]: /);
  });

  it('leaves the input document untouched', () => {
    const input = structuredClone(v1FieldState);
    migrate(input);
    expect(input).toEqual(v1FieldState);
  });

  it('takes a document without a version as the current one and changes nothing in it', () => {
    const doc = { cameras: [cam('gate')], events: { rules: [{ id: 'x', type: 'offline', camera: 'kho' }] } };
    expect(migrate(doc)).toEqual({ doc, from: CONFIG_VERSION, notes: [] });
  });

  it('refuses a document written by a newer hub, saying what to do', () => {
    const newer = CONFIG_VERSION + 1;
    expect(() => migrate({ version: newer }, 'config.json')).toThrow(ConfigError);
    expect(() => migrate({ version: newer }, 'config.json')).toThrow(
      new RegExp(`version: version ${newer} was written by a newer hub; this hub understands versions up to ${CONFIG_VERSION}`),
    );
  });

  it('leaves a version that is not a whole number to the schema, which names the field', () => {
    expect(() => parseConfig(migrate({ version: 'one' }).doc)).toThrow(/version: /);
  });
});
