/**
 * `npm run bench -- pipeline [--quick] [--profile] [--detector nanodet|stand-in]`
 * The frame pipeline on a commune scene mix: N cameras through the cameras module's ffmpeg path
 * at real-time pace, in three modes on the same footage (naive, gated, gated+batched), with:
 * - the work metrics (naive's required work vs what it managed vs gated's actual work);
 * - recall against a no-drop naive reference pass over exactly the same frames;
 * - the lower bound (decode-only of the same streams + inference-only of the same images);
 * - where the CPU went per stage (the profile), per run;
 * - RSS at nominal load and at 2x overload;
 * - the ceiling: the full run steps past 16 cameras by 4 (gated+batched only) until a count is not
 *   sustained.
 * --profile runs only the stage profile (gated+batched, 1/4/8 cameras).
 * Writes bench/results/pipeline-<time>.json and .svg; returns the JSON path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropToRgb } from '../hub/pipeline/crop.ts';
import { pipelineSchema } from '../hub/pipeline/config.ts';
import type { InferenceEngine, RgbImage } from '../hub/detect/types.ts';
import { OracleEngine, medianBackground } from './lib-pipeline-oracle.ts';
import { decodeFrames } from './lib-pipeline-frames.ts';
import { DETECT, quietSource } from './lib-pipeline-streams.ts';
import { chartSvg } from './lib-pipeline-chart.ts';
import {
  MAX_STEADY_DROP_SHARE,
  MODES,
  WARMUP_SECONDS,
  decodeWithInference,
  round,
  runLive,
  type CameraPlan,
  type EngineLike,
  type Mode,
  type PersonTrack,
  type PipelineOverrides,
  type RunResult,
} from './lib-pipeline-run.ts';
import { recallOf, referenceTracks, type Recall } from './lib-pipeline-reference.ts';

const here = dirname(fileURLToPath(import.meta.url));
const BUSY = join(here, '../test/fixtures/cache/vtest-720p25.mp4');
/** Inference intra-op threads for the run (--threads overrides). */
const DEFAULT_THREADS = 1;
/** The ceiling search stops here even if every count is sustained (a bound on the run's length). */
const CEILING_SEARCH_LIMIT = 64;

async function makeEngine(kind: string, threads: number, model?: string): Promise<{ engine: EngineLike; name: string }> {
  if (kind !== 'stand-in') {
    try {
      const { createOnnxEngine } = await import('../hub/detect/engine.ts');
      const { detectSchema } = await import('../hub/detect/config.ts');
      const engine = await createOnnxEngine(detectSchema.parse({ labels: ['person'], threads, ...(model ? { model } : {}) }));
      return { engine, name: `${engine.modelId} (onnxruntime ${engine.provider}, ${threads} thread${threads > 1 ? 's' : ''})` };
    } catch (err) {
      if (kind === 'nanodet') throw err;
      process.stderr.write(`bench: real detector unavailable (${(err as Error).message}); using the stand-in\n`);
    }
  }
  const samples = decodeFrames(BUSY, { ...DETECT, fps: 0.4, seconds: 79 });
  const bg = medianBackground(samples.map((f) => f.subarray(0, DETECT.width * DETECT.height)));
  const engine = new OracleEngine({ background: () => bg, msPerImage: 35, maxBatch: 8 });
  return { engine, name: `${engine.modelId} (35 ms CPU per image in a worker)` };
}

/**
 * The scene mix: camera i is busy when i % 4 == 0 (vtest, offsets 0/13/26/39 s), else quiet
 * (offsets (7i mod 40) s, so people pass at different times). Offsets leave the recall window
 * inside the footage, without a loop.
 */
function cameraPlans(n: number, quiet: string): CameraPlan[] {
  return Array.from({ length: n }, (_, i) => {
    const busy = i % 4 === 0;
    return { id: `cam-${i}`, kind: busy ? 'busy' : 'quiet', file: busy ? BUSY : quiet, offsetSec: busy ? ((i / 4) * 13) % 52 : (i * 7) % 40 };
  });
}

/** Inference-only CPU per image, alone on the engine, for batches of 1 and of maxBatch. */
/** A whole vtest frame letterboxed to the model's input: the inference-only image. */
function probeImageFor(engine: InferenceEngine): RgbImage {
  const frame = decodeFrames(BUSY, { ...DETECT, seconds: 1 })[0]!;
  return cropToRgb({ ...DETECT, format: 'yuv420p', data: frame }, [0, -140, 640, 500], engine.inputSize);
}

