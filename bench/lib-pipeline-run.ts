/**
 * One live run of the pipeline benchmark: N cameras through the cameras module's ffmpeg path at
 * real-time pace into a Pipeline in one mode, with the per-stage profile (where the CPU went),
 * frame accounting, latency, RSS, and the confirmed person tracks per (camera, frame number) for
 * the recall comparison. Also the decode-only pass of the same streams (the lower bound's half).
 */
import { readFileSync } from 'node:fs';
import { Pipeline } from '../hub/pipeline/pipeline.ts';
import { pipelineSchema } from '../hub/pipeline/config.ts';
import type { InferenceEngine, RgbImage } from '../hub/detect/types.ts';
import type { Frame } from '../hub/lib/frame.ts';
import type { Box, TrackUpdate } from '../hub/pipeline/types.ts';
import { DETECT, startStream, type Stream } from './lib-pipeline-streams.ts';

export type Mode = 'naive' | 'gated' | 'gated+batched';

/**
 * Seconds from the start of a run that are not steady state: every camera's first frame gets a
 * whole-frame look and everything found there its confirmation looks, all at once (a hub start).
 * Start-up figures are reported beside the steady ones (`wholeRun`), not hidden.
 */
export const WARMUP_SECONDS = 5;
/** A run sustains its cameras only if it drops at most this share of the frames in steady state. */
export const MAX_STEADY_DROP_SHARE = 0.01;

function percentileOf(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(q * v.length))]!;
}
export const MODES: Mode[] = ['naive', 'gated', 'gated+batched'];

/** A camera of the scene mix: which footage, from which offset. */
export interface CameraPlan {
  id: string;
  kind: 'busy' | 'quiet';
  file: string;
  offsetSec: number;
}

/** Person boxes of confirmed tracks, per camera and frame number (seq), for recall. */
export type PersonFrames = Map<string, Map<number, Box[]>>;
/** Person tracks: camera id and the frames (seq) with their boxes. */
export interface PersonTrack {
  cameraId: string;
  frames: Array<{ seq: number; box: Box }>;
}

export interface EngineLike extends InferenceEngine {
  onCrop?: (image: RgbImage, frame: Frame, region: Box) => void;
}

export interface RunResult {
  mode: Mode;
  cameras: number;
  seconds: number;
  framesIn: number;
  processed: number;
  dropped: number;
  inferenceCalls: number;
  inferenceImages: number;
  meanBatch: number;
  imagesPerCameraSecond: number;
  imagesPerFrame: { busy: number; quiet: number };
  /** Frames dropped, by camera kind. */
  droppedByKind: { busy: number; quiet: number };
  checks: Record<string, number>;
  /** Steady state (after the warm-up): the slowest camera's processed fps. */
  minCameraFps: number;
  /** Steady state: the worst camera's p95 capture-to-update latency. */
  p95LatencyMs: number;
  /** After the warm-up: frames, drops, inference images and CPU (hub + ffmpeg) of that window. */
  steady: { fromSecond: number; seconds: number; framesIn: number; dropped: number; droppedShare: number; inferenceImages: number; cpuSec: number };
  /** The same two figures over the whole run, start-up included. */
  wholeRun: { minCameraFps: number; p95LatencyMs: number };
  belowFloorCameras: number;
  camerasWithoutInference: number;
  sustained: boolean;
  cpuPercent: number;
  cpuSec: number;
  /** Where the CPU went (seconds over the run). */
  profile: {
    decodeFfmpegSec: number;
    mainThreadSec: number;
    mainStagesSec: { motion: number; regions: number; crop: number; track: number };
    /** Main-thread time outside the stages: reading ffmpeg pipes, cutting frames, GC, timers. */
    mainOtherSec: number;
    /** Inference worker (letterbox + onnxruntime) and other threads of the hub process. */
    otherThreadsSec: number;
    inferWallSec: number;
    perCameraSecondMs: Record<string, number>;
  };
  rssMB: { peak: number; mean: number };
  persons: PersonFrames;
}

