import { describe, expect, it } from 'vitest';
import { ruleSchema, type Rule } from '../config.ts';
import type { Box, TrackedObject, TrackUpdate } from '../../pipeline/index.ts';
import { createFrameEvaluator, isFrameRule } from './evaluators.ts';
import { RuleLifecycle, type Transition } from './lifecycle.ts';
import { detectGeometry, frameContent } from '../../lib/frame-geometry.ts';

const W = 1000;
const H = 1000;
const T0 = Date.parse('2025-03-03T15:30:00Z'); // Monday 22:30 in Hanoi

/** An object's lastSeenAt meaning "the detector found it on this very frame" (update() fills it in). */
const SEEN_NOW = -1;

function obj(trackId: string, box: Box, over: Partial<TrackedObject> = {}): TrackedObject {
  return { trackId, label: 'person', score: 0.8, medianScore: 0.8, box, confirmed: true, stationary: false, firstSeenAt: T0, lastSeenAt: SEEN_NOW, ...over };
}
/** A person whose feet are at (x, y) in normalised coordinates. */
const at = (x: number, y: number): Box => [x * W - 20, y * H - 100, x * W + 20, y * H];

function update(t: number, objects: TrackedObject[]): TrackUpdate {
  const frameAt = T0 + t;
  return {
    cameraId: 'cam',
    frameAt,
    frameWidth: W,
    frameHeight: H,
    objects: objects.map((o) => (o.lastSeenAt === SEEN_NOW ? { ...o, lastSeenAt: frameAt } : o)),
  };
}

function run(input: Record<string, unknown>, frames: TrackUpdate[]): Transition[] {
  const rule = ruleSchema.parse({ id: 'r', camera: 'cam', ...input }) as Rule;
  if (!isFrameRule(rule)) throw new Error('not a frame rule');
  const ev = createFrameEvaluator(rule);
  const life = new RuleLifecycle(rule, 'Asia/Ho_Chi_Minh');
  const out: Transition[] = [];
  for (const f of frames) {
    const r = ev.process(f);
    out.push(...life.frame(f.frameAt, r.conditions, r.gone));
  }
  return out;
}
const starts = (ts: Transition[]): Transition[] => ts.filter((t) => t.kind === 'start');
const ends = (ts: Transition[]): Transition[] => ts.filter((t) => t.kind === 'end');

const zone = [
  [0.5, 0.5],
  [1, 0.5],
  [1, 1],
  [0.5, 1],
];
/** One person walking right along y = 0.8 from x = 0.1, 0.05 per 200 ms frame. */
function walk(n: number, id = 'a', over: Partial<TrackedObject> = {}): TrackUpdate[] {
  return Array.from({ length: n }, (_, i) => update(i * 200, [obj(id, at(Math.min(0.12 + i * 0.05, 0.95), 0.8), over)]));
}

