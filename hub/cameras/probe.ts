/**
 * Asks a camera what picture it sends (size and pixel shape) before its ffmpeg run starts, so the
 * run's detect frames keep the picture's aspect ratio at a size known before the first byte
 * (the FrameAssembler cuts stdout by frame bytes). One short ffmpeg run, bounded in time.
 */
import { spawn } from 'node:child_process';
import type { CameraConfig } from './config.ts';
import { buildProbeArgs } from './ffmpeg-args.ts';
import type { SourceSize } from '../lib/frame-geometry.ts';

export type ProbeResult = { ok: true; size: SourceSize } | { ok: false; reason: string };

/** ffmpeg prints a stream's header far below this; a camera's chatter past it is not kept. */
const MAX_STDERR = 64 * 1024;

/**
 * The first video stream's size in ffmpeg's dump of its inputs, e.g.
 * `Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 768x576 [SAR 16:15 DAR 64:45], 25 fps`.
 * The ingest maps `0:v:0`, the first video stream, so that is the one that counts. Pure.
 */
export function parseProbe(stderr: string): SourceSize | undefined {
  for (const line of stderr.split('\n')) {
    const video = /Stream #\d+:\d+.*?: Video: (.*)$/.exec(line);
    if (!video) continue;
    // Two or more digits each side: the codec tag (`0x31637661`) is not a size.
    const size = /(?:^|[\s,])(\d{2,5})x(\d{2,5})(?=[\s,]|$)/.exec(video[1]!);
    if (!size) return undefined;
    const width = Number(size[1]);
    const height = Number(size[2]);
    const sar = /\[SAR (\d+):(\d+) DAR \d+:\d+\]/.exec(video[1]!);
    const [n, d] = sar ? [Number(sar[1]), Number(sar[2])] : [1, 1];
    // SAR 0:1 means unknown: square pixels, as every player takes it.
    return n > 0 && d > 0 && n !== d ? { width, height, aspect: (width * n) / (height * d) } : { width, height };
  }
  return undefined;
}

export interface ProbeOptions {
  ffmpegPath: string;
  /** The probe's ffmpeg is killed after this long (a camera that answers but never sends a picture). */
  timeoutMs: number;
  /** Aborts the probe (the camera is being stopped). */
  signal?: AbortSignal;
  /** Masks the camera's credentials in ffmpeg's line that becomes the reason of a failure. */
  redact(text: string): string;
}

/** Probes `cam` (as the ingest would open it: a file source already resolved). Never rejects. */
export function probeSource(cam: CameraConfig, opts: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    // SIGKILL on abort as on timeout: a probe writes nothing it could lose by it.
    const child = spawn(opts.ffmpegPath, buildProbeArgs(cam), { stdio: ['ignore', 'ignore', 'pipe'], signal: opts.signal, killSignal: 'SIGKILL' });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
    });
    const finish = (failure: string | undefined): void => {
      clearTimeout(timer);
      const size = parseProbe(stderr);
      if (size) return resolve({ ok: true, size });
      const last = stderr
        .trim()
        .split('\n')
        .filter((l) => !/At least one output file must be specified/.test(l))
        .at(-1);
      resolve({ ok: false, reason: opts.redact(failure ?? (last ? `ffmpeg: ${last.trim()}` : 'no video stream found')) });
    };
    // 'error' alone when ffmpeg cannot be started or the probe was aborted; 'close' otherwise.
    child.on('error', (err) => finish(opts.signal?.aborted ? 'aborted' : `cannot run ffmpeg (${opts.ffmpegPath}): ${err.message}`));
    child.on('close', () => finish(timedOut ? `no answer within ${opts.timeoutMs} ms` : undefined));
  });
}
