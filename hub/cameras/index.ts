/**
 * Camera ingest: one supervised ffmpeg child per enabled camera (one RTSP session each), which
 * stream-copies the video into recording segments and decodes a small raw frame stream for the
 * pipeline. Offers `ctx.services.cameras` (CameraService), the `camera.state` and
 * `camera.segment` bus events, /api/health and /api/cameras.
 */
export { camerasModule } from './module.ts';
export { cameraSchema, type CameraConfig, type CameraSource } from './config.ts';
export type { CameraService, CameraState } from './service.ts';
export { frameBytes, lumaPlane, type Frame, type PixelFormat } from '../lib/frame.ts';
export { buildIngestArgs, redactUrl } from './ffmpeg-args.ts';
export { FrameAssembler } from './frame-assembler.ts';
