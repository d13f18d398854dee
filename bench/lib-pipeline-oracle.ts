/**
 * A stand-in detector for the pipeline's tests and benchmark while no real model runs here.
 * Its "detections" are the people of real footage found by background subtraction against the
 * clip's per-pixel median (a far better background than a live detector gets), returned only for
 * the part of the frame each crop shows, in the crop's pixels, and only when big enough at the
 * crop's scale — so gating, cropping, batching and tracking are exercised as with a model.
 * Its cost per image is burned on CPU in a worker thread (like onnxruntime's worker).
 * Never used by the hub itself.
 */
import { Worker } from 'node:worker_threads';
import type { Frame } from '../hub/lib/frame.ts';
import type { Detection, InferenceEngine, RgbImage } from '../hub/detect/types.ts';
import type { Box } from '../hub/pipeline/types.ts';
import { blobBoxes } from '../hub/pipeline/motion.ts';
import { downscale } from '../hub/pipeline/grey.ts';
import { coverage } from '../hub/pipeline/geometry.ts';

/** Per-pixel median of the luma planes (the empty scene when people keep moving). */
export function medianBackground(lumas: readonly Uint8Array[]): Uint8Array {
  const n = lumas[0]!.length;
  const out = new Uint8Array(n);
  const col = new Uint8Array(lumas.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < lumas.length; k++) col[k] = lumas[k]![i]!;
    col.sort();
    out[i] = col[col.length >> 1]!;
  }
  return out;
}

/** Person-like blobs of a frame against a background: the stand-in's truth. */
export function foregroundBoxes(luma: Uint8Array, bg: Uint8Array, width: number, height: number): Box[] {
  const f = 4;
  const a = downscale(luma, width, height, f);
  const b = downscale(bg, width, height, f);
  const bits = new Uint8Array(a.data.length);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.abs(a.data[i]! - b.data[i]!) > 28 ? 1 : 0;
  return blobBoxes(bits, a.width, a.height, 6, f, width, height).filter((bx) => {
    const w = bx[2] - bx[0];
    const h = bx[3] - bx[1];
    return h >= 24 && h >= 0.8 * w; // upright: people, not shadows or lighting patches
  });
}

const BURN_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, ms }) => {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  parentPort.postMessage({ id });
});`;

export interface OracleOptions {
  /** The empty scene per camera (luma), for the truth. */
  background: (cameraId: string) => Uint8Array | undefined;
  /** CPU ms one model-sized image costs; 0 for none. */
  msPerImage: number;
  /** Batched images cost this fraction each (batching amortises per-call overhead). */
  batchDiscount?: number;
  inputSize?: number;
  maxBatch?: number;
  /** Smallest object height, in model pixels, the stand-in still "sees". */
  minModelPixels?: number;
}

export class OracleEngine implements InferenceEngine {
  readonly modelId = 'stand-in:median-background';
  readonly inputSize: number;
  readonly maxBatch: number;
  private readonly where = new WeakMap<Uint8Array, { frame: Frame; region: Box }>();
  private readonly truth = new WeakMap<Frame, Box[]>();
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  images = 0;
  calls = 0;

  constructor(private readonly opts: OracleOptions) {
    this.inputSize = opts.inputSize ?? 416;
    this.maxBatch = opts.maxBatch ?? 8;
    if (opts.msPerImage > 0) {
      this.worker = new Worker(BURN_WORKER, { eval: true });
      this.worker.on('message', ({ id }: { id: number }) => {
        this.waiting.get(id)?.();
        this.waiting.delete(id);
      });
    }
  }

  /** The Pipeline's onCrop hook: tells the stand-in where each crop came from. */
  readonly onCrop = (image: RgbImage, frame: Frame, region: Box): void => {
    this.where.set(image.data, { frame, region });
  };

  /** The truth of a frame (cached). */
  truthOf(frame: Frame): Box[] {
    let t = this.truth.get(frame);
    if (!t) {
      const bg = this.opts.background(frame.cameraId);
      t = bg ? foregroundBoxes(frame.data.subarray(0, frame.width * frame.height), bg, frame.width, frame.height) : [];
      this.truth.set(frame, t);
    }
    return t;
  }

  async detect(images: RgbImage[]): Promise<Detection[][]> {
    this.calls++;
    this.images += images.length;
    if (this.worker) {
      const ms = this.opts.msPerImage * (images.length === 1 ? 1 : 1 + (images.length - 1) * (this.opts.batchDiscount ?? 0.85));
      const id = this.nextId++;
      await new Promise<void>((ok) => {
        this.waiting.set(id, ok);
        this.worker!.postMessage({ id, ms });
      });
    }
    return images.map((img) => {
      const w = this.where.get(img.data);
      if (!w) return [];
      const { frame, region } = w;
      const s = this.inputSize / (region[2] - region[0]);
      const minPx = this.opts.minModelPixels ?? 16;
      return this.truthOf(frame)
        .filter((b) => coverage(b, region) > 0.6 && (b[3] - b[1]) * s >= minPx)
        .map((b) => ({
          label: 'person',
          classId: 0,
          score: 0.75,
          box: [
            Math.max(0, (b[0] - region[0]) * s),
            Math.max(0, (b[1] - region[1]) * s),
            Math.min(this.inputSize, (b[2] - region[0]) * s),
            Math.min(this.inputSize, (b[3] - region[1]) * s),
          ] as [number, number, number, number],
        }));
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}
