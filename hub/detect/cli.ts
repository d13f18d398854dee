/**
 * `npm run detect -- <image...> [--json] [--out DIR]`: runs the hub's detector, with the hub's
 * default threshold and labels, on image files. With --json, stdout carries exactly one JSON array
 * and everything else goes to stderr.
 */
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { detectSchema } from './config.ts';
import { createOnnxEngine } from './engine.ts';
import type { Detection } from './types.ts';

const USAGE = `usage: npm run --silent detect -- <image...> [--json] [--out DIR] [--model ID|PATH] [--family F] [--min-score S] [--labels a,b]
  (--silent keeps npm's "> script" banner off stdout, so --json output parses as is)`;

interface FileResult {
  file: string;
  detections: Array<Pick<Detection, 'label' | 'score' | 'box'>>;
}

/** An SVG layer with the boxes and labels, drawn over the image by sharp. */
function overlay(width: number, height: number, dets: Detection[]): Buffer {
  const esc = (s: string): string => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(12, Math.round(Math.min(width, height) / 40));
  const shapes = dets.map((d) => {
    const [x1, y1, x2, y2] = d.box;
    return (
      `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="#ff2d55" stroke-width="${stroke}"/>` +
      `<text x="${x1 + 2}" y="${Math.max(font, y1 - 3)}" fill="#ff2d55" font-family="sans-serif" font-size="${font}">${esc(`${d.label} ${d.score.toFixed(2)}`)}</text>`
    );
  });
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`);
}

export async function runDetectCli(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        out: { type: 'string' },
        model: { type: 'string' },
        family: { type: 'string' },
        'min-score': { type: 'string' },
        labels: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`detect: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const minScore = values['min-score'] === undefined ? undefined : Number(values['min-score']);
  const cfgResult = detectSchema.safeParse({
    ...(values.model ? { model: values.model } : {}),
    ...(values.family ? { family: values.family } : {}),
    ...(minScore !== undefined ? { scoreThreshold: minScore } : {}),
    ...(values.labels
      ? {
          labels: values.labels
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
  });
  if (!cfgResult.success) {
    process.stderr.write(`detect: bad option: ${cfgResult.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    return 2;
  }
  const cfg = cfgResult.data;
  let engine;
  try {
    engine = await createOnnxEngine(cfg);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  for (const w of engine.warnings) process.stderr.write(`detect: ${w}\n`);
  const outDir = values.out ? resolve(values.out) : undefined;
  if (outDir) mkdirSync(outDir, { recursive: true });
  const results: FileResult[] = [];
  let failed = 0;
  try {
    for (const file of positionals) {
      let img;
      try {
        img = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      } catch (err) {
        process.stderr.write(`detect: cannot read ${file}: ${(err as Error).message}\n`);
        failed++;
        continue;
      }
      const [dets = []] = await engine.detect([{ width: img.info.width, height: img.info.height, data: img.data }]);
      results.push({ file, detections: dets.map((d) => ({ label: d.label, score: d.score, box: d.box })) });
      if (!values.json) {
        process.stdout.write(`${file}: ${dets.length} detection${dets.length === 1 ? '' : 's'}\n`);
        for (const d of dets) process.stdout.write(`  ${d.label.padEnd(12)} ${d.score.toFixed(3)}  [${d.box.map((v) => Math.round(v)).join(', ')}]\n`);
      }
      if (outDir) {
        const dest = join(outDir, `${basename(file, extname(file))}.detect.jpg`);
        await sharp(img.data, { raw: { width: img.info.width, height: img.info.height, channels: 3 } })
          .composite([{ input: overlay(img.info.width, img.info.height, dets) }])
          .jpeg({ quality: 88 })
          .toFile(dest);
        process.stderr.write(`detect: wrote ${dest}\n`);
      }
    }
  } finally {
    await engine.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  return failed > 0 ? 1 : 0;
}
