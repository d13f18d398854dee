/**
 * hub/pipeline — the frame-pipeline core: per camera latest-frame slot, motion and tamper,
 * regions, fair cross-camera batched detection, tracking. Offers:
 * - pipelineModule: the hub module (frames from ctx.services.cameras, detector from ctx.services.detector);
 * - Pipeline: the driver, for the benchmark and tests;
 * - the contract with events (types.ts) and the PipelineService on ctx.services.pipeline.
 */
export { pipelineModule } from './module.ts';
export { Pipeline, type PipelineOptions, type PipelineSinks, type PipelineStats } from './pipeline.ts';
export type { PipelineService } from './service.ts';
export type * from './types.ts';
export { pipelineSchema, type PipelineConfig } from './config.ts';
export { frameToRgb } from './crop.ts';
