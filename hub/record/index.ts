/**
 * Recording: indexes the segments ffmpeg finishes, repairs what a crash left unfinished, rebuilds
 * a lost index from disk, and keeps the data volume from filling (see README.md): retention (age
 * per camera, free-space watermark), holds that expire and a bounded held share, and, with only
 * held footage left, recording paused on the lowest-priority cameras. Offers
 * `ctx.services.recordings` (RecordingService), the `record.segment`, `record.paused`,
 * `record.hold-refused` and `record.no-space` bus events, and /api/recordings.
 */
export { recordModule } from './module.ts';
export { recordingSchema, type RecordingConfig } from './config.ts';
export type { RecordingService, Segment } from './service.ts';
export { planAgeDeletions, planSpaceDeletions, bytesOverWatermark, isHeld } from './retention-plan.ts';
export { holdInForce, overHeldShare, planRecordingPause, stopOrder } from './space-plan.ts';
export { segmentPath, recordingsRoot, incomingDir } from './paths.ts';
