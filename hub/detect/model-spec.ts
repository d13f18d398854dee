/**
 * Resolves the config's `model` (a manifest id or an .onnx path) to what the inference worker
 * needs, checking what can be checked before any thread starts: the file exists, its sha256,
 * the family is known.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ensureModel, sha256Of } from '../../models/ensure-model.ts';
import { loadManifest } from '../../models/manifest.ts';
import type { DetectConfig } from './config.ts';
import { isFamily, FAMILIES } from './families.ts';
import type { LetterboxSpec } from './letterbox.ts';

/** Everything the worker needs to load and run a model; plain data, posted to the thread. */
export interface ModelSpec {
  id: string;
  path: string;
  family: string;
  classNames: string[];
  /** size 0: take it from the model's input shape. */
  input: LetterboxSpec;
  maxBatch: number;
  /** False when the model's batch axis is fixed. */
  dynamicBatch: boolean;
  centreOffset?: number;
  /** For a quantized manifest model: the id of its float original (the manifest's quantize.from). */
  quantizedFrom?: string;
}

/** Same input spec as the hub's manifests use for models brought as plain files: RGB / 255. */
const FILE_MODEL_INPUT: Record<string, Omit<LetterboxSpec, 'size'>> = {
  yolo: { channels: 'RGB', mean: [0, 0, 0], std: [255, 255, 255], padColour: [114, 114, 114] },
  'nanodet-gfl': { channels: 'RGB', mean: [0, 0, 0], std: [255, 255, 255], padColour: [0, 0, 0] },
};

export function looksLikePath(model: string): boolean {
  return model.includes('/') || model.includes('\\') || model.endsWith('.onnx');
}

export function resolveModelSpec(cfg: Pick<DetectConfig, 'model' | 'family' | 'sha256' | 'classNames' | 'maxBatch'>): ModelSpec {
  if (!looksLikePath(cfg.model)) {
    const manifest = loadManifest(cfg.model);
    const family = cfg.family ?? manifest.family;
    if (!isFamily(family)) throw new Error(`detect: unknown model family "${family}" for model ${manifest.id} (known: ${Object.keys(FAMILIES).join(', ')})`);
    const { path } = ensureModel(cfg.model);
    return {
      id: manifest.id,
      path,
      family,
      classNames: manifest.labels,
      input: manifest.input,
      maxBatch: manifest.dynamicBatch ? (cfg.maxBatch ?? manifest.maxBatch) : 1,
      dynamicBatch: manifest.dynamicBatch,
      centreOffset: manifest.nanodet?.centreOffset,
      ...(manifest.quantize ? { quantizedFrom: manifest.quantize.from } : {}),
    };
  }
  const path = resolve(cfg.model);
  if (!existsSync(path)) throw new Error(`detect: model file ${path} not found`);
  if (!cfg.family) throw new Error(`detect: model file ${path} needs detect.family (${Object.keys(FAMILIES).join(' or ')})`);
  if (!isFamily(cfg.family)) throw new Error(`detect: unknown model family "${cfg.family}" for ${path} (known: ${Object.keys(FAMILIES).join(', ')})`);
  if (cfg.sha256) {
    const got = sha256Of(readFileSync(path));
    if (got !== cfg.sha256) throw new Error(`detect: model ${path} sha256 mismatch: expected ${cfg.sha256}, got ${got}`);
  }
  return {
    id: path,
    path,
    family: cfg.family,
    classNames: cfg.classNames ?? loadManifest('nanodet').labels, // COCO's 80, as every stock export
    input: { size: 0, ...FILE_MODEL_INPUT[cfg.family]! },
    maxBatch: cfg.maxBatch ?? 8,
    dynamicBatch: true, // confirmed or corrected by the worker from the input shape
  };
}
