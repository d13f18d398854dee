/**
 * The contract between the detector (hub/detect) and its users (the pipeline, the CLI).
 * Owned by the detector issue; the pipeline codes against this interface only.
 */

/** An RGB image, row-major, 3 bytes a pixel (rgb24). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One detected object, box in pixel coordinates of the image given to `detect`. */
export interface Detection {
  label: string;
  classId: number;
  score: number;
  /** [x1, y1, x2, y2] */
  box: [number, number, number, number];
}

export interface DetectOptions {
  /** Keep only these labels (default: the config's labels). */
  labels?: readonly string[];
  /** Minimum score (default: the config's threshold, the same the hub uses). */
  minScore?: number;
}

/** A loaded, warmed-up model that runs off the main thread. */
export interface InferenceEngine {
  readonly modelId: string;
  /** The model's square input side in pixels (416 for NanoDet). */
  readonly inputSize: number;
  /** Largest batch one call takes (1 when the model's batch axis is fixed). */
  readonly maxBatch: number;
  /** Detects objects in each image (letterboxed to the model size inside); one result list per image. */
  detect(images: RgbImage[], opts?: DetectOptions): Promise<Detection[][]>;
  close(): Promise<void>;
}

declare module '../context.ts' {
  interface HubServices {
    /** Absent when detection is disabled or the model failed to load (recording carries on). */
    detector: InferenceEngine;
  }
}
