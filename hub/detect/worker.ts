/**
 * The inference worker thread: owns the onnxruntime session, letterboxes the images into one
 * NCHW batch, runs it, decodes and suppresses. The main thread only posts images and gets
 * detections back, so the event loop never waits on a model.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { letterboxInto, type Letterbox } from './letterbox.ts';
import { bindFamily, type Decoder, type OutputInfo, type OutputTensor } from './families.ts';
import { toDetections } from './postprocess.ts';
import type { Detection, RgbImage } from './types.ts';

const init = (workerData as { init: WorkerInit }).init;
const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

async function createSession(): Promise<{ session: ort.InferenceSession; provider: string; warnings: string[] }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: init.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const wanted = init.providers.filter((p) => p !== 'cpu');
  if (wanted.length > 0) {
    try {
      // Fatal-only logging for the try: a missing provider library is expected here, and reported below.
      const session = await ort.InferenceSession.create(init.spec.path, { ...base, logSeverityLevel: 4, executionProviders: [...wanted, 'cpu'] });
      return { session, provider: wanted.join('+'), warnings: [] };
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      const warning = `execution provider ${wanted.join(', ')} unavailable in this onnxruntime (${why}); using cpu`;
      const session = await ort.InferenceSession.create(init.spec.path, { ...base, executionProviders: ['cpu'] });
      return { session, provider: 'cpu', warnings: [warning] };
    }
  }
  const session = await ort.InferenceSession.create(init.spec.path, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', warnings: [] };
}

function shapeOf(meta: ort.InferenceSession.ValueMetadata): ReadonlyArray<number | string> {
  return meta.isTensor ? meta.shape : [];
}

async function start(): Promise<void> {
  const spec = init.spec;
  let created;
  try {
    created = await createSession();
  } catch (err) {
    post({ type: 'failed', message: `detect: model ${spec.id} cannot be loaded: ${(err as Error).message.split('\n')[0]}` });
    return;
  }
  const { session, provider, warnings } = created;
  const inMeta = session.inputMetadata[0]!;
  const dims = shapeOf(inMeta);
  const [n, c, h, w] = dims;
  const expected = spec.input.size > 0 ? spec.input.size : typeof h === 'number' ? h : 0;
  if (session.inputNames.length !== 1 || dims.length !== 4 || c !== 3 || h !== w || h !== expected || expected <= 0) {
    const want = spec.input.size > 0 ? `[N,3,${spec.input.size},${spec.input.size}]` : '[N,3,S,S] (a square RGB image)';
    post({ type: 'failed', message: `detect: model ${spec.id} input ${inMeta.name} has shape [${dims.join(',')}]; expected ${want}` });
    await session.release();
    return;
  }
  const size = expected;
  const maxBatch = typeof n === 'number' ? Math.min(n, spec.maxBatch) : spec.maxBatch;
  const outputs: OutputInfo[] = session.outputMetadata.map((m) => ({ name: m.name, dims: shapeOf(m) }));
  let decode: Decoder;
  try {
    decode = bindFamily(spec.family, outputs, { inputSize: size, numClasses: spec.classNames.length, centreOffset: spec.centreOffset });
  } catch (err) {
    post({ type: 'failed', message: `${(err as Error).message} (model ${spec.id})` });
    await session.release();
    return;
  }
  const input = { ...spec.input, size };
  const plane = 3 * size * size;
  const inputName = session.inputNames[0]!;
  const fixedBatch = typeof n === 'number' ? n : undefined;

  const runBatch = async (data: Float32Array, batch: number): Promise<ort.InferenceSession.ReturnType> => {
    const b = fixedBatch ?? batch;
    const buf =
      b === batch
        ? data
        : (() => {
            const padded = new Float32Array(b * plane);
            padded.set(data);
            return padded;
          })();
    return session.run({ [inputName]: new ort.Tensor('float32', buf, [b, 3, size, size]) });
  };

  // Warm-up at creation, so the first real frame does not pay for the allocator and the kernels.
  await runBatch(new Float32Array(plane), 1);

  const detect = async (images: RgbImage[], minScore: number, classIds: number[] | null): Promise<Detection[][]> => {
    const classes = classIds ? new Set(classIds) : null;
    const results: Detection[][] = [];
    for (let at = 0; at < images.length; at += maxBatch) {
      const chunk = images.slice(at, at + maxBatch);
      const data = new Float32Array(chunk.length * plane);
      const boxes: Letterbox[] = chunk.map((img, k) => letterboxInto(img, input, data, k * plane));
      const out = await runBatch(data, chunk.length);
      const tensors: Record<string, OutputTensor> = {};
      for (const [name, t] of Object.entries(out)) tensors[name] = { data: t.data as Float32Array, dims: t.dims };
      chunk.forEach((img, k) => {
        const cands = decode(tensors, k, { minScore, classes });
        results.push(toDetections(cands, boxes[k]!, { iouThreshold: init.iouThreshold, labels: spec.classNames, srcWidth: img.width, srcHeight: img.height }));
      });
      for (const t of Object.values(out)) t.dispose();
    }
    return results;
  };

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      void session.release().finally(() => port.close());
      return;
    }
    if (msg.type === 'detect') {
      detect(msg.images, msg.minScore, msg.classIds).then(
        (detections) => post({ type: 'result', id: msg.id, detections }),
        (err: Error) => post({ type: 'error', id: msg.id, message: err.message }),
      );
      return;
    }
    runBatch(msg.input, msg.batch).then(
      (out) => {
        const outputs = session.outputNames.map((name) => {
          const t = out[name]!;
          return { name, dims: [...t.dims], data: t.data as Float32Array };
        });
        post({ type: 'raw-result', id: msg.id, outputs });
      },
      (err: Error) => post({ type: 'error', id: msg.id, message: `detect: inference failed: ${err.message}` }),
    );
  });
  post({ type: 'ready', inputSize: size, maxBatch, provider, warnings });
}

void start().catch((err: Error) => post({ type: 'failed', message: `detect: worker failed: ${err.message}` }));
