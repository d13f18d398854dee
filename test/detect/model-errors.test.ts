/**
 * A model that cannot be used gives one clear error, and the detect module lets the hub run on
 * without detection (recording never depends on it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectModule } from '../../hub/detect/module.ts';
import { detectSchema, type DetectConfig } from '../../hub/detect/config.ts';
import { createLogger } from '../../hub/core/log.ts';
import type { HubContext } from '../../hub/context.ts';
import { encodeModel, DataType } from '../../models/converter/onnx-proto.ts';
import { ensureModel } from '../../models/ensure-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'detect-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the module with this detect config; returns its log lines and what it offered. */
async function startWith(detect: Partial<DetectConfig>) {
  const lines: string[] = [];
  const log = createLogger('hub', (l) => lines.push(l));
  const cfg = { detect: detectSchema.parse({ threads: 1, ...detect }) };
  const ctx = { log, config: { get: () => cfg }, api: { route() {} }, services: {} } as unknown as HubContext;
  const running = await detectModule.start(ctx);
  await running.stop();
  return { errors: lines.filter((l) => / ERROR /.test(l)), lines, detector: ctx.services.detector };
}

/** A valid ONNX file whose input is not a square 3-channel image. */
function wrongShapeModel(): string {
  const path = join(dir, 'wrong-shape.onnx');
  writeFileSync(
    path,
    encodeModel({
      irVersion: 8,
      opsetVersion: 18,
      producerName: 'test',
      producerVersion: '1',
      graph: {
        name: 'g',
        nodes: [{ name: 'id', opType: 'Identity', inputs: ['images'], outputs: ['output0'] }],
        initializers: [],
        inputs: [{ name: 'images', elemType: DataType.FLOAT, dims: [1, 3, 100, 50] }],
        outputs: [{ name: 'output0', elemType: DataType.FLOAT, dims: [1, 3, 100, 50] }],
      },
    }),
  );
  return path;
}

describe('detect module with a model it cannot use', () => {
  it('a missing model file: one error naming the path', async () => {
    const r = await startWith({ model: join(dir, 'nope.onnx'), family: 'yolo' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/hub\/detect: detect: model file .*nope\.onnx not found; the hub runs on without detection/);
    expect(r.detector).toBeUndefined();
  });

  it('a corrupt file: one error saying it cannot be loaded', async () => {
    const path = join(dir, 'corrupt.onnx');
    writeFileSync(path, Buffer.from('this is not a protobuf model, just text pretending to be one'));
    const r = await startWith({ model: path, family: 'yolo' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/detect: model .*corrupt\.onnx cannot be loaded: /);
  });

  it('a wrong input shape: one error with the shape found and the shape wanted', async () => {
    const r = await startWith({ model: wrongShapeModel(), family: 'yolo' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/detect: model .*wrong-shape\.onnx input images has shape \[1,3,100,50\]; expected \[N,3,S,S\]/);
  });

  it('an unknown family: one error listing the known ones', async () => {
    const { path } = ensureModel('nanodet');
    const r = await startWith({ model: path, family: 'ssd-mobilenet' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/detect: unknown model family "ssd-mobilenet" for .* \(known: nanodet-gfl, yolo\)/);
  });

  it('a family whose outputs do not fit the model: one error naming the outputs', async () => {
    const { path } = ensureModel('nanodet');
    const r = await startWith({ model: path, family: 'yolo' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/detect: no output of Identity\[,2704,80\].* has the YOLO layout/);
  });

  it('a file that is not the one its sha256 pins: refused', async () => {
    const { path } = ensureModel('nanodet');
    const r = await startWith({ model: path, family: 'nanodet-gfl', sha256: '0'.repeat(64) });
    expect(r.errors[0]).toMatch(/detect: model .* sha256 mismatch: expected 0{64}, got [0-9a-f]{64}/);
  });

  it('the default model loads and is offered as the detector, then closed on stop', async () => {
    const lines: string[] = [];
    const ctx = {
      log: createLogger('hub', (l) => lines.push(l)),
      config: { get: () => ({ detect: detectSchema.parse({ threads: 1 }) }) },
      api: { route() {} },
      services: {},
    } as unknown as HubContext;
    const running = await detectModule.start(ctx);
    expect(ctx.services.detector?.modelId).toBe('nanodet-int8');
    expect(ctx.services.detector?.maxBatch).toBe(8);
    const engine = ctx.services.detector!;
    await running.stop();
    expect(ctx.services.detector).toBeUndefined();
    await expect(engine.detect([{ width: 2, height: 2, data: new Uint8Array(12) }])).rejects.toThrow(/^detect: engine is closed/);
    expect(lines.filter((l) => / ERROR /.test(l))).toEqual([]);
  });
});

describe('execution providers', () => {
  it('falls back to cpu with a warning when cuda is not in this onnxruntime', async () => {
    const r = await startWith({ providers: ['cuda', 'cpu'] });
    expect(r.errors).toEqual([]);
    const warn = r.lines.filter((l) => / WARN /.test(l));
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatch(/execution provider cuda unavailable in this onnxruntime .*; using cpu/);
  });
});
