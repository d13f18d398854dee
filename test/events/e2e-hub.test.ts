/**
 * Security events end to end: a whole hub (cameras over RTSP from GStreamer's server, recording,
 * the NanoDet detector, the pipeline, events, devices on the Modbus simulator over TCP) on real
 * footage (vtest: people on a walkway, a van and a car parked at the top right). Truth comes from
 * background subtraction on the same detect frames, not from the detector; crowd, loitering and
 * parked expectations come from the pipeline's own per-frame reports (DetectorLog). One hub run
 * serves every rule type, to keep the suite short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixtures } from '../../tools/fixtures.ts';
import { startRtspServer, type RtspServer } from '../../tools/rtsp-server.ts';
import { ffprobeDuration, startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import { cameraTestHooks } from '../../hub/cameras/module.ts';
import { decodeFrames } from '../../bench/lib-pipeline-frames.ts';
import { medianBackground } from '../../bench/lib-pipeline-oracle.ts';
import { localTime } from '../../hub/events/rules/schedule.ts';
import type { SecurityEvent } from '../../hub/events/store.ts';
import { TruthTracker } from '../../bench/lib-vtest-truth.ts';
import { DetectorLog } from './detector-log.ts';
import { PumpStationSimulator } from '../../hub/devices/sim/simulator.ts';
import { UNITS } from '../../hub/devices/sim/station-model.ts';
import { anchor, centre } from '../../hub/events/rules/geometry.ts';

/** The cameras' detect box. */
const BOX = { width: 640, height: 360 };
/** vtest's 4:3 picture fitted into the box, keeping its shape (detect.fit 'scale'): the frames' size. */
const DW = 480;
const DH = 360;
type P = [number, number];
const WALKWAY: P[] = [
  [0.45, 0.38],
  [0.95, 0.38],
  [0.95, 0.75],
  [0.45, 0.75],
];
/** Grass between the path and the tripod: nobody walks there in the clip's first 35 s. Its top
 *  edge is kept below where detected feet have reached: a walker at the far left stood at y 0.60,
 *  and a walker near x 0.33 had a box bottom at 0.672 in one run (a tall box; the truth's foot
 *  point is above 0.66), so box jitter cannot reach it. */
const GRASS: P[] = [
  [0.05, 0.7],
  [0.35, 0.7],
  [0.35, 0.8],
  [0.05, 0.8],
];
/** Across the walkway right of the lamp post (which hides people and splits their boxes). */
const LINE: [P, P] = [
  [0.75, 0.35],
  [0.75, 0.8],
];
const PRE = 2;
const POST = 2;
/** Top right, where vtest's van and car stand the whole clip. */
const PARKING: P[] = [
  [0.78, 0.03],
  [1, 0.03],
  [1, 0.22],
  [0.78, 0.22],
];
const VEHICLES = ['car', 'truck', 'bus'];
const PARKED_S = 8;
/** vtest opens with five to seven people on the walkway, then two or three: "more than 3 for 2 s". */
const CROWD_N = 3;
const CROWD_S = 2;
const DWELL_S = 8;
/** The siren: relay1 (coil 0) of the simulator's relay module, on for SIREN_S after an alert. */
const SIREN = { device: 'io', output: 'relay1', seconds: 2 };
const SIREN_COIL = 0;

let rtsp: RtspServer;
let t: TestHub;
let truth: TruthTracker;
let background: Uint8Array;
let killedAt = 0;
let restartedAt = 0;
let sim: PumpStationSimulator;
/** vtest's own size, which the recording keeps. */
const SOURCE_SIZE = execFileSync('ffprobe', [
  '-v',
  'error',
  '-select_streams',
  'v:0',
  '-show_entries',
  'stream=width,height',
  '-of',
  'csv=p=0',
  fixtures.vtestH264,
])
  .toString()
  .trim()
  .split(',')
  .map(Number);
const detector = new DetectorLog();
/** Coil transitions read from the simulator's own register image, and when alerts were raised. */
const coil: Array<{ at: number; on: boolean }> = [];
const raised: Array<{ at: number; rule: string; id: number }> = [];
let coilWatch: NodeJS.Timeout | undefined;

/** A window of one hour, six hours away from now in Hanoi: the test never runs inside it. */
function elsewhereWindow(): { from: string; to: string } {
  const h = Math.floor(localTime(Date.now(), 'Asia/Ho_Chi_Minh').minute / 60);
  const pad = (n: number): string => String(n % 24).padStart(2, '0');
  return { from: `${pad(h + 6)}:00`, to: `${pad(h + 7)}:00` };
}