describe('intrusion', () => {
  it('matches a zone on the camera picture when the frame letterboxes it (the frame carried by the report says where)', () => {
    // A 4:3 camera letterboxed into 640x360: the picture is frame columns 80-560. Feet at frame
    // column 180 stand at picture x 0.21, inside the picture's left quarter (0.28 of the frame).
    const content = frameContent(detectGeometry({ width: 640, height: 360 }, 'letterbox', { width: 768, height: 576 }));
    const leftQuarter = [
      [0, 0],
      [0.25, 0],
      [0.25, 1],
      [0, 1],
    ];
    const frames = Array.from({ length: 10 }, (_, i) => {
      const u = update(i * 200, [obj('a', [170, 200, 190, 300])]);
      return Object.assign({ ...u, frameWidth: 640, frameHeight: 360 }, { frame: { content } });
    });
    expect(starts(run({ type: 'intrusion', zone: leftQuarter }, frames))).toHaveLength(1);
    // Without the content (read as fractions of the frame) the same feet are outside the zone.
    expect(
      starts(
        run(
          { type: 'intrusion', zone: leftQuarter },
          frames.map(({ frame: _, ...u }) => u),
        ),
      ),
    ).toEqual([]);
  });
  it('starts one event at the frame the person enters and ends it when they leave', () => {
    const frames = [...walk(20), update(4000, [])];
    const out = run({ type: 'intrusion', zone }, frames);
    expect(starts(out)).toHaveLength(1);
    // x = 0.12 + i*0.05 is first past 0.5 at i = 8.
    expect(starts(out)[0]!.startAt - T0).toBe(8 * 200);
    expect(ends(out)).toHaveLength(1);
    expect(out.filter((t) => t.kind === 'update').length).toBeGreaterThan(5);
  });
  it('ignores other classes, low scores and unconfirmed tracks', () => {
    expect(run({ type: 'intrusion', zone }, walk(20, 'a', { label: 'car' }))).toEqual([]);
    expect(run({ type: 'intrusion', zone }, walk(20, 'a', { medianScore: 0.3 }))).toEqual([]);
    expect(run({ type: 'intrusion', zone }, walk(20, 'a', { confirmed: false }))).toEqual([]);
    expect(run({ type: 'intrusion', zone, minSize: { height: 0.2 } }, walk(20))).toEqual([]);
  });
  it('raises nothing in a zone nobody enters', () => {
    expect(
      run(
        {
          type: 'intrusion',
          zone: [
            [0, 0],
            [0.2, 0],
            [0.2, 0.2],
          ],
        },
        walk(20),
      ),
    ).toEqual([]);
  });
  it('waits for the minimum duration but dates the event from the entry', () => {
    const out = run({ type: 'intrusion', zone, minDurationSeconds: 1 }, walk(20));
    expect(starts(out)).toHaveLength(1);
    expect(starts(out)[0]!.startAt - T0).toBe(1600);
    expect(starts(out)[0]!.at - T0).toBe(2600);
    const brief = run({ type: 'intrusion', zone, minDurationSeconds: 5 }, walk(20));
    expect(starts(brief)).toHaveLength(0);
  });
  it('does not start events on stationary objects when told to ignore them', () => {
    const parked = Array.from({ length: 10 }, (_, i) => update(i * 200, [obj('car', at(0.7, 0.7), { stationary: true })]));
    expect(starts(run({ type: 'intrusion', zone }, parked))).toHaveLength(1);
    expect(run({ type: 'intrusion', zone, ignoreStationary: true }, parked)).toEqual([]);
  });
  it('treats a track found again where it was lost, and not seen to move, as stationary', () => {
    // A parked car's track is lost (headlights, a passer-by) and found under a new id: the
    // pipeline does not call the new track stationary yet, but it has not moved either.
    const car = (id: string, from: number) =>
      Array.from({ length: 10 }, (_, i) => update(from + i * 200, [obj(id, at(0.7 + (i % 2) * 0.005, 0.7), { label: 'car' })]));
    const rule = { type: 'intrusion', zone, classes: ['car'] };
    expect(starts(run(rule, [...car('c1', 0), ...car('c2', 5000)]))).toHaveLength(2);
    expect(run({ ...rule, ignoreStationary: true }, [...car('c1', 0), ...car('c2', 5000)])).toEqual([]);
    // A passer-by carrying the car's box off for a moment, then the box back on the car: still silent.
    // (The carried box is person-sized, below the rule's minimum size, as on vtest.)
    const carried = [
      ...car('c4', 0),
      ...[0.76, 0.8, 0.84].map((x, i) => update(2000 + i * 200, [obj('c4', [x * W - 5, 600, x * W + 5, 700], { label: 'car' })])),
      ...car('c4', 2600),
    ];
    expect(run({ ...rule, minSize: { width: 0.03 }, ignoreStationary: true }, carried)).toEqual([]);
    // A car that drives in does raise one.
    const driving = Array.from({ length: 10 }, (_, i) => update(i * 200, [obj('c3', at(0.55 + i * 0.03, 0.7), { label: 'car', lastSeenAt: T0 + i * 200 })]));
    expect(starts(run({ ...rule, ignoreStationary: true }, driving))).toHaveLength(1);
  });
  describe("a young track of vtest's parked car at the right edge of the frame (640 x 360)", () => {
    // Boxes of the car as the pipeline reported them (D: the detector's, p: predicted between
    // looks), from a run where its track broke; confirmed from the third look.
    const seq: Array<[number, 'D' | 'p', Box]> = [
      [0, 'D', [601.6, 35.2, 616.1, 58.8]],
      [151, 'p', [600.5, 35.3, 615.0, 59.0]],
      [401, 'D', [610.5, 31.7, 629.4, 59.2]],
      [521, 'p', [611.7, 31.5, 630.6, 59.0]],
      [798, 'p', [614.5, 31.1, 633.5, 58.5]],
      [905, 'D', [611.0, 32.6, 640, 59.9]],
      [1310, 'p', [615.3, 32.6, 644.3, 59.9]],
      [1598, 'p', [618.3, 32.6, 647.4, 59.9]],
      [1699, 'D', [611.2, 32.5, 640, 59.8]],
      [2044, 'p', [613.1, 32.5, 641.9, 59.8]],
      [2311, 'p', [614.5, 32.5, 643.3, 59.8]],
      [2606, 'D', [611.4, 30.8, 640, 61.2]],
    ];
    const frames = (list: typeof seq, id = 'walk:e'): TrackUpdate[] => {
      let seen = T0;
      return list.map(([t, kind, box], i) => {
        if (kind === 'D') seen = T0 + t;
        return {
          cameraId: 'walk',
          frameAt: T0 + t,
          frameWidth: 640,
          frameHeight: 360,
          objects: [obj(id, box, { label: 'car', score: 0.77, medianScore: 0.6, confirmed: i >= 2, lastSeenAt: seen })],
        };
      });
    };
    const parking = [
      [0.78, 0.03],
      [1, 0.03],
      [1, 0.22],
      [0.78, 0.22],
    ];
    const rule = { type: 'intrusion', zone: parking, classes: ['car', 'truck', 'bus'], minScore: 0.3, minSize: { width: 0.04 } };
    it('raises nothing on a rule that ignores stationary objects: a box framed anew is not a move', () => {
      // Part of the car, then all of it against the frame's border: the centre moved 17 px, over
      // half the car's 29 px, but its left edge only 9 px and its right edge is the border.
      expect(starts(run(rule, frames(seq)))).toHaveLength(1);
      expect(run({ ...rule, ignoreStationary: true }, frames(seq))).toEqual([]);
    });
    it('raises nothing on a rule that ignores stationary objects: a predicted box is no sighting', () => {
      // Half of the car, then all of it: the tracker takes the change for speed and moves the box
      // on between looks, past half the car's width; the detector keeps finding it where it was.
      const half: typeof seq = [
        [0, 'D', [611, 32, 624, 60]],
        [200, 'D', [611, 32, 640, 60]],
        [400, 'D', [611, 32, 640, 60]],
        [600, 'p', [615, 32, 644, 60]],
        [800, 'p', [619, 32, 648, 60]],
        [1000, 'p', [623, 32, 652, 60]],
        [1200, 'D', [611, 32, 640, 60]],
      ];
      expect(run({ ...rule, ignoreStationary: true }, frames(half))).toEqual([]);
    });
    it('still raises one for a car that drives in from the border, on its second look', () => {
      // 20 px a look to the left, looks every other frame.
      const xs = [612, 600, 580, 560, 540];
      const driving: typeof seq = xs.flatMap((x, i): typeof seq => [
        [i * 400, 'D', [x, 30, Math.min(640, x + 50), 60]],
        [i * 400 + 200, 'p', [x - 10, 30, Math.min(640, x + 40), 60]],
      ]);
      const out = starts(run({ ...rule, ignoreStationary: true }, frames(driving)));
      expect(out.map((t) => t.startAt - T0)).toEqual([800]);
    });
  });
  it('restarts the minimum duration after a dropout of more than a second', () => {
    const inside = (t: number) => update(t, [obj('a', at(0.7, 0.7))]);
    const away = (t: number) => update(t, [obj('a', at(0.2, 0.2))]);
    const gap = (ms: number) => [
      inside(0),
      inside(200),
      away(400),
      ...Array.from({ length: 20 }, (_, i) => (400 + i * 200 < 400 + ms ? away(400 + i * 200) : inside(400 + i * 200))),
    ];
    expect(starts(run({ type: 'intrusion', zone, minDurationSeconds: 2 }, gap(800)))[0]?.startAt).toBe(T0);
    expect(starts(run({ type: 'intrusion', zone, minDurationSeconds: 2 }, gap(1400)))[0]?.startAt).toBe(T0 + 1800);
  });
  it('takes the best picture from a frame the detector found the person on, not a predicted box', () => {
    // Frames 0..9 in the zone; the detector looked on frames 2 and 6 (lastSeenAt = that frame);
    // the predicted boxes in between score as high, and grow (closer to the camera).
    const frames = Array.from({ length: 10 }, (_, i) => {
      const t = 1000 + i * 200;
      const looked = i === 2 || i === 6;
      const x = 0.6 + i * 0.01;
      return update(t, [obj('a', [x * W - 20 - i * 3, 500, x * W + 20 + i * 3, 800], { lastSeenAt: looked ? T0 + t : T0 + 1000 + (i > 6 ? 6 : 2) * 200 })]);
    });
    const out = run({ type: 'intrusion', zone }, [update(0, [obj('a', at(0.2, 0.8), { lastSeenAt: T0 })]), ...frames, update(3200, [])]);
    expect(ends(out)[0]!.best.at - T0).toBe(1000 + 6 * 200);
  });
  it('opens an event only once the detector has boxed the person in the zone, dated from the entry', () => {
    // The detector last found the walker at x = 0.45 (frame 0, outside); the tracker then
    // predicts the box into the zone on frames 1-4, and the detector finds it there on frame 5.
    const frames = Array.from({ length: 8 }, (_, i) => update(i * 200, [obj('a', at(0.45 + i * 0.05, 0.8), { lastSeenAt: i < 5 ? T0 : SEEN_NOW })]));
    const out = run({ type: 'intrusion', zone }, [...frames, update(4000, [])]);
    expect(starts(out)).toHaveLength(1);
    expect(starts(out)[0]!.at - T0, 'opened on the first detected frame in the zone').toBe(5 * 200);
    expect(starts(out)[0]!.startAt - T0, 'dated from the first frame in the zone').toBe(200);
    expect(starts(out)[0]!.best.detected).toBe(true);
    // A track the detector never boxed inside the zone raises nothing at all.
    const predictedOnly = Array.from({ length: 10 }, (_, i) => update(i * 200, [obj('b', at(0.45 + i * 0.05, 0.8), { lastSeenAt: T0 })]));
    expect(run({ type: 'intrusion', zone }, [...predictedOnly, update(4000, [])])).toEqual([]);
    // Loitering likewise; a line crossing opens on the crossing frame's box, whatever it was.
    const loiter = Array.from({ length: 30 }, (_, i) => update(i * 500, [obj('c', at(0.7, 0.7), { lastSeenAt: T0 })]));
    expect(run({ type: 'loiter', zone, dwellSeconds: 5 }, loiter)).toEqual([]);
  });
  it('keeps quiet outside its schedule', () => {
    expect(run({ type: 'intrusion', zone, schedule: [{ from: '06:00', to: '18:00' }] }, walk(20))).toEqual([]);
    expect(starts(run({ type: 'intrusion', zone, schedule: [{ from: '22:00', to: '05:00' }] }, walk(20)))).toHaveLength(1);
  });
  it('applies the cool-down to the same object re-entering', () => {
    const inside = (t: number) => update(t, [obj('a', at(0.7, 0.7))]);
    const outside = (t: number) => update(t, [obj('a', at(0.2, 0.2))]);
    const frames = [inside(0), outside(4000), inside(8000), outside(12000), inside(40000)];
    expect(starts(run({ type: 'intrusion', zone, coolDownSeconds: 20, endAfterSeconds: 1 }, frames)).map((t) => t.startAt - T0)).toEqual([0, 40000]);
    expect(starts(run({ type: 'intrusion', zone, coolDownSeconds: 0, endAfterSeconds: 1 }, frames))).toHaveLength(3);
  });
});

