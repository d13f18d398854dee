/**
 * The original TFJS graph model run by @tensorflow/tfjs on its pure-JS CPU backend, loaded from
 * the package's files (no network). The yardstick for the converter's parity test and the bench.
 */
import { join } from 'node:path';
import type { ModelManifest } from './manifest.ts';
import { packageDir } from './ensure-model.ts';
import { readTfjsGraphModel } from './converter/tfjs-graph.ts';

export interface TfjsReference {
  /** Runs a [N,3,S,S] float32 batch; returns the outputs in the manifest's order, as flat [N, ...] arrays. */
  run(input: Float32Array, batch: number): Promise<Float32Array[]>;
  dispose(): void;
}

export async function loadTfjsReference(m: ModelManifest): Promise<TfjsReference> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  const json = Object.keys(m.source.files).find((f) => f.endsWith('.json'))!;
  const src = readTfjsGraphModel(join(packageDir(m.source.package), json));
  const handler = {
    load: async () => ({
      modelTopology: src.json.modelTopology,
      weightSpecs: src.json.weightsManifest.flatMap((g) => g.weights),
      weightData: src.weightData.slice().buffer,
      format: src.json.format,
      generatedBy: src.json.generatedBy,
      convertedBy: src.json.convertedBy,
      signature: src.json.signature,
    }),
  };
  // The IOHandler type wants tfjs's own ModelArtifacts; the fields above are exactly those.
  const model = await tf.loadGraphModel(handler as unknown as Parameters<typeof tf.loadGraphModel>[0]);
  const size = m.input.size;
  return {
    async run(input, batch) {
      // The TFJS graph's batch axis is fixed at 1: run item by item and concatenate.
      const plane = 3 * size * size;
      const perItem: Float32Array[][] = [];
      for (let k = 0; k < batch; k++) {
        const x = tf.tensor4d(input.subarray(k * plane, (k + 1) * plane), [1, 3, size, size]);
        const outs = model.execute(x, m.source.outputs) as import('@tensorflow/tfjs').Tensor[];
        perItem.push(await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array)));
        tf.dispose([x, ...outs]);
      }
      return m.source.outputs.map((_, o) => {
        const parts = perItem.map((item) => item[o]!);
        const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      });
    },
    dispose: () => model.dispose(),
  };
}
