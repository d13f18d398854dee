import { describe, expect, it } from 'vitest';
import { cameraSchema } from './config.ts';
import { buildIngestArgs, buildProbeArgs, redactUrl } from './ffmpeg-args.ts';
import { detectGeometry } from '../lib/frame-geometry.ts';

const plan = { incomingDir: '/d/recordings/gate/.incoming', runTag: 'r1', segmentSeconds: 10, record: true, pixelFormat: 'yuv420p' as const };

describe('buildIngestArgs (golden command lines)', () => {
  it('copies an RTSP camera over TCP into fragmented MP4 segments and a 640x360@5 raw stream', () => {
    const cam = cameraSchema.parse({ id: 'gate', name: 'Gate', source: { type: 'rtsp', url: 'rtsp://10.0.0.5/ch1' } });
    expect(buildIngestArgs(cam, plan).join(' ')).toBe(
      '-hide_banner -nostdin -loglevel error -protocol_whitelist rtsp,rtsps,rtp,srtp,udp,tcp,tls ' +
        '-rtsp_transport tcp -fflags +genpts -threads 1 -skip_loop_filter all -skip_frame noref -i rtsp://10.0.0.5/ch1 ' +
        '-map 0:v:0 -c:v copy -an -f segment -segment_time 10 -segment_format mp4 ' +
        '-segment_format_options movflags=+frag_keyframe+empty_moov+default_base_moof -reset_timestamps 1 ' +
        '-segment_list pipe:3 -segment_list_type csv /d/recordings/gate/.incoming/r1-%06d.mp4 ' +
        '-map 0:v:0 -an -vf fps=5,scale=640:360 -pix_fmt yuv420p -f rawvideo pipe:1',
    );
  });

  it('uses UDP when the camera asks for it, with the same RTSP protocols', () => {
    const udp = cameraSchema.parse({ id: 'a', name: 'A', source: { type: 'rtsp', url: 'rtsp://h/x', transport: 'udp' } });
    expect(buildIngestArgs(udp, plan).slice(4, 8)).toEqual(['-protocol_whitelist', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls', '-rtsp_transport', 'udp']);
  });

  it('reads a file source through the file protocol only, looped at its own pace', () => {
    const file = cameraSchema.parse({ id: 'b', name: 'B', source: { type: 'file', path: '/media/v.mp4' } });
    expect(buildIngestArgs(file, plan).slice(0, 19).join(' ')).toBe(
      '-hide_banner -nostdin -loglevel error -protocol_whitelist file ' +
        '-re -stream_loop -1 -fflags +genpts -threads 1 -skip_loop_filter all -skip_frame noref -i /media/v.mp4',
    );
  });

  it('encodes a test pattern instead of copying, and skips the segment output when recording is off', () => {
    const cam = cameraSchema.parse({ id: 't', name: 'T', source: { type: 'testsrc', fps: 10 }, detect: { fps: 2 } });
    const args = buildIngestArgs(cam, { ...plan, record: false });
    expect(args).not.toContain('segment');
    expect(args.slice(4, 11).join(' ')).toBe('-protocol_whitelist file -re -f lavfi -i testsrc2=size=1280x720:rate=10');
    expect(args.join(' ')).toContain('fps=2,scale=640:360');
    expect(buildIngestArgs(cam, plan)).toContain('libx264');
  });
});

describe("the detect stream keeps the picture's shape (golden filters)", () => {
  const vtest = { width: 768, height: 576 };
  const rtsp = (detect: Record<string, unknown>) => cameraSchema.parse({ id: 'lobby', name: 'Lobby', source: { type: 'rtsp', url: 'rtsp://h/x' }, detect });
  const tail = (cam: ReturnType<typeof rtsp>, source = vtest) =>
    buildIngestArgs(cam, { ...plan, record: false, geometry: detectGeometry(cam.detect, cam.detect.fit, source) })
      .slice(-10)
      .join(' ');

  it('scales a 4:3 camera to 480x360 by default', () => {
    expect(tail(rtsp({}))).toBe('-map 0:v:0 -an -vf fps=5,scale=480:360 -pix_fmt yuv420p -f rawvideo pipe:1');
  });

  it('letterboxes a 4:3 camera into 640x360 with bars left and right', () => {
    expect(tail(rtsp({ fit: 'letterbox' }))).toBe('-map 0:v:0 -an -vf fps=5,scale=480:360,pad=640:360:80:0 -pix_fmt yuv420p -f rawvideo pipe:1');
  });

  it('crops a 4:3 camera to the centre 640x360 of its 640x480 scale', () => {
    expect(tail(rtsp({ fit: 'crop' }))).toBe('-map 0:v:0 -an -vf fps=5,scale=640:480,crop=640:360:0:60 -pix_fmt yuv420p -f rawvideo pipe:1');
  });

  it('stretches to the box when asked, or when the picture is unknown (no plan geometry)', () => {
    expect(tail(rtsp({ fit: 'stretch' }))).toBe('-map 0:v:0 -an -vf fps=5,scale=640:360 -pix_fmt yuv420p -f rawvideo pipe:1');
    expect(
      buildIngestArgs(rtsp({}), { ...plan, record: false })
        .slice(-10)
        .join(' '),
    ).toBe('-map 0:v:0 -an -vf fps=5,scale=640:360 -pix_fmt yuv420p -f rawvideo pipe:1');
  });
});

describe('buildProbeArgs (golden command lines)', () => {
  it('opens an RTSP camera with the RTSP protocols and its transport, printing the streams at info level', () => {
    const cam = cameraSchema.parse({ id: 'gate', name: 'Gate', source: { type: 'rtsp', url: 'rtsp://10.0.0.5/ch1', transport: 'udp' } });
    expect(buildProbeArgs(cam).join(' ')).toBe(
      '-hide_banner -nostdin -loglevel info -protocol_whitelist rtsp,rtsps,rtp,srtp,udp,tcp,tls -rtsp_transport udp -i rtsp://10.0.0.5/ch1',
    );
  });

  it('opens a file through the file protocol only', () => {
    const cam = cameraSchema.parse({ id: 'b', name: 'B', source: { type: 'file', path: '/media/v.mp4' } });
    expect(buildProbeArgs(cam).join(' ')).toBe('-hide_banner -nostdin -loglevel info -protocol_whitelist file -i /media/v.mp4');
  });
});

describe('redactUrl', () => {
  it('hides camera passwords', () => {
    expect(redactUrl('rtsp://admin:secret@10.0.0.5:554/ch1')).toBe('rtsp://admin:***@10.0.0.5:554/ch1');
  });
});
