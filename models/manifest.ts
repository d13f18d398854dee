/**
 * Model manifests: what a model is, where it comes from, its licence, the sha256 the hub insists
 * on, and how to feed it and read it. One JSON file per model, `models/<id>.manifest.json`.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const MODELS_DIR = dirname(fileURLToPath(import.meta.url));

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** How to turn RGB bytes into the model's input: (value - mean) / std per model channel (mean and std in `channels` order). */
export const inputSpecSchema = z.strictObject({
  size: z.number().int().min(32).max(4096),
  layout: z.literal('NCHW'),
  channels: z.enum(['RGB', 'BGR']),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  /** Colour of the letterbox bars, RGB 0-255. */
  padColour: z.tuple([z.number(), z.number(), z.number()]),
});
export type InputSpec = z.infer<typeof inputSpecSchema>;

export const nanodetOptionsSchema = z.strictObject({
  strides: z.array(z.number().int().positive()).min(1),
  /** Bins per box side minus one (NanoDet-m: 7, this conversion: 10). */
  regMax: z.number().int().positive(),
  /** Anchor centre = (cell + centreOffset) * stride (NanoDet's GFL head: 0.5). */
  centreOffset: z.number().min(0).max(1),
});
export type NanodetOptions = z.infer<typeof nanodetOptionsSchema>;

export const manifestSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string(),
  licence: z.string(),
  licenceNote: z.string().optional(),
  source: z.strictObject({
    package: z.string(),
    version: z.string(),
    upstream: z.string().url(),
    format: z.literal('tfjs-graph'),
    /** Package-relative path → sha256 of that file. */
    files: z.record(z.string(), sha256),
    /** TF output tensors, in the order the ONNX file lists them. */
    outputs: z.array(z.string()).min(1),
  }),
  /**
   * Present for a model built by quantizing another manifest's conversion (models/quantize/):
   * static int8 QDQ with the activation ranges of a committed calibration file under models/.
   */
  quantize: z
    .strictObject({
      method: z.literal('qdq-int8'),
      /** Id of the fp32 model quantized; its source must be this manifest's. */
      from: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
      calibration: z.string().regex(/^[\w.-]+\.json$/),
    })
    .optional(),
  /** File name of the converted model under models/cache/. */
  file: z.string().regex(/^[\w.-]+\.onnx$/),
  sha256,
  dynamicBatch: z.boolean(),
  /** Largest batch the engine sends in one call. */
  maxBatch: z.number().int().min(1).max(64),
  input: inputSpecSchema,
  family: z.string(),
  nanodet: nanodetOptionsSchema.optional(),
  labels: z.array(z.string().min(1)).min(1),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

export function manifestPath(id: string): string {
  return join(MODELS_DIR, `${id}.manifest.json`);
}

/** Reads and validates `models/<id>.manifest.json`. */
export function loadManifest(id: string): ModelManifest {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new Error(`detect: "${id}" is not a model id`);
  const file = manifestPath(id);
  if (!existsSync(file)) throw new Error(`detect: no model "${id}" (no ${file})`);
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`detect: manifest ${file} is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