const events = (rule: string): SecurityEvent[] => t.hub.ctx.services.events!.store.query({ rule, limit: 1000 }).reverse();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'events-e2e-'));
  const black = join(dir, 'black.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=black:s=768x576:r=10',
    '-t',
    '120',
    '-c:v',
    'libx264',
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
    black,
  ]);
  const lumas = decodeFrames(fixtures.vtestAvi, { width: DW, height: DH, fps: 0.4, seconds: 79 }).map((f) => f.subarray(0, DW * DH));
  background = medianBackground(lumas);
  truth = new TruthTracker(background);

  rtsp = await startRtspServer({ walk: fixtures.vtestH264, dark: black });
  sim = await PumpStationSimulator.start({ tcp: {}, tickMs: 50 });
  cameraTestHooks.backoff = { baseMs: 300, capMs: 1500 };
  t = await startTestHub({
    config: {
      recording: { segmentSeconds: 3 },
      cameras: [
        { id: 'walk', name: 'Lối đi', source: { type: 'rtsp', url: rtsp.url('walk') }, detect: { ...BOX, fps: 5 }, stallSeconds: 5 },
        { id: 'dark', name: 'Bị che', source: { type: 'rtsp', url: rtsp.url('dark') }, detect: { ...BOX, fps: 5 }, stallSeconds: 5 },
      ],
      devices: {
        buses: [{ id: 'line', type: 'tcp', host: '127.0.0.1', port: sim.tcpPort, timeoutMs: 300, retries: 1, backoffMs: 300 }],
        devices: [{ id: 'io', name: 'Còi báo động', bus: 'line', unit: UNITS.relay, profile: 'relay-8ch', intervalMs: 500 }],
      },
      events: {
        preRollSeconds: PRE,
        postRollSeconds: POST,
        footageWaitSeconds: 8,
        rules: [
          { id: 'walkway', type: 'intrusion', camera: 'walk', zone: WALKWAY, minScore: 0.3, coolDownSeconds: 0, endAfterSeconds: 2, urgent: true },
          { id: 'grass', type: 'intrusion', camera: 'walk', zone: GRASS, minScore: 0.3 },
          { id: 'walkway-elsewhen', type: 'intrusion', camera: 'walk', zone: WALKWAY, minScore: 0.3, schedule: [elsewhereWindow()] },
          { id: 'path-line', type: 'line', camera: 'walk', line: LINE, minScore: 0.3, coolDownSeconds: 0, endAfterSeconds: 1, urgent: true, alarm: SIREN },
          // Not urgent, so they must never touch the siren they name.
          { id: 'parked', type: 'parked', camera: 'walk', zone: PARKING, minScore: 0.3, stationarySeconds: PARKED_S, alarm: SIREN },
          {
            id: 'crowd',
            type: 'crowd',
            camera: 'walk',
            zone: WALKWAY,
            minScore: 0.3,
            minCount: CROWD_N,
            forSeconds: CROWD_S,
            coolDownSeconds: 0,
            alarm: SIREN,
          },
          { id: 'loiter', type: 'loiter', camera: 'walk', zone: WALKWAY, minScore: 0.3, dwellSeconds: DWELL_S, alarm: SIREN },
          // minSize: the tracker sometimes lets a passer-by carry a parked car's track off (a
          // person-sized box labelled car); that is a moving object, which these rules would see.
          {
            id: 'veh-still',
            type: 'intrusion',
            camera: 'walk',
            zone: PARKING,
            classes: VEHICLES,
            minScore: 0.3,
            minSize: { width: 0.04 },
            ignoreStationary: true,
          },
          { id: 'veh-any', type: 'intrusion', camera: 'walk', zone: PARKING, classes: VEHICLES, minScore: 0.3, minSize: { width: 0.04 } },
          { id: 'cover', type: 'tamper', camera: 'dark' },
          { id: 'walk-down', type: 'offline', camera: 'walk' },
        ],
      },
    },
    // Before the cameras start: truth and the detector log must hold the very frames the rules
    // saw first (the vehicles stand from frame one; a log that began 3 s late made a parked event
    // look early).
    observe: (hub) => {
      hub.ctx.services.cameras!.onFrame('walk', (f) => truth.push(f));
      hub.ctx.bus.on('pipeline.tracks', 'test', (u) => u.cameraId === 'walk' && detector.push(u));
      hub.ctx.bus.on('events.event', 'test', ({ type, event }) => type === 'new' && raised.push({ at: Date.now(), rule: event.ruleId, id: event.id }));
    },
  });
  coilWatch = setInterval(() => {
    const on = sim.model.coils.get(UNITS.relay)![SIREN_COIL]!;
    if (on !== (coil.at(-1)?.on ?? false)) coil.push({ at: Date.now(), on });
  }, 10);
}, 120_000);

