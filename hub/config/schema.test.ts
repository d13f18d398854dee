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
    expect(issuesOf({ recording: { retentionDays: -1 } })[0]).toMatch(/^recording\.retentionDays: must be positive/);
    expect(issuesOf({ recording: { retentionDay: 3 } })[0]).toMatch(/^recording: .*retentionDay/);
  });

  it('rejects a camera id that cannot be a path segment', () => {
    expect(issuesOf({ cameras: [cam('../etc')] })[0]).toMatch(/^cameras\[0\]\.id: must be 1-40 lowercase/);
  });
});
