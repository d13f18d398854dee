import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './schema.ts';
import { demoDefaults } from './demo-defaults.ts';

function issuesOf(doc: unknown): string[] {
  try {
    parseConfig(doc);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const cam = (id: string, url = 'rtsp://10.0.0.2/ch1') => ({ id, name: id, source: { type: 'rtsp', url } });

describe('configuration schema', () => {
  it('accepts an empty document and fills every default (7 days, 10% free, Asia/Ho_Chi_Minh)', () => {
    const cfg = parseConfig({});
    expect(cfg.recording.retentionDays).toBe(7);
    expect(cfg.recording.minFreePercent).toBe(10);
    expect(cfg.recording.segmentSeconds).toBe(10);
    expect(cfg.hub.timezone).toBe('Asia/Ho_Chi_Minh');
  });

  it('accepts the demo defaults with two cameras', () => {
    expect(parseConfig(demoDefaults()).cameras).toHaveLength(2);
  });

  it('names the field of a bad RTSP URL', () => {
    const issues = issuesOf({ cameras: [cam('a'), cam('b'), cam('c', 'http://10.0.0.2/stream')] });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^cameras\[2\]\.source\.url: must be an rtsp:\/\//);
  });

  it('rejects a duplicate camera id, naming both places', () => {
    expect(issuesOf({ cameras: [cam('gate'), cam('gate')] })).toEqual(['cameras[1].id: duplicate camera id "gate" (also cameras[0])']);
  });

  it('rejects negative retention and a typo in a key', () => {
    expect(issuesOf({ recording: { retentionDays: -1 } })[0]).toMatch(/^recording\.retentionDays: must be at least 1 day/);
    expect(issuesOf({ recording: { retentionDay: 3 } })[0]).toMatch(/^recording: .*retentionDay/);
  });

  it('rejects a camera id that cannot be a path segment', () => {
    expect(issuesOf({ cameras: [cam('../etc')] })[0]).toMatch(/^cameras\[0\]\.id: must be 1-40 lowercase/);
  });
});

describe('references between sections', () => {
  const relays = {
    buses: [{ id: 'line', type: 'tcp', host: '127.0.0.1' }],
    devices: [
      { id: 'io', name: 'Relay', bus: 'line', unit: 4, profile: 'relay-8ch' },
      { id: 'level', name: 'Level', bus: 'line', unit: 2, profile: 'level-4-20ma' },
    ],
  };
  const rule = (extra: Record<string, unknown> = {}) => ({ id: 'san', type: 'offline', camera: 'gate', ...extra });

  it("refuses an enabled rule watching a camera that is not configured, naming the rule's field", () => {
    expect(issuesOf({ cameras: [cam('gate')], events: { rules: [rule(), rule({ id: 'kho', camera: 'kho' })] } })).toEqual([
      'events.rules[1].camera: no camera "kho": rule "kho" watches it (point the rule at another camera, disable it or remove it first)',
    ]);
  });

  it('lets a disabled rule wait for its camera (it runs nothing)', () => {
    expect(issuesOf({ events: { rules: [rule({ enabled: false })] } })).toEqual([]);
  });

  it('refuses an alarm output on a missing device, on an input, or on a pump contactor output', () => {
    const pump = {
      id: 'p1',
      name: 'Pump',
      contactor: { device: 'io', output: 'relay3' },
      intakeLevel: { device: 'level', point: 'level' },
      salinity: { device: 'level', point: 'level' },
    };
    const doc = (alarm: object) => ({ cameras: [cam('gate')], devices: { ...relays, pumps: [pump] }, events: { rules: [rule({ alarm })] } });
    expect(issuesOf(doc({ device: 'io', output: 'relay1' }))).toEqual([]);
    expect(issuesOf(doc({ device: 'coi', output: 'relay1' }))).toEqual([
      'events.rules[0].alarm.device: no device "coi" in devices.devices (alarm output of rule "san")',
    ]);
    expect(issuesOf(doc({ device: 'io', output: 'input1' }))).toEqual([
      'events.rules[0].alarm.output: device "io" has no relay output (coil) "input1" (alarm output of rule "san")',
    ]);
    expect(issuesOf(doc({ device: 'io', output: 'relay3' }))).toEqual([
      'events.rules[0].alarm.output: io.relay3 switches pump "p1"; it cannot be used as an output here (alarm output of rule "san")',
    ]);
  });

  it('refuses pipeline settings of a camera that is not configured', () => {
    expect(issuesOf({ cameras: [cam('gate')], pipeline: { cameras: { gate: { priority: 9 }, kho: { priority: 2 } } } })).toEqual([
      'pipeline.cameras.kho: no camera "kho": these are settings of a camera that is not configured (remove them with the camera)',
    ]);
  });

  it("reports the devices section's own references in the same path format", () => {
    const devices = {
      ...relays,
      devices: [...relays.devices, { id: 'x', name: 'X', bus: 'nope', unit: 9, profile: 'relay-8ch', points: { relay99: { address: 1 } } }],
    };
    expect(issuesOf({ devices })).toEqual([
      'devices.devices[2].bus: no bus "nope"',
      'devices.devices[2].points.relay99: profile relay-8ch has no point "relay99" to override',
    ]);
  });

  it('holds a parsed document to the current version (older ones are migrated by the loader first)', () => {
    expect(issuesOf({ version: 1 })[0]).toMatch(/^version: /);
  });
});
