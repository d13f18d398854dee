/**
 * hub/detect: object detection on RGB frames.
 *
 * Offers: `detectModule` (sets ctx.services.detector, an InferenceEngine), `createOnnxEngine`
 * for tools and tests, `runDetectCli` (`npm run detect`), and the pure cores the pipeline may use
 * directly: letterbox, decoders per model family, NMS.
 */
export type { Detection, DetectOptions, InferenceEngine, RgbImage } from './types.ts';
export { detectModule } from './module.ts';
export { createOnnxEngine, type OnnxEngine } from './engine.ts';
export { detectSchema, DEFAULT_LABELS, DEFAULT_SCORE_THRESHOLD, type DetectConfig } from './config.ts';
export { letterboxInto, letterboxParams, unletterboxBox, type Letterbox } from './letterbox.ts';
export { nms, iou, type Candidate } from './nms.ts';
export { FAMILIES, bindFamily } from './families.ts';
