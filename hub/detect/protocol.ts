/** Messages between the engine (main thread) and its inference worker. */
import type { Detection, RgbImage } from './types.ts';
import type { ModelSpec } from './model-spec.ts';

export interface WorkerInit {
  spec: ModelSpec;
  threads: number;
  providers: string[];
  iouThreshold: number;
}

export type ToWorker =
  | { type: 'detect'; id: number; images: RgbImage[]; minScore: number; classIds: number[] | null }
  /** Raw outputs of one batch already in model layout (the bench and the parity test use it). */
  | { type: 'raw'; id: number; input: Float32Array; batch: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; inputSize: number; maxBatch: number; provider: string; warnings: string[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; detections: Detection[][] }
  | { type: 'raw-result'; id: number; outputs: Array<{ name: string; dims: number[]; data: Float32Array }> }
  | { type: 'error'; id: number; message: string };