describe('line crossing', () => {
  const line = [
    [0.5, 0],
    [0.5, 1],
  ];
  it('counts a crossing in the allowed direction only', () => {
    const rightwards = walk(20); // x grows: from the right of A→B (x < 0.5) to its left
    expect(starts(run({ type: 'line', line, direction: 'b-a' }, rightwards))).toHaveLength(1);
    expect(starts(run({ type: 'line', line, direction: 'b-a' }, rightwards))[0]!.condition.data).toEqual({ direction: 'b-a' });
    expect(run({ type: 'line', line, direction: 'a-b' }, rightwards)).toEqual([]);
  });
  it('does not count feet jittering on the line as crossings', () => {
    const jitter = Array.from({ length: 20 }, (_, i) => update(i * 200, [obj('a', at(i % 2 ? 0.505 : 0.495, 0.8))]));
    expect(run({ type: 'line', line, coolDownSeconds: 0, endAfterSeconds: 0 }, jitter)).toEqual([]);
  });
  it('counts a crossing made while the track was unconfirmed once it is confirmed, if not long ago', () => {
    // A person steps out from behind an occluder just before the line and crosses it in the
    // frames the tracker takes to confirm them (three looks; more on a loaded box).
    const xs = [0.44, 0.47, 0.53, 0.56, 0.6, 0.64, 0.68];
    const frames = (confirmedFrom: number) => xs.map((x, i) => update(i * 200, [obj('a', at(x, 0.8), { confirmed: i >= confirmedFrom })]));
    const out = starts(run({ type: 'line', line, coolDownSeconds: 0, endAfterSeconds: 0 }, frames(5)));
    expect(out.map((t) => [t.at - T0, t.condition.data])).toEqual([[1000, { direction: 'b-a', crossedAt: T0 + 600 }]]);
    // The event is dated from the crossing, not from the confirmation: its clip's pre-roll shows it.
    expect(out[0]!.startAt - T0).toBe(600);
    // Never confirmed: never counted; confirmed over 3 s after the crossing: too late to say.
    expect(run({ type: 'line', line }, frames(99))).toEqual([]);
    const late = [...frames(99), ...Array.from({ length: 20 }, (_, i) => update(1400 + i * 200, [obj('a', at(0.7, 0.8), { confirmed: i >= 12 })]))];
    expect(run({ type: 'line', line }, late)).toEqual([]);
  });
  it('does not count a one-frame jump back across the line', () => {
    const xs = [0.4, 0.45, 0.55, 0.6, 0.47, 0.62, 0.66, 0.7];
    const frames = xs.map((x, i) => update(i * 200, [obj('a', at(x, 0.8))]));
    const out = starts(run({ type: 'line', line, coolDownSeconds: 0, endAfterSeconds: 0 }, frames));
    expect(out.map((t) => [t.at - T0, t.condition.data])).toEqual([[600, { direction: 'b-a' }]]);
  });
});

