/**
 * What the pipeline offers other modules on ctx.services.pipeline: live stats, the objects a
 * camera tracks now, and the best snapshot of a tracked object (for event thumbnails).
 */
import type { TrackedObject } from './types.ts';
import type { PipelineStats, TrackSnapshot } from './pipeline.ts';

export type { PipelineStats, TrackSnapshot } from './pipeline.ts';

export interface PipelineService {
  stats(): PipelineStats;
  /** Objects tracked on `cameraId` after its latest processed frame. */
  objects(cameraId: string): TrackedObject[];
  /** The best picture so far of a tracked object: RGB pixels of its box with a margin. */
  snapshot(trackId: string): TrackSnapshot | undefined;
}

declare module '../context.ts' {
  interface HubServices {
    pipeline: PipelineService;
  }
}
