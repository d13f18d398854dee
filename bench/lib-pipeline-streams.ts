/**
 * The benchmark's cameras: one ffmpeg child per camera built by the cameras module's own
 * buildIngestArgs (the command line RTSP cameras use, with a looping file as the source), its raw
 * yuv420p detect frames cut by the cameras module's FrameAssembler.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildIngestArgs } from '../hub/cameras/ffmpeg-args.ts';
import { cameraSchema } from '../hub/cameras/config.ts';
import { FrameAssembler } from '../hub/cameras/frame-assembler.ts';
import { frameBytes, type Frame } from '../hub/lib/frame.ts';
import { ffmpegBin } from './lib-pipeline-frames.ts';

export const DETECT = { width: 640, height: 360, fps: 5 };

/**
 * The quiet scene: a still frame of the same lobby with sensor noise and a slow lighting drift,
 * and the real footage showing through for 4 s every 30 s (people passing now and then).
 */
export function quietSource(busyFile: string): string {
  const dir = join(tmpdir(), 'hub-bench-pipeline');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'quiet-720p25-v1.mp4');
  if (existsSync(out)) return out;
  const graph = [
    '[0:v]split[a][b]',
    "[a]trim=start_frame=250:end_frame=251,loop=loop=-1:size=1,setpts=N/25/TB,noise=alls=8:allf=t,eq=brightness='0.06*sin(2*PI*t/60)':eval=frame[bg]",
    "[bg][b]overlay=enable='between(mod(t,30),20,24)':shortest=1,format=yuv420p[v]",
  ].join(';');
  execFileSync(ffmpegBin(), [
    '-v',
    'error',
    '-y',
    '-i',
    busyFile,
    '-t',
    '60',
    '-filter_complex',
    graph,
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '50',
    '-r',
    '25',
    out,
  ]);
  return out;
}

/**
 * The decoder options the cameras module puts before `-i` (after the file source's own -re,
 * -stream_loop, -fflags), so offline decodes (reference, simulation) see the live cameras' frames.
 */
export const LIVE_DECODE: readonly string[] = (() => {
  const cam = cameraSchema.parse({
    id: 'probe',
    name: 'probe',
    source: { type: 'file', path: '/x.mp4', loop: false },
    detect: DETECT,
    record: { enabled: false },
  });
  const args = buildIngestArgs(cam, { incomingDir: tmpdir(), runTag: 'probe', segmentSeconds: 10, record: false, pixelFormat: 'yuv420p' });
  const from = args.indexOf('+genpts') + 1;
  return args.slice(from, args.indexOf('-i'));
})();

export interface Stream {
  id: string;
  kind: 'busy' | 'quiet';
  child: ChildProcess;
  frames: number;
  stop(): void;
  /** CPU seconds the ffmpeg child used so far (Linux /proc). */
  cpuSec(): number;
}

/** Starts one camera's ffmpeg at real-time pace (or as fast as it can with `paced: false`). */
export function startStream(id: string, kind: 'busy' | 'quiet', file: string, offsetSec: number, onFrame: (f: Frame) => void, paced = true): Stream {
  const cam = cameraSchema.parse({ id, name: id, source: { type: 'file', path: file, loop: true }, detect: DETECT, record: { enabled: false } });
  let args = buildIngestArgs(cam, { incomingDir: tmpdir(), runTag: id, segmentSeconds: 10, record: false, pixelFormat: 'yuv420p' });
  const i = args.indexOf('-i');
  args = [...args.slice(0, i), '-ss', String(offsetSec), ...args.slice(i)];
  if (!paced) args = args.filter((a) => a !== '-re');
  const child = spawn(ffmpegBin(), args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const asm = new FrameAssembler(frameBytes(DETECT.width, DETECT.height, 'yuv420p'));
  const s: Stream = {
    id,
    kind,
    child,
    frames: 0,
    stop: () => {
      child.kill('SIGKILL');
    },
    cpuSec: () => {
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        return 0;
      }
    },
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const data of asm.push(chunk)) {
      onFrame({ cameraId: id, seq: s.frames++, capturedAt: Date.now(), width: DETECT.width, height: DETECT.height, format: 'yuv420p', data });
    }
  });
  return s;
}
