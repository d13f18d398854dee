/**
 * The detect module: loads the configured model at start and offers it as ctx.services.detector.
 * A model that cannot be loaded is logged once and the hub runs on without detection; recording
 * never depends on it.
 */
import type { HubModule } from '../context.ts';
import { createOnnxEngine } from './engine.ts';

export const detectModule: HubModule = {
  name: 'detect',
  async start(ctx) {
    const cfg = ctx.config.get().detect;
    const log = ctx.log.child('detect');
    if (!cfg.enabled) {
      log.info('detection is off (detect.enabled = false)');
      return { stop() {} };
    }
    let engine;
    try {
      engine = await createOnnxEngine(cfg);
    } catch (err) {
      log.error(`${(err as Error).message}; the hub runs on without detection`);
      return { stop() {} };
    }
    for (const w of engine.warnings) log.warn(w);
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