describe('loitering', () => {
  it('starts once the dwell time in the zone is reached', () => {
    const frames = Array.from({ length: 40 }, (_, i) => update(i * 500, [obj('a', at(0.7 + (i % 2) * 0.01, 0.7))]));
    const out = run({ type: 'loiter', zone, dwellSeconds: 10 }, frames);
    expect(starts(out)).toHaveLength(1);
    expect(starts(out)[0]!.startAt - T0).toBe(10_000);
  });
});

describe('crowd', () => {
  it('starts when more than N people stay for T seconds', () => {
    const people = (n: number) => Array.from({ length: n }, (_, k) => obj(`p${k}`, at(0.6 + k * 0.05, 0.7)));
    const frames = [
      ...Array.from({ length: 10 }, (_, i) => update(i * 1000, people(3))),
      ...Array.from({ length: 10 }, (_, i) => update(10_000 + i * 1000, people(6))),
    ];
    const out = run({ type: 'crowd', zone, minCount: 5, forSeconds: 5 }, frames);
    expect(starts(out)).toHaveLength(1);
    expect(starts(out)[0]!.startAt - T0).toBe(10_000);
    expect(starts(out)[0]!.at - T0).toBe(15_000);
    expect(starts(out)[0]!.condition.data).toEqual({ count: 6 });
  });
});

