/**
 * The committed calibration file: the activation ranges the int8 build quantizes with, taken once
 * on real frames by calibrate.ts. Reading it is all a build needs, so the int8 model is the same
 * bytes on every machine.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { MODELS_DIR } from '../manifest.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const calibrationSchema = z.strictObject({
  /** The manifest id of the fp32 model the ranges were taken on. */
  model: z.string(),
  /** sha256 of that fp32 model file; a build checks it converts the same graph. */
  fp32Sha256: z.string().regex(/^[0-9a-f]{64}$/),
  method: z.string(),
  /** vtest.avi frame numbers used. */
  frames: z.array(z.number().int().nonnegative()),
  /** Tensor name → [min, max]. */
  ranges: z.record(z.string(), z.tuple([finite, finite])),
});
export type CalibrationFile = z.infer<typeof calibrationSchema>;

/** Reads and validates a calibration file; a relative path is taken under models/ (as a manifest names it). */
export function loadCalibration(file: string): CalibrationFile {
  const path = isAbsolute(file) ? file : join(MODELS_DIR, file);
  const parsed = calibrationSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`models: calibration ${path} is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** JSON with one line per range, so a re-calibration reads as a small diff. */
export function formatCalibration(c: CalibrationFile): string {
  const ranges = Object.entries(c.ranges).map(([k, [lo, hi]]) => `    ${JSON.stringify(k)}: [${lo}, ${hi}]`);
  return [
    '{',
    `  "model": ${JSON.stringify(c.model)},`,
    `  "fp32Sha256": ${JSON.stringify(c.fp32Sha256)},`,
    `  "method": ${JSON.stringify(c.method)},`,
    `  "frames": ${JSON.stringify(c.frames)},`,
    '  "ranges": {',
    ranges.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}
