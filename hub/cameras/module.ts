import type { HubContext, HubModule } from '../context.ts';
import { ffmpegPath } from '../core/ffmpeg-path.ts';
import { CameraManager } from './manager.ts';
import { registerCameraRoutes } from './routes.ts';

/** Tests shorten the restart backoff so reconnection is observable in seconds. */
export const cameraTestHooks: { backoff?: { baseMs: number; capMs: number } } = {};

/** Camera ingest: one supervised ffmpeg per enabled camera, following the configuration. */
export const camerasModule: HubModule = {
  name: 'cameras',
  async start(ctx: HubContext) {
    const manager = new CameraManager(ctx, { ffmpegPath: ffmpegPath(), backoff: cameraTestHooks.backoff });
    ctx.services.cameras = manager;

    const offSeg = ctx.bus.on('record.segment', 'cameras', (s) => manager.noteSegment(s.cameraId, s.bytes, (s.endMs - s.startMs) / 1000));
    const offCfg = ctx.config.onChange((next) => manager.apply(next.cameras, next.recording.segmentSeconds));
    await manager.apply(ctx.config.get().cameras, ctx.config.get().recording.segmentSeconds);

    const online = ctx.metrics.gauge('camera_online', 'Whether the camera delivers frames (1) or not (0)');
    const fps = ctx.metrics.gauge('camera_fps_in', 'Detect-stream frames per second received');
    const bitrate = ctx.metrics.gauge('camera_bitrate_kbps', 'Recorded video bitrate');
    const restarts = ctx.metrics.gauge('camera_restarts', 'ffmpeg restarts since the hub started');
    const lastFrame = ctx.metrics.gauge('camera_last_frame_timestamp_seconds', 'Time of the last frame');
    ctx.metrics.collect(() => {
      for (const s of manager.states()) {
        const l = { camera: s.id };
        online.set(l, s.online ? 1 : 0);
        fps.set(l, s.fpsIn);
        bitrate.set(l, s.bitrateKbps);
        restarts.set(l, s.restarts);
        lastFrame.set(l, s.lastFrameAt ? Date.parse(s.lastFrameAt) / 1000 : 0);
      }
    });
    registerCameraRoutes(ctx, manager);

    return {
      async stop() {
        offSeg();
        offCfg();
        await manager.stopAll();
      },
    };
  },
};
