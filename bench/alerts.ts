/**
 * `npm run bench -- alerts [--seconds 40] [--cameras 1,8] [--variants default,recheck1,hits2]`
 * Alert latency: from the detect frame in which a person enters a zone to the event arriving on
 * the SSE stream (/api/events/stream) of a whole hub: file cameras looping real footage (vtest),
 * the NanoDet detector, the pipeline and the events module, over HTTP as the UI gets it.
 * Two starting points are reported:
 *  - entry: the frame where background subtraction (independent of the detector) first puts the
 *    person's feet in the zone; includes detection, confirmation and tracking delay;
 *  - start: the frame the event is dated from (the first frame the confirmed track is in the
 *    zone); the hub's own processing and delivery delay.
 * Where the time goes, per alert (its track followed on pipeline.tracks):
 *  - detect: entry → the first frame the track (confirmed or not) stands in the zone;
 *  - confirm: → the event's start (the first frame the confirmed track is in the zone);
 *  - deliver: → arrival on SSE (the frame's wait for and time in the detector, events, HTTP).
 * Variants (pipeline settings only, from the config): `default`; `recheck1`: candidates looked at
 * on every frame instead of every 2nd (same 3 hits and median score, more inference);
 * `hits2`: 2 hits confirm instead of 3 (less false-alarm protection). `unmatched` counts alerts
 * with no background-subtraction entry within 2 s (a rough false-alarm count).
 * Writes bench/results/alerts-<time>.json; returns its path.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub } from '../hub/main.ts';
import { createLogger } from '../hub/core/log.ts';
import { medianBackground } from './lib-pipeline-oracle.ts';
import { decodeFrames } from './lib-pipeline-frames.ts';
import { TruthTracker } from './lib-vtest-truth.ts';
import type { StreamMessage } from '../hub/events/stream.ts';
import { anchor, pointInPolygon } from '../hub/events/rules/geometry.ts';

/** Pipeline settings of each variant (see the header). */
const VARIANTS: Record<string, Record<string, unknown>> = {
  default: {},
  recheck1: { regions: { candidateRecheckFrames: 1 } },
  hits2: { tracker: { confirmHits: 2 } },
};

const here = dirname(fileURLToPath(import.meta.url));
const VTEST = join(here, '../test/fixtures/cache/vtest-h264.mp4');
const W = 640;
const H = 360;
const ZONE: Array<[number, number]> = [
  [0.45, 0.38],
  [0.95, 0.38],
  [0.95, 0.75],
  [0.45, 0.75],
];

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);
}

async function runOnce(cameras: number, seconds: number, background: Uint8Array, variant: string): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-alerts-'));
  const ids = Array.from({ length: cameras }, (_, i) => `cam-${i + 1}`);
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      recording: { segmentSeconds: 4 },
      cameras: ids.map((id) => ({ id, name: id, source: { type: 'file', path: VTEST }, detect: { width: W, height: H, fps: 5 } })),
      pipeline: VARIANTS[variant],
      events: {
        rules: ids.map((id) => ({
          id: `zone-${id}`,
          type: 'intrusion',
          camera: id,
          zone: ZONE,
          minScore: 0.3,
          coolDownSeconds: 0,
          endAfterSeconds: 2,
          urgent: true,
        })),
      },
    }),
  );
  const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', log: createLogger('bench', () => {}), mediaFolders: [dirname(VTEST)] });
  await hub.ctx.users.add('bench', 'admin', 'bench-password-long-enough');
  const { token } = await hub.ctx.users.login('bench', 'bench-password-long-enough');
  const truths = new Map(ids.map((id) => [id, new TruthTracker(background)]));
  const offFrames = hub.ctx.services.cameras!.onFrame('*', (f) => truths.get(f.cameraId)?.push(f));
  // Each track's first frame in the zone (confirmed or not), and how late updates come out.
  const firstInZone = new Map<string, number>();
  const updateDelay: number[] = [];
  const offTracks = hub.ctx.bus.on('pipeline.tracks', 'bench', (u) => {
    updateDelay.push(Date.now() - u.frameAt);
    for (const o of u.objects) {
      const key = `${u.cameraId}|${o.trackId}`;
      if (o.label === 'person' && !firstInZone.has(key) && pointInPolygon(anchor(o.box, u.frameWidth, u.frameHeight), ZONE)) firstInZone.set(key, u.frameAt);
    }
  });

  const received: Array<{ at: number; m: StreamMessage }> = [];
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${hub.port}/api/events/stream`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  const reader = res.body!.getReader();
  const reading = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const at = Date.now();
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.includes('event: new')) continue;
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) received.push({ at, m: JSON.parse(data.slice(6)) as StreamMessage });
        }
      }
    } catch {
      /* aborted at the end */
    }
  })();

  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  offFrames();
  offTracks();
  abort.abort();
  await reading;
  const stats = hub.ctx.services.pipeline?.stats();
  await hub.stop();

  const fromStart = received.map((r) => r.at - r.m.event.startAt);
  const fromEntry: number[] = [];
  const detect: number[] = [];
  const confirm: number[] = [];
  for (const r of received) {
    const e = r.m.event;
    const entries = truths
      .get(e.cameraId)!
      .entries(ZONE)
      .filter((x) => x <= r.at && Math.abs(x - e.startAt) <= 2000);
    if (!entries.length) continue;
    const entry = entries[entries.length - 1]!;
    fromEntry.push(r.at - entry);
    const inZone = firstInZone.get(`${e.cameraId}|${e.trackId}`);
    if (inZone === undefined) continue;
    detect.push(Math.max(0, inZone - entry));
    confirm.push(e.startAt - Math.max(inZone, entry));
  }
  const p = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), max: pct(xs, 100) });
  return {
    cameras,
    variant,
    pipelineSettings: VARIANTS[variant],
    seconds: (Date.now() - t0) / 1000,
    alerts: received.length,
    matchedToTruth: fromEntry.length,
    unmatched: received.length - fromEntry.length,
    fromEntryMs: p(fromEntry),
    fromEventStartMs: p(fromStart),
    breakdownMs: { detect: p(detect), confirm: p(confirm), deliver: p(fromStart), pipelineUpdateDelay: p(updateDelay) },
    pipeline: stats ?? null,
  };
}

export async function run(args: string[]): Promise<string> {
  const arg = (name: string, dflt: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const seconds = Number(arg('seconds', '40'));
  const counts = arg('cameras', '1,8').split(',').map(Number);
  const variants = arg('variants', 'default').split(',');
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`alerts: no variant "${v}"; have ${Object.keys(VARIANTS).join(', ')}`);
  const lumas = decodeFrames(VTEST, { width: W, height: H, fps: 0.4, seconds: 79 }).map((f) => f.subarray(0, W * H));
  const background = medianBackground(lumas);
  const runs = [];
  for (const v of variants) {
    for (const n of counts) {
      const r = await runOnce(n, seconds, background, v);
      process.stderr.write(
        `alerts: ${v}, ${n} camera(s): ${JSON.stringify({ alerts: r.alerts, unmatched: r.unmatched, fromEntryMs: r.fromEntryMs, breakdownMs: r.breakdownMs })}\n`,
      );
      runs.push(r);
    }
  }
  const out = join(here, 'results', `alerts-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ bench: 'alerts', machine: { cpus: cpus().length, model: cpus()[0]?.model }, detect: `${W}x${H} @ 5 fps`, runs }, null, 2)}\n`,
  );
  return out;
}