afterAll(async () => {
  clearInterval(coilWatch);
  await t?.stop();
  await rtsp?.kill();
  await sim?.close();
  cameraTestHooks.backoff = undefined;
});

describe('events on real footage through the real pipeline', () => {
  it('runs 35 s of the walkway, then loses the camera and gets it back', async () => {
    const cams = t.hub.ctx.services.cameras!;
    await waitFor(() => cams.state('walk')?.online, 20_000, 'walk camera online');
    // 35 s of footage through the pipeline, not 35 s of wall time: a loaded box may still be
    // working through frames that arrived earlier.
    await waitFor(() => detector.spanMs() >= 35_000, 90_000, 'the pipeline through 35 s of footage', 250);
    killedAt = Date.now();
    await rtsp.kill();
    await waitFor(() => events('walk-down').length > 0, 20_000, 'offline event');
    // Stamped before the call: the camera may reconnect before restart() has seen the server up.
    restartedAt = Date.now();
    await rtsp.restart();
    await waitFor(() => events('walk-down')[0]?.endAt, 30_000, 'offline event ended');
    // Events of the first run ended when the camera died; their media are settled.
    const before = (): SecurityEvent[] => [...events('walkway'), ...events('path-line')].filter((e) => e.startAt < killedAt);
    // Media are cut one event after another, and an event that ended when the camera died waits
    // footageWaitSeconds for footage that never comes: on a loaded box this took over 60 s.
    await waitFor(() => before().every((e) => e.endAt !== null && e.mediaState !== 'pending'), 150_000, 'media of the first run');
  }, 300_000);

  it('raises intrusion events for people entering the zone at the right times (±1 s)', () => {
    const got = events('walkway').filter((e) => e.startAt < killedAt);
    const entries = truth.entries(WALKWAY);
    const report = got.map((e) => ({ id: e.id, start: e.startAt, nearest: Math.min(...entries.map((x) => Math.abs(x - e.startAt))) }));
    expect(got.length, JSON.stringify(report)).toBeGreaterThanOrEqual(2);
    const onTime = report.filter((r) => r.nearest <= 1000);
    expect(onTime.length / got.length, JSON.stringify(report)).toBeGreaterThanOrEqual(0.8);
    const deltas = report.map((r) => r.nearest).sort((a, b) => a - b);
    console.log(`events e2e: ${got.length} intrusions, ${onTime.length} within 1 s of a truth entry; median |Δ| ${deltas[deltas.length >> 1]} ms`);
  });

  it('gives each intrusion a snapshot that contains the person and a clip that plays and covers the rolls', async () => {
    const store = t.hub.ctx.services.events!.store;
    const diffs: number[] = [];
    // Intrusions background subtraction also puts a person at (the detector's rare false alarms,
    // e.g. a 0.4 s track on an empty path, have nobody to show; the timing test above counts them).
    const all = events('walkway').filter((x) => x.startAt < killedAt);
    const real = all.filter((e) => truth.someoneNear(anchor(e.best.box!, DW, DH), e.best.at, 400, 0.06));
    expect(real.length, `${real.length} of ${all.length} intrusions seen by background subtraction`).toBeGreaterThanOrEqual(
      Math.max(5, Math.ceil(all.length * 0.7)),
    );
    for (const e of real.slice(0, 8)) {
      const media = store.media(e.id);
      const snap = media.find((m) => m.kind === 'snapshot');
      const clip = media.find((m) => m.kind === 'clip');
      expect(snap && clip, `event ${e.id} media ${e.mediaState}`).toBeTruthy();
      // Full resolution (the recording's), with the box scaled; inside the box (shrunk past the
      // drawn stroke), brought back to the detect size, the picture differs from the empty scene.
      const [x1, y1, x2, y2] = e.best.box!;
      const meta = await sharp(snap!.path).metadata();
      expect([meta.width, meta.height], 'the recording at its full resolution').toEqual(SOURCE_SIZE);
      const w = x2 - x1;
      const h = y2 - y1;
      const left = Math.round(x1 + w * 0.2);
      const top = Math.round(y1 + h * 0.2);
      const cw = Math.max(2, Math.round(w * 0.6));
      const ch = Math.max(2, Math.round(h * 0.6));
      const grey = await sharp(snap!.path).resize(DW, DH, { fit: 'fill' }).greyscale().extract({ left, top, width: cw, height: ch }).raw().toBuffer();
      let diff = 0;
      for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) diff += Math.abs(grey[y * cw + x]! - background[(top + y) * DW + left + x]!);
      diffs.push(Math.round(diff / (cw * ch)));
      expect(diff / (cw * ch), `event ${e.id}: snapshot box vs empty scene (best ${JSON.stringify(e.best)}, start ${e.startAt})`).toBeGreaterThan(30);
      const d = await ffprobeDuration(clip!.path);
      expect(d, `clip of event ${e.id} plays`).toBeDefined();
      expect(clip!.fromMs!).toBeLessThanOrEqual(e.startAt - PRE * 1000 + 500);
      expect(clip!.toMs!).toBeGreaterThanOrEqual(e.endAt! + POST * 1000 - 500);
      expect(d!).toBeGreaterThanOrEqual((e.endAt! - e.startAt) / 1000 + PRE + POST - 1);
    }
    console.log(
      `events e2e: ${real.length} of ${all.length} intrusions seen by background subtraction; full-resolution snapshots, mean |box - empty scene| ${diffs.join(', ')} (must be > 30; a box on the empty scene gives 6-17)`,
    );
  });

  it('counts crossings of the line by direction', () => {
    const got = events('path-line').filter((e) => e.startAt < killedAt);
    const truthCrossings = truth.crossings(LINE[0], LINE[1]).filter((c) => c.at < killedAt);
    const dirOf = (e: SecurityEvent): string => (e.data as { direction: string }).direction;
    const report = JSON.stringify({ got: got.map((e) => [e.startAt, dirOf(e)]), truthCrossings });
    expect(got.length, report).toBeGreaterThanOrEqual(3);
    // The truth (background subtraction) merges people who walk together or pass each other, so
    // it is matched loosely: the truth crossing nearest each event (within 1.5 s) must mostly
    // agree on the direction, and most truth crossings must have an event the same way.
    const nearest = got.map((e) => {
      const c = truthCrossings.filter((x) => Math.abs(x.at - e.startAt) <= 1500).sort((x, y) => Math.abs(x.at - e.startAt) - Math.abs(y.at - e.startAt))[0];
      return c ? c.direction === dirOf(e) : undefined;
    });
    const judged = nearest.filter((n) => n !== undefined);
    expect(judged.length / got.length, report).toBeGreaterThanOrEqual(0.6);
    const right = judged.filter((n) => n).length / judged.length;
    expect(right, report).toBeGreaterThanOrEqual(0.7); // 85-93 % in 12 runs (63-67 % while the truth lost feet landing on the line); 50 % would be a coin toss
    // An event may start up to ~2 s after the crossing on a loaded box (alert latency p95 1.8 s
    // with 8 cameras, bench/alerts.ts), so a truth crossing counts as found within 2.5 s. Found
    // 85-100 % of vtest's 13 in 12 runs (the lamp post splits boxes right at the line; crossings
    // made before a track is confirmed count since 5dadb12: 46 % in one loaded run before); below
    // half fails.
    const found = truthCrossings.filter((c) => got.some((e) => dirOf(e) === c.direction && Math.abs(c.at - e.startAt) <= 2500)).length;
    expect(found / truthCrossings.length, report).toBeGreaterThanOrEqual(0.5);
    const count = (list: string[], d: string): number => list.filter((x) => x === d).length;
    const dirs = got.map(dirOf);
    const tdirs = truthCrossings.map((c) => c.direction);
    console.log(
      `events e2e: line crossings a-b ${count(dirs, 'a-b')}, b-a ${count(dirs, 'b-a')}; truth a-b ${count(tdirs, 'a-b')}, b-a ${count(tdirs, 'b-a')}; matched ${Math.round(right * 100)}%`,
    );
  });

  it('raises nothing in a zone where nobody goes, nor outside the time window', () => {
    // Judged on the first run: once the camera is back the clip plays again from its start, and
    // on a loaded box the wait for the first run's media reached 56-66 s into the clip, where
    // someone does walk in from the bottom edge across the grass (and the rule rightly said so).
    expect(truth.inZoneCount(GRASS, killedAt)).toBe(0);
    expect(events('grass').filter((e) => e.startAt < killedAt)).toEqual([]);
    expect(events('walkway').length).toBeGreaterThan(0);
    expect(events('walkway-elsewhen')).toEqual([]);
  });

  it('raises tamper on a blacked-out feed', () => {
    const got = t.hub.ctx.services.events!.store.query({ rule: 'cover' });
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got.at(-1)!.label).toBe('tamper:blackout');
  });

  it('raises offline when the RTSP server dies and ends it when the camera returns', () => {
    const [e] = events('walk-down');
    // None while the camera was up; the first when the server died (a later one is the clip ending).
    expect(e!.startAt).toBeGreaterThanOrEqual(killedAt);
    expect(e!.startAt).toBeLessThan(killedAt + 15_000);
    expect(e!.endAt!).toBeGreaterThanOrEqual(restartedAt);
  });

  it('switches the siren relay on for an urgent alert and off after its seconds, audited as the rule; other rules never touch it', async () => {
    const alerts = raised.filter((r) => r.rule === 'path-line');
    const periods: Array<{ on: number; off?: number }> = [];
    for (const c of coil) {
      if (c.on) periods.push({ on: c.at });
      else if (periods.at(-1)) periods.at(-1)!.off = c.at;
    }
    const report = JSON.stringify({ alerts: alerts.map((a) => a.at), periods });
    expect(alerts.length, report).toBeGreaterThanOrEqual(2);
    expect(periods.length, report).toBeGreaterThanOrEqual(1);
    // Judged on the first run (the camera came back later, and its alerts may still be on now).
    for (const p of periods.filter((x) => x.on < killedAt)) {
      // On within 1.5 s after an alert of the urgent rule (a write verified by read-back)...
      expect(
        alerts.some((a) => a.at <= p.on && p.on - a.at <= 1500),
        report,
      ).toBe(true);
      // ...and off the rule's seconds after the last alert that kept it on.
      expect(p.off, report).toBeDefined();
      const last = Math.max(...alerts.filter((a) => a.at < p.off! - 200).map((a) => a.at));
      expect(p.off! - last, report).toBeGreaterThanOrEqual(SIREN.seconds * 1000 - 100);
      expect(p.off! - last, report).toBeLessThanOrEqual(SIREN.seconds * 1000 + 1500);
    }
    // Every alert had the siren on.
    for (const a of alerts.filter((x) => x.at < killedAt))
      expect(
        periods.some((p) => p.on <= a.at + 1500 && (p.off ?? Infinity) >= a.at),
        report,
      ).toBe(true);
    const outputWrites = (): string[] =>
      t.hub.ctx.audit
        .query({ target: 'device:io', action: 'device.output', limit: 1000 })
        .reverse()
        .map((a) => `${a.actor} ${String(a.detail?.point)} ${String(a.detail?.value)} ${a.result}`);
    // The hub still runs: a write whose read-back was missed just now is being tried again.
    await waitFor(() => !outputWrites().at(-1)?.endsWith(' failed'), 15_000, 'the retry of the last siren write');
    const writes = outputWrites();
    // Only the urgent rule writes, and a write whose read-back a loaded bus missed ('failed') is
    // tried again until verified, before the output is ever written the other way.
    expect(new Set(writes.map((w) => w.replace(/ failed$/, ' ok'))), JSON.stringify(writes)).toEqual(
      new Set(['rule:path-line relay1 true ok', 'rule:path-line relay1 false ok']),
    );
    writes.forEach((w, i) => {
      if (w.endsWith(' failed')) expect(writes[i + 1], JSON.stringify(writes)).toMatch(new RegExp(`^${w.replace(/ failed$/, '')} (ok|failed)$`));
    });
    expect(writes.filter((w) => w.endsWith('true ok')).length, JSON.stringify(writes)).toBe(periods.length);
    for (const other of ['parked', 'crowd', 'loiter'])
      expect(events(other).length, `${other} raised nothing, so its silence proves nothing`).toBeGreaterThan(0);
    console.log(
      `events e2e: siren on ${periods.length} times for ${alerts.length} alerts; off after ${periods
        .filter((p) => p.off)
        .map((p) => p.off! - Math.max(...alerts.filter((a) => a.at < p.off! - 200).map((a) => a.at)))
        .join(', ')} ms`,
    );
  });

  it('raises one parked event per vehicle after it has stood for T, and none while the vehicles stand', () => {
    const got = events('parked').filter((e) => e.startAt < killedAt);
    const places = got.map((e) => centre(e.best.box!, DW, DH));
    const report = JSON.stringify(got.map((e, i) => ({ start: e.startAt, place: places[i], data: e.data })));
    // vtest: a van and a car, a few metres apart; one event each.
    expect(got.length, report).toBe(2);
    expect(Math.hypot(places[0]![0] - places[1]![0], places[0]![1] - places[1]![1]), report).toBeGreaterThan(0.05);
    for (const [i, e] of got.entries()) {
      const first = detector.firstSightingNear(places[i]!, 0.03, VEHICLES)!;
      expect(e.startAt - first, report).toBeGreaterThanOrEqual(PARKED_S * 1000 - 250);
      expect(e.startAt - first, report).toBeLessThanOrEqual(PARKED_S * 1000 + 4000);
    }
    // The same vehicles in an intrusion zone: they do raise events, unless stationary ones are ignored.
    expect(events('veh-any').length).toBeGreaterThanOrEqual(2);
    expect(events('veh-still')).toEqual([]);
  });

  it('raises crowd events where more than N people stood in the zone for T seconds', () => {
    const got = events('crowd').filter((e) => e.startAt < killedAt);
    const stretches = detector.crowdStretches(WALKWAY, CROWD_N, 0.3, killedAt);
    const clear = stretches.filter((s) => s.to - s.from >= (CROWD_S + 1) * 1000);
    const report = JSON.stringify({ got: got.map((e) => [e.startAt, e.endAt, e.data]), stretches });
    expect(clear.length, report).toBeGreaterThanOrEqual(1);
    // Each clear stretch in the detector's counts has its event, dated from its start...
    for (const c of clear)
      expect(
        got.some((e) => e.startAt <= c.from + 250 && (e.endAt ?? Infinity) >= c.from + CROWD_S * 1000),
        report,
      ).toBe(true);
    for (const e of got) {
      // ...and every event stands on counts above N through its first T seconds (a dropout of at
      // most a second: a missed detection or two),
      const above = detector
        .counts(WALKWAY, 0.3, e.startAt, e.startAt + CROWD_S * 1000)
        .filter((c) => c.n > CROWD_N)
        .map((c) => c.at);
      expect(above[0], report).toBe(e.startAt);
      const gaps = above.slice(1).map((at, i) => at - above[i]!);
      expect(Math.max(0, ...gaps), report).toBeLessThanOrEqual(1300);
      expect(above.at(-1)!, report).toBeGreaterThanOrEqual(e.startAt + CROWD_S * 1000 - 1300);
      // with several people there by background subtraction (which merges those walking together).
      expect(truth.peopleInside(WALKWAY, e.startAt - 500, e.startAt + CROWD_S * 1000), report).toBeGreaterThanOrEqual(2);
    }
    // One event per crowd, not one per frame.
    expect(got.length, report).toBeLessThanOrEqual(stretches.length);
  });

  it('raises loitering for a person who stays in the zone for the dwell time, once', () => {
    const got = events('loiter').filter((e) => e.startAt < killedAt);
    const stays = detector.stays(WALKWAY, 0.3, killedAt);
    const long = stays.filter((s) => s.to - s.from >= (DWELL_S + 1) * 1000);
    const report = JSON.stringify({ got: got.map((e) => [e.trackId, e.startAt, e.data]), long });
    expect(long.length, `vtest has a slow walker in the first seconds: ${report}`).toBeGreaterThanOrEqual(1);
    for (const s of long)
      expect(
        got.some((e) => e.trackId === s.trackId),
        report,
      ).toBe(true);
    expect(new Set(got.map((e) => e.trackId)).size, report).toBe(got.length);
    for (const e of got) {
      const enteredAt = (e.data as { enteredAt: number }).enteredAt;
      expect(e.startAt - enteredAt, report).toBeGreaterThanOrEqual(DWELL_S * 1000 - 250);
      // The detector had the track in the zone the whole time, and so did background subtraction.
      expect(
        stays.some((s) => s.trackId === e.trackId && s.from <= enteredAt && s.to >= e.startAt),
        report,
      ).toBe(true);
      for (let at = enteredAt; at <= e.startAt; at += 1000) expect(truth.anyInside(WALKWAY, at, 700), `${report} @${at}`).toBe(true);
    }
  });
});
