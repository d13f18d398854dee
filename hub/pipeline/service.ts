/**
 * What the pipeline offers other modules on ctx.services.pipeline: live stats and the objects a
 * camera tracks now. Tracked-object updates (with their frame) go out on the bus
 * ('pipeline.tracks').
 */
import type { TrackedObject } from './types.ts';
import type { PipelineStats } from './pipeline.ts';

export type { PipelineStats } from './pipeline.ts';

export interface PipelineService {
  stats(): PipelineStats;
  /** Objects tracked on `cameraId` after its latest processed frame. */
  objects(cameraId: string): TrackedObject[];
}

declare module '../context.ts' {
  interface HubServices {
    pipeline: PipelineService;
  }
}
