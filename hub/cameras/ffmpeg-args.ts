import type { CameraConfig } from './config.ts';
import type { PixelFormat } from '../lib/frame.ts';
import { fileInput, protocolWhitelist } from '../core/ffmpeg-input.ts';
import { detectFilter, detectGeometry, type DetectGeometry } from '../lib/frame-geometry.ts';

export interface IngestPlan {
  /** Where ffmpeg writes segments while they grow; the recorder moves finished ones into place. */
  incomingDir: string;
  /** Unique per ffmpeg run, so a restart within the same second never overwrites a segment. */
  runTag: string;
  segmentSeconds: number;
  record: boolean;
  pixelFormat: PixelFormat;
  /**
   * The run's detect frames (frame-geometry.ts), planned from the probed source. Absent: the
   * configured width x height, stretched (a caller that does not know the source's shape).
   */
  geometry?: DetectGeometry;
}

/**
 * The ffmpeg command line for one camera: one input (one RTSP session), two outputs.
 *   1. Video stream-copied into fragmented-MP4 segments. Fragmented, so a segment cut short by a
 *      crash or power loss still plays up to its last fragment and can be repaired by a remux.
 *      Each finished segment is announced as a CSV line on fd 3 (`-segment_list pipe:3`).
 *   2. Decoded, rate-limited, downscaled raw frames on stdout for the detect pipeline.
 * Audio is not recorded: cameras' G.711 does not fit MP4 and the police work from video.
 */
export function buildIngestArgs(cam: CameraConfig, plan: IngestPlan): string[] {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgs(cam)];
  const copy = cam.source.type === 'testsrc' ? testPatternEncode(cam.source.fps) : ['-c:v', 'copy'];
  if (plan.record) {
    args.push(
      '-map',
      '0:v:0',
      ...copy,
      '-an',
      '-f',
      'segment',
      '-segment_time',
      String(plan.segmentSeconds),
      '-segment_format',
      'mp4',
      '-segment_format_options',
      'movflags=+frag_keyframe+empty_moov+default_base_moof',
      '-reset_timestamps',
      '1',
      '-segment_list',
      'pipe:3',
      '-segment_list_type',
      'csv',
      // Numbered, not strftime-named: two cuts within one second (a camera's odd first GOP) must
      // never share a file name.
      `${plan.incomingDir}/${plan.runTag}-%06d.mp4`,
    );
  }
  const geometry = plan.geometry ?? detectGeometry(cam.detect, 'stretch');
  args.push('-map', '0:v:0', '-an', '-vf', `fps=${cam.detect.fps},${detectFilter(geometry)}`, '-pix_fmt', plan.pixelFormat, '-f', 'rawvideo', 'pipe:1');
  return args;
}

/**
 * The command line that asks what the camera sends: ffmpeg opens the input, prints its streams
 * (at `info` level: `Stream #0:0: Video: h264 ..., 768x576 [SAR 1:1 DAR 4:3]`) and exits, as it
 * has no output. The same input protocols as the ingest; nothing is decoded past the headers.
 */
export function buildProbeArgs(cam: CameraConfig): string[] {
  const src = cam.source;
  const input =
    src.type === 'rtsp'
      ? [...protocolWhitelist('rtsp'), '-rtsp_transport', src.transport, '-i', src.url]
      : src.type === 'file'
        ? fileInput(src.path)
        : [...protocolWhitelist('lavfi'), '-f', 'lavfi', '-i', `testsrc2=size=${src.width}x${src.height}:rate=${src.fps}`];
  return ['-hide_banner', '-nostdin', '-loglevel', 'info', ...input];
}

/**
 * Decoding is the main cost of a camera (the recording is a copy, untouched by these options).
 * - One decoder thread per camera: a box with many cameras gains nothing from threads that contend.
 * - No deblocking: the detector sees a downscaled picture where it makes no difference; about a
 *   third of the decode CPU (vtest 720p25: 0.65 s against 1.06 s of CPU per 30 s).
 * - Non-reference frames are not decoded (`-skip_frame noref`): nothing else is predicted from
 *   them, so no other picture changes, and at 5 detect fps out of 25 the fps filter takes the
 *   nearest decoded frame instead (at most a frame or two earlier). Saves 20-25% more where the
 *   camera sends them (x264-style B-frames; 30 s of 720p25: busy 0.63 -> 0.47 s, noisy quiet
 *   1.78 -> 1.43 s of CPU); costs nothing where it does not.
 */
const DECODE_FOR_DETECTION = ['-threads', '1', '-skip_loop_filter', 'all', '-skip_frame', 'noref'];

function inputArgs(cam: CameraConfig): string[] {
  const src = cam.source;
  switch (src.type) {
    case 'rtsp':
      // Our own watchdog restarts a stalled camera; ffmpeg only needs to fail fast on connect.
      return [...protocolWhitelist('rtsp'), '-rtsp_transport', src.transport, '-fflags', '+genpts', ...DECODE_FOR_DETECTION, '-i', src.url];
    case 'file':
      // -re paces the file like a live camera; -stream_loop -1 loops it for ever.
      // The runner passes the path resolved inside a media folder (hub/cameras/media-folders.ts).
      return fileInput(src.path, ['-re', ...(src.loop ? ['-stream_loop', '-1'] : []), '-fflags', '+genpts', ...DECODE_FOR_DETECTION]);
    case 'testsrc':
      return [...protocolWhitelist('lavfi'), '-re', '-f', 'lavfi', '-i', `testsrc2=size=${src.width}x${src.height}:rate=${src.fps}`];
  }
}

/** A test pattern has no compressed stream to copy, so it is encoded the way a camera would. */
function testPatternEncode(fps: number): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(fps * 2),
    '-keyint_min',
    String(fps * 2),
    '-sc_threshold',
    '0',
  ];
}

/** Hides the password of an RTSP URL for logs and the API. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