function mainThreadCpuSec(): number {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Records confirmed person boxes per (camera, seq) from track updates, up to `maxSeq`. */
export function personRecorder(
  seqOf: (cameraId: string, capturedAt: number) => number | undefined,
  maxSeq: number,
): { persons: PersonFrames; onTracks: (u: TrackUpdate) => void } {
  const persons: PersonFrames = new Map();
  const onTracks = (u: TrackUpdate): void => {
    const seq = seqOf(u.cameraId, u.frameAt);
    if (seq === undefined || seq >= maxSeq) return;
    let cam = persons.get(u.cameraId);
    if (!cam) persons.set(u.cameraId, (cam = new Map()));
    const boxes: Box[] = [];
    for (const o of u.objects) if (o.label === 'person' && o.confirmed && o.leftAt === undefined) boxes.push(o.box);
    cam.set(seq, boxes);
  };
  return { persons, onTracks };
}

/** Pipeline settings a run may change (tuning): merged over the defaults, section by section. */
export type PipelineOverrides = { [section: string]: Record<string, unknown> };

export async function runLive(
  mode: Mode,
  plans: CameraPlan[],
  seconds: number,
  engine: EngineLike,
  recallFrames: number,
  overrides: PipelineOverrides = {},
): Promise<RunResult> {
  const config = pipelineSchema.parse({ ...overrides, scheduler: { ...overrides.scheduler, batching: mode === 'gated+batched' } });
  const seqOf = new Map<string, Map<number, number>>();
  const rec = personRecorder((id, at) => seqOf.get(id)?.get(at), recallFrames);
  // Steady state: frames processed after the warm-up (every camera's first whole-frame look and
  // the confirmations of what it finds come at once at start; see WARMUP_SECONDS).
  let steadyFrom = Number.POSITIVE_INFINITY;
  const steadyLatency = new Map<string, number[]>();
  const pipeline = new Pipeline({
    config,
    engine,
    mode: mode === 'naive' ? 'naive' : 'gated',
    sinks: { tracks: rec.onTracks, tamper: () => {}, health: () => {} },
    ...(engine.onCrop ? { onCrop: engine.onCrop } : {}),
    onProcessed: (frame, at) => {
      if (frame.capturedAt < steadyFrom) return;
      let l = steadyLatency.get(frame.cameraId);
      if (!l) steadyLatency.set(frame.cameraId, (l = []));
      l.push(at - frame.capturedAt);
    },
  });
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSec();
  const streams: Stream[] = plans.map((p) => {
    const seqs = new Map<number, number>();
    seqOf.set(p.id, seqs);
    return startStream(p.id, p.kind, p.file, p.offsetSec, (f: Frame) => {
      if (f.seq < recallFrames) seqs.set(f.capturedAt, f.seq);
      pipeline.push(f);
    });
  });
  const t0 = Date.now();
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss / 2 ** 20), 1000);
  const warm = Math.min(WARMUP_SECONDS, seconds / 3);
  await new Promise((ok) => setTimeout(ok, warm * 1000));
  steadyFrom = Date.now();
  const atWarm = {
    cams: new Map(pipeline.stats().cameras.map((x) => [x.cameraId, { processed: x.processed, dropped: x.dropped, framesIn: x.framesIn }])),
    images: pipeline.stats().inferenceImages,
    cpu: process.cpuUsage(),
    decodeSec: streams.reduce((a, st) => a + st.cpuSec(), 0),
  };
  await new Promise((ok) => setTimeout(ok, (seconds - warm) * 1000));
  clearInterval(sampler);
  const s = pipeline.stats();
  const steadyWall = (Date.now() - steadyFrom) / 1000;
  const decodeSec = streams.reduce((a, st) => a + st.cpuSec(), 0);
  const steadyProcSec = ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(atWarm.cpu));
  const steadyCpuSec = steadyProcSec + decodeSec - atWarm.decodeSec;
  for (const st of streams) st.stop();
  await pipeline.close();
  const wall = (Date.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const procSec = (c.user + c.system) / 1e6;
  const mainSec = mainThreadCpuSec() - main0;
  const cpuSec = procSec + decodeSec;
  const cams = s.cameras;
  const minFpsRun = Math.min(...cams.map((x) => x.processed / wall));
  const p95Run = Math.max(...cams.map((x) => x.latencyMs.p95));
  const since = (x: (typeof cams)[number], k: 'processed' | 'dropped' | 'framesIn'): number => x[k] - (atWarm.cams.get(x.cameraId)?.[k] ?? 0);
  const minFps = Math.min(...cams.map((x) => since(x, 'processed') / steadyWall));
  const p95 = Math.max(...cams.map((x) => percentileOf(steadyLatency.get(x.cameraId) ?? [], 0.95)));
  const steadyDropped = cams.reduce((a, x) => a + since(x, 'dropped'), 0);
  const steadyFrames = cams.reduce((a, x) => a + since(x, 'framesIn'), 0);
  const stageSec = (k: keyof typeof s.stagesMs): number => s.stagesMs[k].total / 1000;
  const stages = { motion: stageSec('motion'), regions: stageSec('regions'), crop: stageSec('crop'), track: stageSec('track') };
  const staged = stages.motion + stages.regions + stages.crop + stages.track;
  const n = plans.length;
  const perCamSec = (v: number): number => round((v * 1000) / n / wall);
  const kindOf = new Map(plans.map((p) => [p.id, p.kind]));
  const perFrame = (kind: 'busy' | 'quiet'): number => {
    const of = cams.filter((x) => kindOf.get(x.cameraId) === kind);
    const frames = of.reduce((a, x) => a + x.framesIn, 0);
    return frames ? round(of.reduce((a, x) => a + x.inferenceImages, 0) / frames, 3) : Number.NaN;
  };
  const checks: Record<string, number> = {};
  for (const x of cams) for (const [k, v] of Object.entries(x.checks ?? {})) checks[k] = (checks[k] ?? 0) + v;
  const late = rss.slice(Math.floor(rss.length / 3));
  const profile = {
    decodeFfmpegSec: round(decodeSec),
    mainThreadSec: round(mainSec),
    mainStagesSec: { motion: round(stages.motion), regions: round(stages.regions), crop: round(stages.crop), track: round(stages.track) },
    mainOtherSec: round(mainSec - staged),
    otherThreadsSec: round(procSec - mainSec),
    inferWallSec: round(stageSec('infer')),
    perCameraSecondMs: {
      decode: perCamSec(decodeSec),
      motion: perCamSec(stages.motion),
      regions: perCamSec(stages.regions),
      crop: perCamSec(stages.crop),
      track: perCamSec(stages.track),
      mainOther: perCamSec(mainSec - staged),
      inferenceThreads: perCamSec(procSec - mainSec),
    },
  };
  return {
    mode,
    cameras: n,
    seconds: round(wall, 1),
    framesIn: cams.reduce((a, x) => a + x.framesIn, 0),
    processed: cams.reduce((a, x) => a + x.processed, 0),
    dropped: cams.reduce((a, x) => a + x.dropped, 0),
    inferenceCalls: s.inferenceCalls,
    inferenceImages: s.inferenceImages,
    meanBatch: s.meanBatch,
    imagesPerCameraSecond: round(s.inferenceImages / n / wall),
    imagesPerFrame: { busy: perFrame('busy'), quiet: perFrame('quiet') },
    droppedByKind: {
      busy: cams.filter((x) => kindOf.get(x.cameraId) === 'busy').reduce((a, x) => a + x.dropped, 0),
      quiet: cams.filter((x) => kindOf.get(x.cameraId) === 'quiet').reduce((a, x) => a + x.dropped, 0),
    },
    checks,
    minCameraFps: round(minFps),
    p95LatencyMs: round(p95),
    steady: {
      fromSecond: round(warm, 1),
      seconds: round(steadyWall, 1),
      framesIn: steadyFrames,
      dropped: steadyDropped,
      droppedShare: round(steadyDropped / Math.max(1, steadyFrames), 4),
      inferenceImages: s.inferenceImages - atWarm.images,
      cpuSec: round(steadyCpuSec),
    },
    wholeRun: { minCameraFps: round(minFpsRun), p95LatencyMs: round(p95Run) },
    belowFloorCameras: cams.filter((x) => x.belowFloor).length,
    camerasWithoutInference: cams.filter((x) => x.inferenceImages === 0).length,
    sustained: minFps >= DETECT.fps * 0.9 && p95 < 1000 && steadyDropped <= MAX_STEADY_DROP_SHARE * steadyFrames,
    cpuPercent: round((cpuSec / wall) * 100),
    cpuSec: round(cpuSec),
    profile,
    rssMB: { peak: round(Math.max(...late)), mean: round(late.reduce((a, b) => a + b, 0) / Math.max(1, late.length)) },
    persons: rec.persons,
  };
}

