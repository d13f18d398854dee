/**
 * The onnxruntime engine: a worker thread running the model, behind the InferenceEngine
 * contract. Creation resolves once the model is loaded, checked and warmed up, or rejects with
 * the one error that says why. A quantized manifest model (nanodet-int8) is first compared with
 * its float original on a reference frame (self-check.ts); if they disagree, the engine returned
 * runs the float model (its modelId says which) and its warnings say why.
 */
import { Worker } from 'node:worker_threads';
import type { DetectOptions, Detection, InferenceEngine, RgbImage } from './types.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { resolveModelSpec, type ModelSpec } from './model-spec.ts';
import type { DetectConfig } from './config.ts';
import { checkQuantized, type SelfCheckRules, type SelfCheckStatus } from './self-check.ts';

export interface OnnxEngine extends InferenceEngine {
  /** The execution provider in use after any fallback. */
  readonly provider: string;
  /** Warnings from loading (a provider that fell back to cpu, a failed self-check). */
  readonly warnings: readonly string[];
  /** For a quantized manifest model: the start-up comparison with its float original. */
  readonly selfCheck?: SelfCheckStatus;
  /** Runs a ready-made [batch,3,S,S] tensor and returns the raw outputs (parity tests, bench). */
  runRaw(input: Float32Array, batch: number): Promise<Array<{ name: string; dims: number[]; data: Float32Array }>>;
}

export type EngineConfig = Pick<
  DetectConfig,
  'model' | 'family' | 'sha256' | 'classNames' | 'maxBatch' | 'threads' | 'providers' | 'scoreThreshold' | 'iouThreshold' | 'labels'
>;

export interface EngineOptions {
  /**
   * Replaces some of the self-check's rules (SELF_CHECK_RULES). For tests, which force each
   * outcome with it; reachable from code only (no config field, no environment variable), and an
   * override is said in the status and in the log line.
   */
  selfCheckRules?: Partial<SelfCheckRules>;
}

/**
 * Loads the configured model in a worker thread; for a quantized manifest model, runs the
 * self-check and returns the engine of whichever model passed (see self-check.ts).
 */
export async function createOnnxEngine(cfg: EngineConfig, opts: EngineOptions = {}): Promise<OnnxEngine> {
  const spec = resolveModelSpec(cfg);
  const engine = await startEngine(cfg, spec);
  if (!spec.quantizedFrom) return engine;
  const original = spec.quantizedFrom;
  const { engine: running, status } = await checkQuantized(engine, {
    original,
    startOriginal: () => startEngine({ ...cfg, model: original }, resolveModelSpec({ ...cfg, model: original })),
    rules: opts.selfCheckRules,
  });
  const warnings = status.outcome === 'passed' ? [...running.warnings] : [...running.warnings, status.summary];
  return { ...running, warnings, selfCheck: status };
}

/** Starts the worker for one resolved model and waits until it is loaded and warmed up. */
async function startEngine(cfg: EngineConfig, spec: ModelSpec): Promise<OnnxEngine> {
  const unknown = cfg.labels.filter((l) => !spec.classNames.includes(l));
  if (unknown.length > 0) throw new Error(`detect: labels ${unknown.join(', ')} are not classes of model ${spec.id}`);
  const init: WorkerInit = { spec, threads: cfg.threads, providers: cfg.providers, iouThreshold: cfg.iouThreshold };
  // A plain .mjs entry registers tsx in the thread, then loads worker.ts: the same from vitest,
  // `node bin/hub.mjs` and tsx (see worker-boot.mjs for why not execArgv).
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href, init },
  });
  const pending = new Map<number, { ok: (v: never) => void; fail: (e: Error) => void }>();
  let nextId = 1;
  let closed = false;
  let exitError: Error | undefined;

  const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((ok, fail) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type === 'ready') ok(m);
      else if (m.type === 'failed') fail(new Error(m.message));
      else return;
      worker.off('message', onMessage);
    };
    worker.on('message', onMessage);
    worker.once('error', (err) => fail(new Error(`detect: model ${spec.id} worker crashed while loading: ${err.message}`)));
    worker.once('exit', (code) => fail(new Error(`detect: model ${spec.id} worker exited (${code}) while loading`)));
  }).catch(async (err: Error) => {
    await worker.terminate();
    throw err;
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');

  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'result' && m.type !== 'raw-result' && m.type !== 'error') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.type === 'error') p.fail(new Error(m.message));
    else p.ok((m.type === 'result' ? m.detections : m.outputs) as never);
  });
  const failAll = (err: Error): void => {
    exitError = err;
    for (const p of pending.values()) p.fail(err);
    pending.clear();
  };
  worker.on('error', (err) => failAll(new Error(`detect: inference worker crashed: ${err.message}`)));
  worker.on('exit', (code) => {
    if (!closed) failAll(new Error(`detect: inference worker exited (${code})`));
  });

  const call = <T>(msg: ToWorker, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (closed) return Promise.reject(new Error('detect: engine is closed'));
    if (exitError) return Promise.reject(exitError);
    return new Promise<T>((ok, fail) => {
      pending.set((msg as { id: number }).id, { ok: ok as (v: never) => void, fail });
      worker.postMessage(msg, transfer);
    });
  };

  const classIdsOf = (labels: readonly string[]): number[] => labels.map((l) => spec.classNames.indexOf(l)).filter((i) => i >= 0);

  return {
    modelId: spec.id,
    inputSize: ready.inputSize,
    maxBatch: ready.maxBatch,
    provider: ready.provider,
    warnings: ready.warnings,
    async detect(images: RgbImage[], opts?: DetectOptions): Promise<Detection[][]> {
      if (images.length === 0) return [];
      const minScore = opts?.minScore ?? cfg.scoreThreshold;
      const classIds = classIdsOf(opts?.labels ?? cfg.labels);
      // Images are copied to the worker (structured clone), the caller keeps its buffers.
      return call<Detection[][]>({ type: 'detect', id: nextId++, images, minScore, classIds });
    },
    runRaw(input, batch) {
      return call({ type: 'raw', id: nextId++, input, batch });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const p of pending.values()) p.fail(new Error('detect: engine closed'));
      pending.clear();
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await new Promise<void>((ok) => worker.once('exit', () => ok()));
      clearTimeout(timer);
    },
  };
}
