/**
 * Recording: indexes the segments ffmpeg finishes, repairs what a crash left unfinished, rebuilds
 * a lost index from disk, and runs retention (age per camera, free-space watermark, holds).
 * Offers `ctx.services.recordings` (RecordingService), the `record.segment` bus event and
 * /api/recordings.
 */
export { recordModule } from './module.ts';
export { recordingSchema, type RecordingConfig } from './config.ts';
export type { RecordingService, Segment } from './service.ts';
export { planAgeDeletions, planSpaceDeletions, bytesOverWatermark, isHeld } from './retention-plan.ts';
export { segmentPath, recordingsRoot } from './paths.ts';
