/**
 * `npm run bench -- detect [--seconds S]`: NanoDet inference latency (p50/p95) and throughput,
 * through the hub's own worker engine at batch 1, 2, 4, 8 with 1 and 2 intra-op threads, for the
 * fp32 model (`nanodet`) and its int8 quantization (`nanodet-int8`) side by side, and the fp32
 * model under @tensorflow/tfjs (pure-JS CPU backend) as the reference, in one run.
 * Inputs are real frames (vtest.avi) letterboxed once; the timing covers the model call
 * including the hand-off to the worker thread. Writes bench/results/detect-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createOnnxEngine } from '../hub/detect/engine.ts';
import { detectSchema } from '../hub/detect/config.ts';
import { letterboxInto } from '../hub/detect/letterbox.ts';
import { ensureModel } from '../models/ensure-model.ts';
import { loadTfjsReference } from '../models/tfjs-reference.ts';
import { vtestFrame } from '../tools/images.ts';
import { ensureFixtures } from '../tools/fixtures.ts';

const MODELS = ['nanodet', 'nanodet-int8'] as const;

interface Row {
  model: string;
  runtime: string;
  threads: number | null;
  batch: number;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  imagesPerSecond: number;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Times `fn` after `warmup` calls, for at least `minRuns` runs and about `seconds`. */
async function time(fn: () => Promise<unknown>, seconds: number, minRuns: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (times.length < minRuns || performance.now() < until) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

function row(model: string, runtime: string, threads: number | null, batch: number, times: number[]): Row {
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const r2 = (v: number): number => Math.round(v * 100) / 100;
  return {
    model,
    runtime,
    threads,
    batch,
    runs: times.length,
    p50Ms: r2(percentile(times, 50)),
    p95Ms: r2(percentile(times, 95)),
    imagesPerSecond: r2((batch * 1000) / mean),
  };
}

export async function run(args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string' }, 'tfjs-runs': { type: 'string' } } });
  const seconds = Number(values.seconds ?? 5);
  const tfjsRuns = Number(values['tfjs-runs'] ?? 3);
  ensureFixtures();
  const { manifest } = ensureModel('nanodet');
  const int8 = ensureModel('nanodet-int8').manifest;
  const size = manifest.input.size;
  const plane = 3 * size * size;
  const frames = [150, 400, 700, 250, 500, 600, 50, 350].map(vtestFrame);
  const all = new Float32Array(frames.length * plane);
  frames.forEach((f, k) => letterboxInto(f, manifest.input, all, k * plane));
  const log = (m: string): void => void process.stderr.write(`bench/detect: ${m}\n`);

  const rows: Row[] = [];
  for (const threads of [1, 2]) {
    for (const model of MODELS) {
      const engine = await createOnnxEngine(detectSchema.parse({ model, threads }));
      for (const batch of [1, 2, 4, 8].filter((b) => b <= engine.maxBatch)) {
        const input = all.slice(0, batch * plane);
        const r = row(model, 'onnxruntime-node (worker)', threads, batch, await time(() => engine.runRaw(input, batch), seconds, 5, 2));
        rows.push(r);
        log(`onnx ${model} threads=${threads} batch=${batch}: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, ${r.imagesPerSecond} img/s`);
      }
      await engine.close();
    }
  }

  const ref = await loadTfjsReference(manifest);
  const one = all.slice(0, plane);
  const tf = row('nanodet', '@tensorflow/tfjs cpu (pure JS)', null, 1, await time(() => ref.run(one, 1), 0, tfjsRuns, 1));
  ref.dispose();
  rows.push(tf);
  log(`tfjs batch=1: p50 ${tf.p50Ms} ms, p95 ${tf.p95Ms} ms, ${tf.imagesPerSecond} img/s`);

  const best = (model: string, threads: number): Row =>
    rows.filter((r) => r.model === model && r.threads === threads).reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  const at = (model: string, threads: number, batch: number): Row => rows.find((r) => r.model === model && r.threads === threads && r.batch === batch)!;
  const speedUp = (threads: number, batch: number): number =>
    Math.round((at('nanodet', threads, batch).p50Ms / at('nanodet-int8', threads, batch).p50Ms) * 100) / 100;
  const result = {
    benchmark: 'detect',
    at: new Date().toISOString(),
    model: { id: manifest.id, sha256: manifest.sha256, input: `${manifest.maxBatch > 1 ? 'N' : 1}x3x${size}x${size}`, maxBatch: manifest.maxBatch },
    models: [manifest, int8].map((m) => ({ id: m.id, sha256: m.sha256, maxBatch: m.maxBatch })),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    method: `real vtest.avi frames letterboxed once; ${seconds} s per onnx configuration after 2 warm-up calls, fp32 then int8 at each thread count; tfjs ${tfjsRuns} runs after 1 warm-up (its graph has a fixed batch of 1)`,
    rows,
    summary: {
      threads1: { batch1: at('nanodet', 1, 1), best: best('nanodet', 1) },
      threads2: { batch1: at('nanodet', 2, 1), best: best('nanodet', 2) },
      int8: {
        threads1: { batch1: at('nanodet-int8', 1, 1), best: best('nanodet-int8', 1) },
        threads2: { batch1: at('nanodet-int8', 2, 1), best: best('nanodet-int8', 2) },
        /** fp32 p50 / int8 p50 at batch 1. */
        speedUp: { threads1: speedUp(1, 1), threads2: speedUp(2, 1) },
      },
      tfjs: tf,
    },
  };
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `detect-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
