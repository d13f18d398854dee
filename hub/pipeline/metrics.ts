/** Publishes the pipeline's per-camera and per-stage figures in /metrics at scrape time. */
import type { MetricsRegistry } from '../metrics/registry.ts';
import type { PipelineStats } from './pipeline.ts';

export function registerPipelineMetrics(metrics: MetricsRegistry, stats: () => PipelineStats): void {
  const g = {
    fpsIn: metrics.gauge('pipeline_fps_in', 'Detect frames arriving per second, per camera'),
    fpsProcessed: metrics.gauge('pipeline_fps_processed', 'Frames processed (motion, detection, tracking) per second, per camera'),
    frames: metrics.gauge('pipeline_frames_total', 'Frames received since start, per camera'),
    dropped: metrics.gauge('pipeline_frames_dropped_total', 'Frames replaced in the latest-frame slot before processing, per camera'),
    calls: metrics.gauge('pipeline_inference_calls_total', 'Detector calls that included this camera'),
    images: metrics.gauge('pipeline_inference_images_total', 'Model-sized images sent to the detector, per camera'),
    latency: metrics.gauge('pipeline_latency_ms', 'Capture-to-tracked-update latency over recent frames, per camera and quantile'),
    belowFloor: metrics.gauge('pipeline_below_floor', '1 while a camera detects below its floor rate'),
    tracks: metrics.gauge('pipeline_tracks_active', 'Objects tracked now, per camera'),
    stage: metrics.gauge('pipeline_stage_ms', 'Time per stage over recent frames, per quantile'),
    batch: metrics.gauge('pipeline_batch_mean', 'Mean images per detector call'),
    checks: metrics.gauge('pipeline_checks_total', 'Frames sent to the detector, per camera and the first reason they needed it'),
  };
  metrics.collect(() => {
    const s = stats();
    for (const c of s.cameras) {
      const l = { camera: c.cameraId };
      g.fpsIn.set(l, c.fpsIn);
      g.fpsProcessed.set(l, c.fpsProcessed);
      g.frames.set(l, c.framesIn);
      g.dropped.set(l, c.dropped);
      g.calls.set(l, c.inferenceCalls);
      g.images.set(l, c.inferenceImages);
      g.latency.set({ ...l, quantile: '0.5' }, c.latencyMs.p50);
      g.latency.set({ ...l, quantile: '0.95' }, c.latencyMs.p95);
      g.belowFloor.set(l, c.belowFloor ? 1 : 0);
      g.tracks.set(l, c.tracks.active);
      for (const [reason, n] of Object.entries(c.checks ?? {})) g.checks.set({ ...l, reason }, n);
    }
    for (const [stage, v] of Object.entries(s.stagesMs)) {
      g.stage.set({ stage, quantile: '0.5' }, v.p50);
      g.stage.set({ stage, quantile: '0.95' }, v.p95);
    }
    g.batch.set({}, s.meanBatch);
  });
}
