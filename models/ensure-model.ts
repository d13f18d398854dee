/**
 * `ensureModel(id)`: the converted .onnx file of a manifest's model, generated on first use from
 * the npm package by the project's own converter and cached under models/cache/. A file whose
 * sha256 is not the manifest's is refused, never used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadManifest, MODELS_DIR, type ModelManifest } from './manifest.ts';
import { readTfjsGraphModel } from './converter/tfjs-graph.ts';
import { convertTfjsToOnnx } from './converter/tfjs-to-onnx.ts';
import { encodeModel, type OnnxModel } from './converter/onnx-proto.ts';
import { quantizeModel } from './quantize/qdq.ts';
import { loadCalibration } from './quantize/calibration.ts';

export const MODEL_CACHE_DIR = join(MODELS_DIR, 'cache');

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The folder of an installed npm package. */
export function packageDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`${pkg}/package.json`));
}

/** Checks the source files against the manifest, then converts them to an ONNX model (not yet encoded). */
export function convertSourceModel(m: ModelManifest): OnnxModel {
  const root = packageDir(m.source.package);
  for (const [rel, want] of Object.entries(m.source.files)) {
    const got = sha256Of(readFileSync(join(root, rel)));
    if (got !== want) throw new Error(`detect: source ${m.source.package}/${rel} sha256 mismatch: expected ${want}, got ${got}`);
  }
  const json = Object.keys(m.source.files).find((f) => f.endsWith('.json'));
  if (!json) throw new Error(`detect: manifest ${m.id} names no model.json among its source files`);
  const tfjs = readTfjsGraphModel(join(root, json));
  const onnx = convertTfjsToOnnx(tfjs, m.source.outputs, {
    dynamicBatch: m.dynamicBatch,
    producerVersion: '1',
    docString: `${m.title}. Converted from ${m.source.package}@${m.source.version}/${json}. Licence ${m.licence}.`,
  });
  return onnx;
}

/**
 * Checks the source files against the manifest, then converts them to ONNX bytes; for a
 * quantized model, converts the fp32 model it names and quantizes it with the committed ranges.
 */
export function convertFromSource(m: ModelManifest): Uint8Array {
  if (!m.quantize) return encodeModel(convertSourceModel(m));
  const base = loadManifest(m.quantize.from);
  if (JSON.stringify(base.source) !== JSON.stringify(m.source) || base.dynamicBatch !== m.dynamicBatch) {
    throw new Error(`detect: manifest ${m.id} quantizes ${base.id} but names another source`);
  }
  const calibration = loadCalibration(m.quantize.calibration);
  const fp32 = convertSourceModel(base);
  const fp32Sha = sha256Of(encodeModel(fp32));
  if (calibration.model !== base.id || calibration.fp32Sha256 !== fp32Sha) {
    throw new Error(`detect: calibration ${m.quantize.calibration} was taken on ${calibration.model} ${calibration.fp32Sha256}, not on ${base.id} ${fp32Sha}`);
  }
  const doc = `${m.title}. ${base.title} converted from ${m.source.package}@${m.source.version}, quantized (${m.quantize.method}, ranges from ${m.quantize.calibration}). Licence ${m.licence}.`;
  return encodeModel(quantizeModel(fp32, calibration.ranges, doc));
}

export interface EnsuredModel {
  manifest: ModelManifest;
  path: string;
}

/** Verifies a model file against the sha256 the manifest pins. */
export function verifyModelFile(path: string, expected: string, modelId: string): void {
  const got = sha256Of(readFileSync(path));
  if (got !== expected) {
    throw new Error(`detect: model ${modelId} sha256 mismatch: expected ${expected}, got ${got} (${path}); delete it to regenerate it from the package`);
  }
}

/** Returns the verified converted model, converting and caching it on first use. */
export function ensureModel(id: string, cacheDir = MODEL_CACHE_DIR): EnsuredModel {
  const manifest = loadManifest(id);
  const path = join(cacheDir, manifest.file);
  if (!existsSync(path)) {
    const bytes = convertFromSource(manifest);
    const got = sha256Of(bytes);
    if (got !== manifest.sha256) {
      throw new Error(`detect: model ${id} sha256 mismatch: expected ${manifest.sha256}, got ${got} (the converter or the package changed; file not cached)`);
    }
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  }
  verifyModelFile(path, manifest.sha256, id);
  return { manifest, path };
}