export function round(v: number, d = 2): number {
  return Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v;
}

export interface InferLoad {
  engine: EngineLike;
  image: RgbImage;
  /** Images per second to run, spread evenly (the pipeline run's steady rate). */
  imagesPerSecond: number;
}

/**
 * The lower bound's two halves at once, as any pipeline has them: the same streams decoded (same
 * ffmpeg command lines, same pace, frames read and thrown away) while the same number of images
 * per second goes through the engine (one at a time, evenly spread), so both pay the contention
 * of sharing the cores, and nothing else runs. Returns ffmpeg CPU seconds per camera-second per
 * kind, and the hub process's CPU (the inference worker, plus reading the frames off the pipes).
 */
export async function decodeWithInference(
  plans: CameraPlan[],
  seconds: number,
  load: InferLoad,
): Promise<{ busy: number; quiet: number; inferenceCpuSec: number; images: number; wallSec: number }> {
  const streams = plans.map((p) => startStream(`lb-${p.id}`, p.kind, p.file, p.offsetSec, () => {}));
  await new Promise((ok) => setTimeout(ok, 1000)); // start-up (probe, seek) is not steady decode
  const c0 = streams.map((s) => s.cpuSec());
  const p0 = process.cpuUsage();
  const t0 = Date.now();
  let images = 0;
  const gap = 1000 / Math.max(0.001, load.imagesPerSecond);
  while (Date.now() - t0 < seconds * 1000) {
    const due = t0 + images * gap;
    if (Date.now() < due) await new Promise((ok) => setTimeout(ok, due - Date.now()));
    if (Date.now() - t0 >= seconds * 1000) break;
    await load.engine.detect([load.image]);
    images++;
  }
  const used = streams.map((s, i) => s.cpuSec() - c0[i]!);
  const pc = process.cpuUsage(p0);
  const wall = (Date.now() - t0) / 1000;
  for (const s of streams) s.stop();
  const rate = (kind: 'busy' | 'quiet'): number => {
    const idx = plans.map((p, i) => (p.kind === kind ? i : -1)).filter((i) => i >= 0);
    return idx.length ? idx.reduce((a, i) => a + used[i]!, 0) / idx.length / wall : Number.NaN;
  };
  return { busy: rate('busy'), quiet: rate('quiet'), inferenceCpuSec: (pc.user + pc.system) / 1e6, images, wallSec: wall };
}