describe('parked vehicle', () => {
  it('starts after the vehicle has stood still for T, not while it moves', () => {
    const moving = Array.from({ length: 10 }, (_, i) => update(i * 1000, [obj('m', at(0.1 + i * 0.08, 0.7), { label: 'motorcycle' })]));
    const still = Array.from({ length: 20 }, (_, i) => update(10_000 + i * 1000, [obj('m', at(0.82, 0.7), { label: 'motorcycle' })]));
    const out = run({ type: 'parked', stationarySeconds: 15 }, [...moving, ...still]);
    expect(starts(out)).toHaveLength(1);
    // It stopped at x = 0.82 on frame 9 (t = 9 s): 15 s later.
    expect(starts(out)[0]!.startAt - T0).toBe(24_000);
  });
  it('raises one event per vehicle across its tracks: lost and found again, relabelled car/truck', () => {
    // Like vtest's van: one track, a few seconds unseen, then a new id labelled truck, then an
    // unconfirmed one; the place keeps its clock and its event.
    const van = (id: string, from: number, n: number, over: Partial<TrackedObject> = {}) =>
      Array.from({ length: n }, (_, i) => update(from + i * 1000, [obj(id, at(0.8 + (i % 2) * 0.01, 0.7), { label: 'car', ...over })]));
    const frames = [...van('v1', 0, 12), ...van('v2', 16_000, 10, { label: 'truck' }), ...van('v3', 26_000, 20, { confirmed: false })];
    const out = run({ type: 'parked', stationarySeconds: 8, endAfterSeconds: 3 }, frames);
    expect(starts(out)).toHaveLength(1);
    expect(starts(out)[0]!.startAt - T0).toBe(8000);
    expect(ends(out)).toEqual([]);
    // Somewhere else, unconfirmed sightings found nothing.
    expect(run({ type: 'parked', stationarySeconds: 8 }, van('u', 0, 20, { confirmed: false }))).toEqual([]);
  });
  it("takes a vehicle the tracker sees standing, scoring under its confirming median, at the rule's own minimum score", () => {
    // vtest's van: detections of 0.41-0.53 (median 0.43) in one place, look after look; the
    // tracker calls its track stationary but never confirms it (median under 0.5). Dated from
    // the first sighting, as a confirmed track's place is.
    const van = Array.from({ length: 14 }, (_, i) =>
      update(i * 1000, [obj('v', at(0.8 + (i % 2) * 0.005, 0.7), { label: 'car', score: 0.43, medianScore: 0.43, confirmed: false, stationary: i >= 3 })]),
    );
    const out = run({ type: 'parked', minScore: 0.3, stationarySeconds: 8 }, van);
    expect(starts(out).map((t) => [t.startAt - T0, t.condition.data])).toEqual([[8000, { stationarySeconds: 8, since: T0 }]]);
    expect(run({ type: 'parked', minScore: 0.5, stationarySeconds: 8 }, van)).toEqual([]);
  });
  it('ends a parked event once no vehicle has been seen at its place for a while', () => {
    const van = Array.from({ length: 12 }, (_, i) => update(i * 1000, [obj('v1', at(0.8, 0.7), { label: 'car' })]));
    const empty = Array.from({ length: 30 }, (_, i) => update(12_000 + i * 1000, []));
    const out = run({ type: 'parked', stationarySeconds: 8, endAfterSeconds: 3 }, [...van, ...empty]);
    expect(starts(out)).toHaveLength(1);
    expect(ends(out)).toHaveLength(1);
    expect(ends(out)[0]!.at - T0).toBe(11_000);
  });
});

describe('parked vehicle places', () => {
  it('takes a half box of the same vehicle, tracked beside the whole one, as the same vehicle', () => {
    const whole: Box = [700, 600, 900, 700];
    const half: Box = [700, 600, 790, 700];
    const frames = Array.from({ length: 20 }, (_, i) => update(i * 1000, [obj('w', whole, { label: 'truck' }), obj('h', half, { label: 'car' })]));
    const out = run({ type: 'parked', stationarySeconds: 8 }, frames);
    expect(starts(out)).toHaveLength(1);
  });
});
