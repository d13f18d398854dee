import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpegPath } from '../core/ffmpeg-path.ts';
import { freePort } from '../../tools/ports.ts';
import { cameraSchema } from './config.ts';
import { DEMO_MEDIA_DIR } from './media-folders.ts';
import { parseProbe, probeSource } from './probe.ts';

describe('parseProbe', () => {
  it('reads the size of the first video stream, not the codec tag', () => {
    // ffmpeg 4's dump of test/fixtures vtest-h264.mp4 (4:3, square pixels).
    const dump = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/x/vtest-h264.mp4':",
      '    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 768x576, 1106 kb/s, 10 fps, 10 tbr, 10240 tbn, 20 tbc (default)',
      'At least one output file must be specified',
    ].join('\n');
    expect(parseProbe(dump)).toEqual({ width: 768, height: 576 });
  });

  it('takes the display aspect of non-square pixels, and skips an audio stream before the video', () => {
    const dump = [
      '    Stream #0:0: Audio: pcm_alaw, 8000 Hz, mono, s16, 64 kb/s',
      '    Stream #0:1: Video: h264 (Main), yuv420p(progressive), 720x576 [SAR 64:45 DAR 16:9], 25 fps, 25 tbr, 90k tbn, 50 tbc',
    ].join('\n');
    expect(parseProbe(dump)).toEqual({ width: 720, height: 576, aspect: 16 / 9 });
    expect(parseProbe('    Stream #0:0: Video: h264, yuv420p, 1280x720 [SAR 1:1 DAR 16:9], 25 fps')).toEqual({ width: 1280, height: 720 });
  });

  it('finds nothing in an error', () => {
    expect(parseProbe('rtsp://h/x: Connection refused')).toBeUndefined();
  });
});

describe('probeSource', () => {
  const redact = (t: string): string => t.replace(/secret/g, '***');

  it("finds the demo footage's size (640x360) with the real ffmpeg", async () => {
    const cam = cameraSchema.parse({ id: 'd', name: 'D', source: { type: 'file', path: join(DEMO_MEDIA_DIR, 'vtest-demo.mp4') } });
    const r = await probeSource(cam, { ffmpegPath: ffmpegPath(), timeoutMs: 20_000, redact });
    expect(r).toEqual({ ok: true, size: { width: 640, height: 360 } });
  });

  it("says why it failed, with the camera's password masked", async () => {
    const port = await freePort();
    const cam = cameraSchema.parse({ id: 'g', name: 'G', source: { type: 'rtsp', url: `rtsp://admin:secret@127.0.0.1:${port}/ch1` } });
    const r = await probeSource(cam, { ffmpegPath: ffmpegPath(), timeoutMs: 20_000, redact });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^ffmpeg: .*Connection refused/);
    expect(!r.ok && r.reason).not.toContain('secret');
  });

  it('is bounded in time: a camera that accepts the connection and never answers is given up', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const cam = cameraSchema.parse({ id: 'g', name: 'G', source: { type: 'rtsp', url: `rtsp://127.0.0.1:${port}/ch1` } });
    try {
      const t0 = Date.now();
      const r = await probeSource(cam, { ffmpegPath: ffmpegPath(), timeoutMs: 500, redact });
      expect(r).toEqual({ ok: false, reason: 'no answer within 500 ms' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});
