import { z } from 'zod';
import { cameraIdSchema } from '../cameras/config.ts';
import type { Report } from '../config/ref-check.ts';

// Fractions of the camera picture, as events' zones: they stay right whatever the detect frames'
// size and fit (issue 13; config version 4 converted the pixel masks of earlier versions).
const fraction = z.number().min(0).max(1);
const point = z.tuple([fraction, fraction]);
const polygon = z.array(point).min(3, 'a polygon needs at least 3 points').meta({
  title: 'Polygon',
  description: '[x, y] points as fractions of the camera picture (0..1, y down), e.g. [[0, 0], [0.5, 0], [0.5, 1], [0, 1]] for its left half',
});

/** Per-camera settings, keyed by camera id under `pipeline.cameras`. */
export const cameraPipelineSchema = z
  .strictObject({
    priority: z.number().int().min(1).max(10).default(5).meta({
      title: 'Priority',
      description: 'Higher keeps its detect rate longer under overload (1-10); low-priority cameras degrade first',
    }),
    floorFps: z.number().min(0).max(30).default(1).meta({
      title: 'Minimum detect rate (fps)',
      description: 'Below this rate the camera is served first and a pipeline.health alert is raised',
    }),
    masks: z.array(polygon).default([]).meta({
      title: 'Motion masks',
      description: 'Areas where motion is ignored (timestamps, trees, a road outside the fence)',
    }),
    motionThreshold: z.number().int().min(1).max(255).optional().meta({
      title: 'Motion threshold',
      description: 'Overrides pipeline.motion.threshold for this camera',
    }),
  })
  .meta({ title: 'Camera pipeline settings' });

