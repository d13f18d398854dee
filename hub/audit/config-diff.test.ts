/** What a configuration change changed, for its audit entry: paths, before and after, secrets masked. */
import { describe, expect, it } from 'vitest';
import { configDiff, maskSecrets } from './config-diff.ts';

const cam = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  name: id,
  source: { type: 'rtsp', url: `rtsp://admin:hunter2@10.0.0.${id.length}/ch1` },
  record: { enabled: true },
  ...over,
});

describe('config diff', () => {
  it('names each changed path with its value before and after, matching list items by id', () => {
    const before = {
      recording: { retentionDays: 7, minFreePercent: 10 },
      cameras: [cam('gate'), cam('kho', { record: { enabled: true, retentionDays: 30 } })],
    };
    const after = { recording: { retentionDays: 7, minFreePercent: 20 }, cameras: [cam('kho', { record: { enabled: true, retentionDays: 2 } }), cam('san')] };
    expect(configDiff(before, after)).toEqual({
      more: 0,
      changes: [
        { path: 'recording.minFreePercent', before: 10, after: 20 },
        { path: 'cameras[gate]', before: { ...cam('gate'), source: { type: 'rtsp', url: 'rtsp://admin:***@10.0.0.4/ch1' } } },
        { path: 'cameras[kho].record.retentionDays', before: 30, after: 2 },
        { path: 'cameras[san]', after: { ...cam('san'), source: { type: 'rtsp', url: 'rtsp://admin:***@10.0.0.3/ch1' } } },
      ],
    });
  });

  it('masks passwords in URLs and anything named like a secret, keeping that it changed', () => {
    const before = { cameras: [cam('gate')], mqtt: { url: 'mqtt://hub:old-pw@broker:1883', password: 'p1', token: 't', apiKey: 'k' } };
    const after = {
      cameras: [cam('gate', { source: { type: 'rtsp', url: 'rtsp://admin:s3cret!@10.0.0.9/ch1?token=abc&channel=1' } })],
      mqtt: { url: 'mqtt://hub:new-pw@broker:1883', password: 'p2', token: 'u', apiKey: 'l' },
    };
    const { changes } = configDiff(before, after);
    expect(changes).toEqual([
      { path: 'cameras[gate].source.url', before: 'rtsp://admin:***@10.0.0.4/ch1', after: 'rtsp://admin:***@10.0.0.9/ch1?token=***&channel=1' },
      { path: 'mqtt.url', before: 'mqtt://hub:***@broker:1883', after: 'mqtt://hub:***@broker:1883' },
      { path: 'mqtt.password', before: '***', after: '***' },
      { path: 'mqtt.token', before: '***', after: '***' },
      { path: 'mqtt.apiKey', before: '***', after: '***' },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/hunter2|s3cret|old-pw|new-pw|p1|p2|abc/);
  });

  it('masks secrets nested inside an added or removed item', () => {
    expect(maskSecrets({ id: 'x', auth: { username: 'u', password: 'pw' }, list: ['rtsp://u:pw@h/'] })).toEqual({
      id: 'x',
      auth: { username: 'u', password: '***' },
      list: ['rtsp://u:***@h/'],
    });
  });

  it('lists at most 100 changes and counts the rest', () => {
    const before = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i]));
    const after = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i + 1]));
    const d = configDiff(before, after);
    expect([d.changes.length, d.more]).toEqual([100, 30]);
  });
});
