import { z } from 'zod';

/** Labels the commune cares about first. */
export const DEFAULT_LABELS = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'] as const;

/** The score threshold the hub, the pipeline and `npm run detect` use unless told otherwise. */
export const DEFAULT_SCORE_THRESHOLD = 0.4;

/**
 * Configuration of the detect subsystem. Every field has a default, so `{}` is valid. Model
 * problems (missing file, bad hash, unknown family) are found when the model loads, not here:
 * they are logged and the hub runs on without detection.
 */
export const detectSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ title: 'Detection on', description: 'Off: cameras record, nothing is detected. Needs a restart.' }),
    model: z
      .string()
      .min(1)
      .default('nanodet-int8')
      .meta({
        title: 'Model',
        description:
          'A model id from models/ (its manifest pins the sha256), or a path to an .onnx file. nanodet-int8 (default): NanoDet-m quantized to int8, ' +
          'about 2.3x faster on CPU; checked at each start against its float original on a reference frame, and replaced by it if they disagree. ' +
          'nanodet: the same model in float32, slower, no check needed. Needs a restart.',
      }),
    family: z.string().optional().meta({
      title: 'Model family',
      description: 'How to read the outputs: nanodet-gfl or yolo (Ultralytics v8/11). Required for a model file; a manifest says it for an id.',
    }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .meta({ title: 'Model file sha256', description: 'For a model file: refuse it unless its sha256 is this.' }),
    classNames: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({ title: 'Class names', description: "A model file's class names in output order (default: COCO's 80)." }),
    threads: z.number().int().min(1).max(64).default(2).meta({ title: 'Intra-op threads', description: 'CPU threads one inference uses. Needs a restart.' }),
    providers: z
      .array(z.enum(['cpu', 'cuda', 'tensorrt']))
      .min(1)
      .default(() => ['cpu' as const])
      .meta({ title: 'Execution providers', description: 'In order of preference; unavailable ones fall back to cpu with a warning. Needs a restart.' }),
    maxBatch: z.number().int().min(1).max(64).optional().meta({ title: 'Largest batch', description: "Images per inference call (default: the manifest's)." }),
    scoreThreshold: z.number().min(0).max(1).default(DEFAULT_SCORE_THRESHOLD).meta({ title: 'Score threshold' }),
    iouThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .meta({ title: 'NMS IoU threshold', description: 'Boxes of one class overlapping more than this are merged.' }),
    labels: z
      .array(z.string().min(1))
      .min(1)
      .default(() => [...DEFAULT_LABELS])
      .meta({ title: 'Labels', description: 'Only these classes are reported.' }),
  })
  .meta({ title: 'detect' });

export type DetectConfig = z.infer<typeof detectSchema>;
