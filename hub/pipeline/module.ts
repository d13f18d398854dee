/**
 * The pipeline's hub module: feeds every camera's detect frames to the Pipeline, uses the
 * detector when one is loaded (without one, motion and tamper still run), publishes updates on
 * the bus, and exposes its stats in /metrics and at GET /api/pipeline/stats.
 */
import type { HubModule } from '../context.ts';
import { Pipeline } from './pipeline.ts';
import { registerPipelineMetrics } from './metrics.ts';
import type { PipelineService } from './service.ts';
import { registerPipelineRoutes } from './routes.ts';
import './service.ts';

export const pipelineModule: HubModule = {
  name: 'pipeline',
  start(ctx) {
    const log = ctx.log.child('pipeline');
    const config = ctx.config.get().pipeline;
    const cameras = ctx.services.cameras;
    if (!config.enabled || !cameras) {
      log.info(config.enabled ? 'no camera service: pipeline idle' : 'disabled in configuration');
      return { stop() {} };
    }
    const engine = ctx.services.detector;
    if (!engine) log.warn('no detector loaded: motion and tamper only, no objects');
    const pipeline = new Pipeline({
      config,
      engine,
      sinks: {
        tracks: (u) => ctx.bus.emit('pipeline.tracks', u),
        tamper: (s) => {
          log.info(`camera ${s.cameraId}: ${s.kind} ${s.active ? 'raised' : 'cleared'} (${s.value.toFixed(2)})`);
          ctx.bus.emit('pipeline.tamper', s);
        },
        health: (h) => {
          const msg = `camera ${h.cameraId}: detect rate ${h.detectFps.toFixed(1)} fps ${h.belowFloor ? 'below' : 'back above'} floor ${h.floorFps} fps`;
          if (h.belowFloor) log.warn(msg);
          else log.info(msg);
          ctx.bus.emit('pipeline.health', h);
        },
        error: (m) => log.error(m),
      },
    });
    const unsubscribe = cameras.onFrame('*', (frame) => pipeline.push(frame));
    const service: PipelineService = {
      stats: () => pipeline.stats(),
      objects: (id) => pipeline.objects(id),
    };
    ctx.services.pipeline = service;
    registerPipelineMetrics(ctx.metrics, () => pipeline.stats());
    registerPipelineRoutes(ctx, service);
    return {
      async stop() {
        unsubscribe();
        await pipeline.close();
      },
    };
  },
};
