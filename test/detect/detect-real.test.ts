/** The hub's detector, as configured by default, on real footage and photos. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createOnnxEngine, type OnnxEngine } from '../../hub/detect/engine.ts';
import { detectSchema } from '../../hub/detect/config.ts';
import { iou } from '../../hub/detect/nms.ts';
import { fixtures } from '../../tools/fixtures.ts';
import { readRgb, vtestFrame } from '../../tools/images.ts';

type Box = [number, number, number, number];
interface Annotated {
  frame: number;
  people: Box[];
  vehicles: Array<{ what: string; box: Box }>;
}
const annotations = JSON.parse(readFileSync(new URL('./fixtures/vtest-people.json', import.meta.url), 'utf8')) as { frames: Annotated[] };

let engine: OnnxEngine;
beforeAll(async () => {
  engine = await createOnnxEngine(detectSchema.parse({ threads: 1 }));
});
afterAll(() => engine?.close());

describe('detector on vtest.avi frames (hand-annotated)', () => {
  it('finds at least 80% of the people in each frame at IoU >= 0.5, and the parked van and car', async () => {
    const frames = annotations.frames.map((a) => vtestFrame(a.frame));
    const results = await engine.detect(frames); // one call: the frames go through as one batch
    expect(results).toHaveLength(frames.length);
    annotations.frames.forEach((a, k) => {
      const dets = results[k]!;
      const people = dets.filter((d) => d.label === 'person');
      const found = a.people.filter((gt) => people.some((d) => iou(gt, d.box) >= 0.5));
      expect(found.length / a.people.length, `frame ${a.frame}: ${found.length}/${a.people.length} people`).toBeGreaterThanOrEqual(0.8);
      for (const v of a.vehicles) {
        const hit = dets.some((d) => ['car', 'truck', 'bus'].includes(d.label) && iou(v.box, d.box) >= 0.5);
        expect(hit, `frame ${a.frame}: ${v.what}`).toBe(true);
      }
    });
  });

  it('gives the same boxes for a frame alone as inside a batch', async () => {
    const [alone] = await engine.detect([vtestFrame(400)]);
    const [, inBatch] = await engine.detect([vtestFrame(150), vtestFrame(400)]);
    expect(inBatch!.map((d) => d.label)).toEqual(alone!.map((d) => d.label));
    inBatch!.forEach((d, i) => d.box.forEach((v, j) => expect(v).toBeCloseTo(alone![i]!.box[j]!, 0)));
  });
});

describe('detector on photos', () => {
  it('finds the motorcycle in motorcycle_right.png', async () => {
    const img = await readRgb(fixtures.motorcycle);
    const [dets] = await engine.detect([img]);
    const moto = dets!.find((d) => d.label === 'motorcycle');
    expect(moto).toBeDefined();
    // The bike fills most of the picture.
    const [x1, y1, x2, y2] = moto!.box;
    expect((x2 - x1) * (y2 - y1)).toBeGreaterThan(0.4 * img.width * img.height);
  });

  it('finds no person above the threshold in coffee.png and chelsea.png', async () => {
    const results = await engine.detect([await readRgb(fixtures.coffee), await readRgb(fixtures.chelsea)], { labels: ['person'] });
    expect(results).toEqual([[], []]);
  });
});
