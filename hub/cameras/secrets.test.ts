import { describe, expect, it } from 'vitest';
import { cameraRedactor } from './secrets.ts';

describe('cameraRedactor', () => {
  const redact = cameraRedactor({ type: 'rtsp', url: 'rtsp://admin:Zq9%2Fpl%40nted@10.0.0.5/ch1', transport: 'tcp' });

  it('masks the camera password in the URL ffmpeg quotes', () => {
    expect(redact('rtsp://admin:Zq9%2Fpl%40nted@10.0.0.5/ch1: Connection refused')).toBe('rtsp://admin:***@10.0.0.5/ch1: Connection refused');
  });

  it('masks the password alone wherever it appears, written, decoded or in lower-case percent-encoding', () => {
    expect(redact('auth with Zq9/pl@nted failed')).toBe('auth with *** failed');
    expect(redact('Authorization: Zq9%2fpl%40nted')).toBe('Authorization: ***');
    expect(redact('[rtsp @ 0x1] Zq9%2Fpl%40nted')).toBe('[rtsp @ 0x1] ***');
  });

  it('masks any other URL userinfo too, and leaves a camera without a password untouched', () => {
    const plain = cameraRedactor({ type: 'rtsp', url: 'rtsp://10.0.0.5/ch1', transport: 'tcp' });
    expect(plain('rtsp://10.0.0.5/ch1: Connection refused')).toBe('rtsp://10.0.0.5/ch1: Connection refused');
    expect(plain('Redirect to rtsp://u:other@10.0.0.9/x')).toBe('Redirect to rtsp://u:***@10.0.0.9/x');
  });
});