export const pipelineSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ title: 'Enabled', description: 'Run motion, detection and tracking (restart needed)' }),
    motion: z
      .strictObject({
        scaleWidth: z
          .number()
          .int()
          .min(32)
          .max(640)
          .default(160)
          .meta({ title: 'Motion width', description: 'Width of the downscaled grey frame motion works on' }),
        threshold: z.number().int().min(1).max(255).default(22).meta({ title: 'Threshold', description: 'Grey-level difference that counts as change' }),
        backgroundAlpha: z
          .number()
          .min(0.001)
          .max(1)
          .default(0.05)
          .meta({ title: 'Background rate', description: 'How fast the running background follows the scene' }),
        minArea: z.number().min(0).max(1).default(0.0006).meta({ title: 'Smallest motion', description: 'Smallest motion blob, as a fraction of the frame' }),
        wholeFrameAt: z
          .number()
          .min(0)
          .max(1)
          .default(0.3)
          .meta({ title: 'Whole-frame motion', description: 'Motion over this fraction of the frame is detected on the whole letterboxed frame' }),
      })
      .prefault({}),
    tamper: z
      .strictObject({
        blackoutLuma: z
          .number()
          .min(0)
          .max(255)
          .default(20)
          .meta({ title: 'Blackout luma', description: 'Mean grey level under which a flat image is a covered lens' }),
        blurRatio: z
          .number()
          .min(0)
          .max(1)
          .default(0.3)
          .meta({ title: 'Blur ratio', description: 'Sharpness under this fraction of its usual level is heavy blur' }),
        sceneChangeFraction: z
          .number()
          .min(0)
          .max(1)
          .default(0.6)
          .meta({ title: 'Scene change', description: 'Changed fraction of the frame that means the camera was moved' }),
        holdFrames: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(3)
          .meta({ title: 'Hold (frames)', description: 'Frames a condition must last before it is raised or cleared' }),
      })
      .prefault({}),
    regions: z
      .strictObject({
        minSideFraction: z
          .number()
          .min(0.1)
          .max(1)
          .default(0.5)
          .meta({ title: 'Smallest crop', description: 'Smallest crop side as a fraction of the model input (smaller crops zoom in)' }),
        movingRecheckFrames: z
          .number()
          .int()
          .min(1)
          .max(50)
          .default(4)
          .meta({ title: 'Moving re-check', description: 'A confirmed moving object is re-detected every N frames; the tracker predicts it in between' }),
        stationaryRecheckFrames: z
          .number()
          .int()
          .min(1)
          .max(500)
          .default(50)
          .meta({ title: 'Stationary re-check', description: 'A stationary object untouched by motion is re-detected every N frames' }),
        candidateRecheckFrames: z.number().int().min(1).max(50).default(2).meta({
          title: 'Candidate re-check',
          description: 'An unconfirmed (or just missed) object is re-detected every N frames until it is confirmed or gone',
        }),
        motionRecheckFrames: z.number().int().min(1).max(50).default(3).meta({
          title: 'Motion re-check',
          description: 'Unexplained motion inside a region the detector saw fewer than N frames ago waits for the next check',
        }),
        emptyRecheckFrames: z.number().int().min(1).max(500).default(10).meta({
          title: 'Empty-zone re-check',
          description: 'Motion the detector found empty (a lighting ghost, a shadow) is looked at again only after N frames while it stays there',
        }),
        refreshSeconds: z.number().min(0).max(3600).default(20).meta({
          title: 'Whole-frame refresh (s)',
          description: 'Also detect on the whole frame this often (and on the first frame), so objects that never moved are found; 0: first frame only',
        }),
        zoomDoubtful: z.boolean().default(false).meta({
          title: 'Zoom on doubtful objects',
          description:
            'A whole-frame check also looks closer (one more crop) at small objects found but not yet sure, so far people confirm instead of hovering under the score. About 20% more inference on a busy mix; for sites with a far approach',
        }),
        maxRegions: z.number().int().min(1).max(16).default(1).meta({
          title: 'Crops per frame',
          description: 'More crops than this become one whole-frame detection (every image costs the same, and the whole frame checks every object at once)',
        }),
      })
      .prefault({}),
    tracker: z
      .strictObject({
        iouThreshold: z.number().min(0).max(1).default(0.2),
        maxMissed: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(4)
          .meta({ title: 'Missed checks', description: 'Checks without a match before an object has left' }),
        maxAgeMs: z.number().int().min(100).default(4000).meta({ title: 'Max unseen (ms)', description: 'A moving object unseen for this long has left' }),
        stationaryMaxAgeMs: z.number().int().min(100).default(60000).meta({
          title: 'Max unseen, stationary (ms)',
          description: 'A stationary object (re-checked rarely) unseen for this long has left; missed checks still remove it sooner',
        }),
        confirmHits: z.number().int().min(1).max(50).default(3),
        confirmScore: z.number().min(0).max(1).default(0.5).meta({ title: 'Confirm score', description: 'Median score an object needs to be confirmed' }),
        stationaryFrames: z
          .number()
          .int()
          .min(2)
          .max(200)
          .default(4)
          .meta({ title: 'Stationary after', description: 'Detections without real movement before an object is stationary' }),
      })
      .prefault({}),
    scheduler: z
      .strictObject({
        maxInFlight: z
          .number()
          .int()
          .min(1)
          .max(8)
          .default(1)
          .meta({ title: 'Concurrent inferences', description: 'Detect calls in flight at once (restart needed)' }),
        maxBatch: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(8)
          .meta({ title: 'Batch size cap', description: 'Images per call, never above what the model takes' }),
        batching: z.boolean().default(true).meta({ title: 'Batch across cameras' }),
        batchLatencyMs: z.number().int().min(10).max(5000).default(100).meta({
          title: 'Batch time budget (ms)',
          description:
            'A batch holds no more images than the detector runs in this time (measured), so frames waiting behind a call stay fresh. Keep it under one frame interval (200 ms at 5 fps): a camera in a longer call drops its next frame, and on a CPU a batch saves at most a few % per image',
        }),
      })
      .prefault({}),
    cameras: z.record(cameraIdSchema, cameraPipelineSchema).default({}).meta({
      title: 'Per-camera settings',
      description: 'Keyed by camera id; cameras not listed use the defaults',
    }),
  })
  .meta({ title: 'pipeline' });

export type PipelineConfig = z.infer<typeof pipelineSchema>;
export type CameraPipelineConfig = z.infer<typeof cameraPipelineSchema>;

/** The settings of one camera, defaults filled in for cameras not listed. */
export function cameraSettings(cfg: PipelineConfig, cameraId: string): CameraPipelineConfig {
  return cfg.cameras[cameraId] ?? cameraPipelineSchema.parse({});
}

/** The pipeline section's references: per-camera settings name configured cameras. Pure, no I/O. */
export function pipelineReferences(cfg: PipelineConfig, hasCamera: (id: string) => boolean, report: Report): void {
  for (const id of Object.keys(cfg.cameras)) {
    if (!hasCamera(id)) report(['cameras', id], `no camera "${id}": these are settings of a camera that is not configured (remove them with the camera)`);
  }
}
