/**
 * The detect module: loads the configured model at start and offers it as ctx.services.detector.
 * A model that cannot be loaded is logged once and the hub runs on without detection; recording
 * never depends on it. A quantized model's self-check is logged (a warning when the hub fell back
 * to the float model) and shown at GET /api/detect/status.
 */
import type { HubContext, HubModule } from '../context.ts';
import { createOnnxEngine, type EngineOptions, type OnnxEngine } from './engine.ts';
import type { SelfCheckStatus } from './self-check.ts';

/** GET /api/detect/status: what the detector runs and why. */
export interface DetectStatus {
  enabled: boolean;
  /** detect.model as configured. */
  configuredModel: string;
  /** The model running (differs from configuredModel after a self-check fallback); null: none loaded. */
  modelId: string | null;
  provider: string | null;
  threads: number;
  inputSize: number | null;
  maxBatch: number | null;
  warnings: readonly string[];
  /** The model could not be loaded: why. */
  error: string | null;
  selfCheck: SelfCheckStatus | null;
}

/** `opts` reach createOnnxEngine (tests force the self-check's outcome with them); the hub uses `detectModule`. */
export function createDetectModule(opts: EngineOptions = {}): HubModule {
  return {
    name: 'detect',
    async start(ctx) {
      const cfg = ctx.config.get().detect;
      const log = ctx.log.child('detect');
      const status: DetectStatus = {
        enabled: cfg.enabled,
        configuredModel: cfg.model,
        modelId: null,
        provider: null,
        threads: cfg.threads,
        inputSize: null,
        maxBatch: null,
        warnings: [],
        error: null,
        selfCheck: null,
      };
      registerStatusRoute(ctx, () => status);
      if (!cfg.enabled) {
        log.info('detection is off (detect.enabled = false)');
        return { stop() {} };
      }
      let engine: OnnxEngine;
      try {
        engine = await createOnnxEngine(cfg, opts);
      } catch (err) {
        status.error = (err as Error).message;
        log.error(`${(err as Error).message}; the hub runs on without detection`);
        return { stop() {} };
      }
      Object.assign(status, {
        modelId: engine.modelId,
        provider: engine.provider,
        inputSize: engine.inputSize,
        maxBatch: engine.maxBatch,
        warnings: engine.warnings,
        selfCheck: engine.selfCheck ?? null,
      });
      // A failed self-check is among the warnings; a passed one is logged here.
      for (const w of engine.warnings) log.warn(w);
      if (engine.selfCheck?.outcome === 'passed') log.info(engine.selfCheck.summary);
      log.info(`model ${engine.modelId} ready on ${engine.provider} (${cfg.threads} threads, input ${engine.inputSize}, batch up to ${engine.maxBatch})`);
      ctx.services.detector = engine;
      return {
        async stop() {
          delete ctx.services.detector;
          await engine.close();
        },
      };
    },
  };
}

function registerStatusRoute(ctx: HubContext, status: () => DetectStatus): void {
  ctx.api.route({ method: 'GET', path: '/api/detect/status', access: 'system:read', summary: 'Detector: model, self-check, speed' }, (c) => c.json(status()));
}

export const detectModule: HubModule = createDetectModule();