async function inferCost(engine: InferenceEngine): Promise<{ batch1: number; batchMax: number; maxBatch: number }> {
  const img = probeImageFor(engine);
  const per = async (batch: number): Promise<number> => {
    await engine.detect([img]);
    const n = 24;
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i += batch) await engine.detect(Array.from({ length: Math.min(batch, n - i) }, () => img));
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6 / n;
  };
  const maxBatch = Math.min(8, engine.maxBatch);
  return { batch1: await per(1), batchMax: await per(maxBatch), maxBatch };
}

function perImage(cost: { batch1: number; batchMax: number; maxBatch: number }, meanBatch: number): number {
  if (cost.maxBatch <= 1) return cost.batch1;
  const f = Math.min(1, Math.max(0, (meanBatch - 1) / (cost.maxBatch - 1)));
  return cost.batch1 + f * (cost.batchMax - cost.batch1);
}

type Slim = Omit<RunResult, 'persons'> & { recall?: Recall; recallWholeRun?: Recall };

export async function run(args: string[]): Promise<string> {
  const quick = args.includes('--quick');
  const profileOnly = args.includes('--profile');
  const di = args.indexOf('--detector');
  const detectorKind = di >= 0 ? (args[di + 1] ?? 'auto') : 'auto';
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // Tuning flags (the full set runs with the defaults): --pipeline JSON (settings over the
  // defaults), --model ID (a models/ manifest id; default:
  // the hub's default detector), --threads N (inference intra-op threads),
  // --batch-ms N (the scheduler's batch time budget), --cameras 8,12 (scenarios), --modes
  // gated+batched (skips recall when naive is left out).
  const threads = Number(opt('--threads') ?? DEFAULT_THREADS);
  const batchMs = opt('--batch-ms') ? Number(opt('--batch-ms')) : undefined;
  // --pipeline '{"scheduler":{"maxInFlight":2}}': any pipeline settings, over the defaults.
  const overrides = JSON.parse(opt('--pipeline') ?? '{}') as PipelineOverrides;
  if (batchMs) overrides.scheduler = { ...overrides.scheduler, batchLatencyMs: batchMs };
  const counts = opt('--cameras')?.split(',').map(Number) ?? (profileOnly ? [1, 4, 8] : quick ? [1, 4] : [1, 4, 8, 12, 16]);
  // The full run measures the ceiling rather than capping it: past 16 cameras it steps up by 4 while
  // gated+batched sustains the load, and stops at the first count it does not.
  const findCeiling = !opt('--cameras') && !profileOnly && !quick;
  const modes: Mode[] = (opt('--modes')?.split(',') as Mode[] | undefined) ?? (profileOnly ? ['gated+batched'] : MODES);
  const seconds = profileOnly ? 20 : quick ? 15 : 30;
  // Recall over (nearly) the whole run: its last second may not have arrived when the run stops.
  const recallFrames = (quick ? 14 : 28) * DETECT.fps;
  const steadySeq = WARMUP_SECONDS * DETECT.fps;
  const log = (m: string): void => void process.stderr.write(`bench pipeline: ${m}\n`);
  const loadStart = loadavg();
  const quiet = quietSource(BUSY);
  const { engine, name } = await makeEngine(detectorKind, threads, opt('--model'));
  const modelPixels = engine.inputSize * engine.inputSize;
  log(`detector ${name}; load ${loadStart.map((v) => v.toFixed(2)).join(' ')}`);
  const cost = await inferCost(engine);
  const probeImage = probeImageFor(engine);
  log(`inference-only ${round(cost.batch1 * 1000)} ms CPU/image (batch 1), ${round(cost.batchMax * 1000)} (batch ${cost.maxBatch})`);

  const scenarios: Array<Record<string, unknown>> = [];
  const gbRuns: Slim[] = [];
  const lower: Array<Record<string, unknown>> = [];
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    const plans = cameraPlans(n, quiet);
    const runs: Partial<Record<Mode, Slim>> = {};
    const reference: PersonTrack[] = [];
    // Past 16 cameras only the hub's own mode runs: the others are the comparison, made at 1-16.
    const modesHere = n > 16 ? modes.filter((m) => m === 'gated+batched') : modes;
    if (!profileOnly && modesHere.includes('naive')) {
      for (const p of plans) reference.push(...(await referenceTracks(p, recallFrames, engine)));
      log(`${n} cameras: reference (naive, no drop, ${recallFrames} frames a camera): ${reference.filter((t) => t.frames.length >= 3).length} person tracks`);
    }
    for (const mode of modesHere) {
      const r = await runLive(mode, plans, seconds, engine, recallFrames, overrides);
      const { persons, ...slim } = r;
      const s: Slim =
        profileOnly || reference.length === 0
          ? slim
          : { ...slim, recall: recallOf(reference, persons, 3, steadySeq), recallWholeRun: recallOf(reference, persons) };
      runs[mode] = s;
      log(
        `${n} cameras, ${mode}: ${r.imagesPerCameraSecond} img/cam·s, min ${r.minCameraFps} fps, p95 ${r.p95LatencyMs} ms (steady), drops ${r.dropped} (steady ${r.steady.dropped}), cpu ${r.cpuPercent}%${r.sustained ? ', sustained' : ''}` +
          (s.recall ? `, recall ${s.recall.trackRecall} (frames ${s.recall.frameRecall}; whole run ${s.recallWholeRun?.trackRecall})` : ''),
      );
    }
    const gb = runs['gated+batched']!;
    gbRuns.push(gb);
    if (findCeiling && i === counts.length - 1 && n >= 16 && gb.sustained && n < CEILING_SEARCH_LIMIT) {
      log(`${n} cameras sustained: trying ${n + 4}`);
      counts.push(n + 4);
    }
    // Lower bound, same scenario, over the same stretch of footage as the run's steady state
    // (the quiet scene costs more to decode while only noise shows than while people pass).
    // Decode and inference measured together (both pay for sharing the cores, as in any pipeline);
    // also reported: with inference measured alone.
    const busyN = plans.filter((p) => p.kind === 'busy').length;
    const perCamSec = (d: { busy: number; quiet: number }): number => busyN * d.busy + (n - busyN) * (Number.isFinite(d.quiet) ? d.quiet : 0);
    const steadyPlans = plans.map((p) => ({ ...p, offsetSec: p.offsetSec + gb.steady.fromSecond - 1 }));
    const together = await decodeWithInference(steadyPlans, gb.steady.seconds, {
      engine,
      image: probeImage,
      imagesPerSecond: gb.steady.inferenceImages / gb.steady.seconds,
    });
    const decodeSec = perCamSec(together) * together.wallSec;
    const lb = decodeSec + together.inferenceCpuSec;
    const inferAlone = gb.steady.inferenceImages * perImage(cost, gb.meanBatch);
    lower.push({
      cameras: n,
      seconds: gb.steady.seconds,
      pipelineCpuSec: gb.steady.cpuSec,
      lowerBoundCpuSec: round(lb),
      ratio: round(lb / gb.steady.cpuSec, 3),
      decodeOnlyCpuSec: round(decodeSec),
      inferenceOnlyCpuSec: round(together.inferenceCpuSec),
      imagesPerSecond: round(together.images / together.wallSec),
      decodeOnlyPerCameraSecondMs: { busy: round(together.busy * 1000), quiet: round(together.quiet * 1000) },
      withInferenceAlone: {
        inferenceOnlyCpuSec: round(inferAlone),
        lowerBoundCpuSec: round(decodeSec + inferAlone),
        ratio: round((decodeSec + inferAlone) / gb.steady.cpuSec, 3),
      },
    });
    const naive = runs.naive;
    const required = gb.framesIn * modelPixels;
    scenarios.push({
      cameras: n,
      mix: { busy: busyN, quiet: n - busyN },
      modes: runs,
      work: naive
        ? {
            naiveWorkRequiredPx: required,
            naiveWorkManagedPx: naive.inferenceImages * modelPixels,
            naiveManagedShare: round(naive.inferenceImages / Math.max(1, naive.framesIn), 3),
            gatedWorkPx: (runs.gated?.inferenceImages ?? 0) * modelPixels,
            gatedBatchedWorkPx: gb.inferenceImages * modelPixels,
          }
        : undefined,
      inferenceReduction: round((gb.steady.framesIn * modelPixels) / Math.max(1, gb.steady.inferenceImages * modelPixels)),
      inferenceReductionWholeRun: round(required / Math.max(1, gb.inferenceImages * modelPixels)),
      personTrackRecall: naive
        ? { naive: naive.recall?.trackRecall, gated: runs.gated?.recall?.trackRecall, 'gated+batched': gb.recall?.trackRecall }
        : undefined,
      personTrackRecallWholeRun: naive
        ? { naive: naive.recallWholeRun?.trackRecall, gated: runs.gated?.recallWholeRun?.trackRecall, 'gated+batched': gb.recallWholeRun?.trackRecall }
        : undefined,
    });
  }

  // RSS: a 60 s run at nominal load and one at 2x overload (twice the cameras), gated+batched.
  const sustainedCounts = gbRuns.filter((r) => r.sustained).map((r) => r.cameras);
  const maxSustained = Math.max(0, ...sustainedCounts);
  let rss: Record<string, unknown> | undefined;
  let rssGrowthRatio = Number.NaN;
  if (!profileOnly && !args.includes('--no-rss')) {
    const nominalN = Math.max(1, maxSustained || counts[counts.length - 1]!);
    const rssSeconds = quick ? 12 : 60;
    const nominal = await runLive('gated+batched', cameraPlans(nominalN, quiet), rssSeconds, engine, 0, overrides);
    log(`rss nominal ${nominalN} cameras ${rssSeconds} s: ${nominal.rssMB.peak} MB, min ${nominal.minCameraFps} fps, p95 ${nominal.p95LatencyMs} ms`);
    const over = await runLive('gated+batched', cameraPlans(2 * nominalN, quiet), rssSeconds, engine, 0, overrides);
    log(
      `rss overload ${2 * nominalN} cameras ${rssSeconds} s: ${over.rssMB.peak} MB, drops ${over.dropped}, min ${over.minCameraFps} fps, p95 ${over.p95LatencyMs} ms, ${over.camerasWithoutInference} cameras without inference`,
    );
    rssGrowthRatio = round(over.rssMB.peak / nominal.rssMB.peak, 3);
    const strip = ({ persons: _p, ...x }: RunResult): Omit<RunResult, 'persons'> => x;
    rss = {
      definition:
        'peak RSS of the hub process (ffmpeg children excluded: one per camera by design) over the last two thirds of each run; ratio = overload / nominal',
      seconds: rssSeconds,
      nominal: strip(nominal),
      overload: strip(over),
    };
  }
  await engine.close();
  const loadEnd = loadavg();

  // Headlines come from scenarios the gated+batched run sustained: where it drops frames, its
  // work shrinks and its recall falls for want of frames, neither says what gating does.
  const sustainedOf = (s: Record<string, unknown>): boolean => (s.modes as Record<string, Slim>)['gated+batched']?.sustained ?? false;
  const mixAll = scenarios.filter((s) => (s.cameras as number) >= 4);
  const mixes = mixAll.some(sustainedOf) ? mixAll.filter(sustainedOf) : mixAll;
  // The throughput ratio on the scene mix (4+ cameras), like the targets: one camera is a single
  // busy camera using a tenth of a core, where a few hundred ms of CPU swing the ratio (0.85 and
  // 1.08 in two runs back to back); it is reported in lowerBound, not used.
  const lowerMix = lower.some((l) => (l.cameras as number) >= 4) ? lower.filter((l) => (l.cameras as number) >= 4) : lower;
  // Recall on the sustained mixes too: one camera has 14 reference tracks, where one miss is 7%
  // (1.0 and 0.929 in two runs); it is reported per scenario.
  const recallScenarios = mixes;
  const recallOfScenario = (s: Record<string, unknown>, key = 'personTrackRecall'): number =>
    (s[key] as { 'gated+batched'?: number } | undefined)?.['gated+batched'] ?? Number.NaN;
  const result = {
    benchmark: 'pipeline',
    quick,
    profileOnly,
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: process.platform,
      loadAverage: {
        start: loadStart.map((v) => round(v)),
        end: loadEnd.map((v) => round(v)),
        note: 'the 2 cores are shared with other work; figures are noisy',
      },
    },
    detector: name,
    ceiling: findCeiling
      ? {
          maxSustainedCameras: maxSustained,
          firstNotSustained: gbRuns.find((r) => !r.sustained)?.cameras ?? null,
          note: 'gated+batched; past 16 cameras the count steps up by 4 until one is not sustained',
        }
      : undefined,
    settings: { inferenceThreads: threads, pipeline: (({ cameras: _c, ...rest }) => rest)(pipelineSchema.parse(overrides)), cameras: counts, modes },
    detect: DETECT,
    sceneMix:
      'one camera in four busy (vtest 720p25 H.264, offsets 0/13/26/39 s), the rest quiet (a still frame of the same lobby, with the people standing in it, + ffmpeg temporal noise + slow ±6% brightness drift; the real footage shows through 4 s in every 30 s, offsets 7i mod 40 s)',
    secondsPerRun: seconds,
    definitions: {
      naiveWorkRequired: 'one whole-frame inference per offered frame: frames offered x model input pixels (inputSize²), whether or not naive kept up',
      naiveWorkManaged: 'images naive actually ran x model input pixels (it drops frames once the detector is saturated)',
      gatedWork: 'images the gated mode actually ran x their input pixels (every crop or letterboxed frame is one inputSize² image)',
      inferenceReduction:
        "naiveWorkRequired / gated+batched work, on the same scenario, in steady state (after the warm-up, like every run figure: frames offered / images run from then on); inferenceReductionWholeRun: the same from the first frame (every camera's first whole-frame look and the confirmations of all it finds included). Headline = the lowest over the scene-mix scenarios (4+ cameras) that gated+batched sustained (where it drops frames its work shrinks for want of frames; those scenarios are reported, not used)",
      personTrackRecall: `reference = naive mode run slower than real time with no drop over exactly the frames the live cameras get (same ffmpeg filter and offsets, frame seq k = frame k), first ${recallFrames} frames of every camera; its confirmed person tracks with 3+ frames in the run's steady state (frame ${steadySeq} on, after the warm-up, like every other run figure). A track is found when the live run had a confirmed person box with IoU > 0.3 on at least one of those frames. frameRecall: share of the track frames matched (dropped frames count as misses). Headline = the lowest over the scene-mix scenarios (4+ cameras) gated+batched sustained; the others are reported per scenario. personTrackRecallWholeRun: the same from frame 0, start-up included (every camera's first look at once)`,
      lowerBound:
        "CPU seconds of decode-only (the same ffmpeg command lines over the same stretch of footage as the run's steady state, same pace, all streams at once, frames read off the pipes and discarded) + inference-only (the same images per second, one per call, evenly spread), measured together in one window so both pay for sharing the 2 cores as any pipeline does; ratio = lower bound / CPU the pipeline run used in its steady state (hub process incl. inference worker + ffmpeg children). withInferenceAlone: the same with inference-only measured with nothing else running, at the run's mean batch. Headline = the lowest over the scene-mix scenarios (4+ cameras)",
      sustained: `in steady state (after the first ${WARMUP_SECONDS} s: every camera's first whole-frame look and the confirmations of what it finds come at once at start; the whole run's figures are in wholeRun): every camera processed ≥ ${DETECT.fps * 0.9} fps (frames with or without an inference call), p95 capture-to-update latency < 1000 ms, and at most ${MAX_STEADY_DROP_SHARE * 100}% of the frames dropped`,
    },
    inferenceCost: { msPerImageBatch1: round(cost.batch1 * 1000), msPerImageBatchMax: round(cost.batchMax * 1000), maxBatch: cost.maxBatch },
    lowerBoundRatio: lowerMix.length ? Math.min(...lowerMix.map((l) => l.ratio as number)) : Number.NaN,
    lowerBound: lower,
    inferenceReduction: mixes.length ? Math.min(...mixes.map((s) => s.inferenceReduction as number)) : Number.NaN,
    inferenceReductionWholeRun: mixes.length ? Math.min(...mixes.map((s) => s.inferenceReductionWholeRun as number)) : Number.NaN,
    personTrackRecall: profileOnly ? Number.NaN : Math.min(...recallScenarios.map((x) => recallOfScenario(x))),
    personTrackRecallWholeRun: profileOnly ? Number.NaN : Math.min(...recallScenarios.map((x) => recallOfScenario(x, 'personTrackRecallWholeRun'))),
    headlineScenarios: {
      inferenceReduction: mixes.map((s) => s.cameras),
      personTrackRecall: recallScenarios.map((s) => s.cameras),
      lowerBoundRatio: lowerMix.map((l) => l.cameras),
    },
    maxCamerasSustained: maxSustained,
    maxCamerasTried: Math.max(...counts),
    rssGrowthRatio,
    rss,
    scenarios,
  };
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.at.replace(/[:.]/g, '-');
  const base = `pipeline-${profileOnly ? 'profile-' : quick ? 'quick-' : ''}${stamp}`;
  const jsonPath = join(dir, `${base}.json`);
  writeFileSync(join(dir, `${base}.svg`), chartSvg(scenarios as never, result.detector, result));
  writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  return jsonPath;
}
