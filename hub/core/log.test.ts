import { describe, expect, it } from 'vitest';
import { createLogger, redactUserinfo } from './log.ts';

describe('logger', () => {
  it('masks the password of any scheme://user:password@ in the message and in the fields', () => {
    const lines: string[] = [];
    const log = createLogger('cameras', (l) => lines.push(l));
    log.warn('camera gate offline: ffmpeg: rtsp://admin:Zq9-pw@10.0.0.5:554/ch1: Server returned 401', {
      url: 'rtsps://op:p%40ss@cam.lan/x',
      args: ['-i', 'http://u:hunter2@proxy/x'],
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/Zq9-pw|p%40ss|hunter2/);
    expect(lines[0]).toContain('rtsp://admin:***@10.0.0.5:554/ch1');
    expect(lines[0]).toContain('rtsps://op:***@cam.lan/x');
    expect(lines[0]).toContain('http://u:***@proxy/x');
  });

  it('leaves URLs without a password, and e-mail-like text, as they are', () => {
    const text = 'rtsp://10.0.0.5/ch1 and rtsp://admin@10.0.0.5/ch1, mail ops@xa.vn, "a":"rtsp://h/x","b":"x@y"';
    expect(redactUserinfo(text)).toBe(text);
  });

  it('masks a password holding a raw @ up to the host', () => {
    expect(redactUserinfo('rtsp://admin:p@ss@10.0.0.5/ch1 failed')).toBe('rtsp://admin:***@10.0.0.5/ch1 failed');
  });
});
