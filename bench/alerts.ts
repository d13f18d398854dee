/**
 * `npm run bench -- alerts [--seconds 40] [--cameras 1,8]`
 * Alert latency: from the detect frame in which a person enters a zone to the event arriving on
 * the SSE stream (/api/events/stream) of a whole hub: file cameras looping real footage (vtest),
 * the NanoDet detector, the pipeline and the events module, over HTTP as the UI gets it.
 * Two starting points are reported:
 *  - entry: the frame where background subtraction (independent of the detector) first puts the
 *    person's feet in the zone; includes detection, confirmation and tracking delay;
 *  - start: the frame the event is dated from (the first frame the confirmed track is in the
 *    zone); the hub's own processing and delivery delay.
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
import { TruthTracker } from '../test/events/truth.ts';
import type { StreamMessage } from '../hub/events/stream.ts';

const here = dirname(fileURLToPath(import.meta.url));
const VTEST = join(here, '../test/fixtures/cache/vtest-h264.mp4');
const W = 640;
const H = 360;
const ZONE: Array<[number, number]> = [[0.45, 0.38], [0.95, 0.38], [0.95, 0.75], [0.45, 0.75]];

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);
}

async function runOnce(cameras: number, seconds: number, background: Uint8Array): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-alerts-'));
  const ids = Array.from({ length: cameras }, (_, i) => `cam-${i + 1}`);
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({
    recording: { segmentSeconds: 4 },
    cameras: ids.map((id) => ({ id, name: id, source: { type: 'file', path: VTEST }, detect: { width: W, height: H, fps: 5 } })),
    events: { rules: ids.map((id) => ({ id: `zone-${id}`, type: 'intrusion', camera: id, zone: ZONE, minScore: 0.3, coolDownSeconds: 0, endAfterSeconds: 2, urgent: true })) },
  }));
  const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', log: createLogger('bench', () => {}) });
  await hub.ctx.users.add('bench', 'admin', 'bench-password-long-enough');
  const { token } = await hub.ctx.users.login('bench', 'bench-password-long-enough');
  const truths = new Map(ids.map((id) => [id, new TruthTracker(background)]));
  const offFrames = hub.ctx.services.cameras!.onFrame('*', (f) => truths.get(f.cameraId)?.push(f));

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
  abort.abort();
  await reading;
  const stats = hub.ctx.services.pipeline?.stats();
  await hub.stop();

  const fromStart = received.map((r) => r.at - r.m.event.startAt);
  const fromEntry: number[] = [];
  for (const r of received) {
    const entries = truths.get(r.m.event.cameraId)!.entries(ZONE).filter((e) => e <= r.at && Math.abs(e - r.m.event.startAt) <= 2000);
    if (entries.length) fromEntry.push(r.at - entries[entries.length - 1]!);
  }
  return {
    cameras, seconds: (Date.now() - t0) / 1000, alerts: received.length, matchedToTruth: fromEntry.length,
    fromEntryMs: { p50: pct(fromEntry, 50), p95: pct(fromEntry, 95), max: pct(fromEntry, 100) },
    fromEventStartMs: { p50: pct(fromStart, 50), p95: pct(fromStart, 95), max: pct(fromStart, 100) },
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
  const lumas = decodeFrames(VTEST, { width: W, height: H, fps: 0.4, seconds: 79 }).map((f) => f.subarray(0, W * H));
  const background = medianBackground(lumas);
  const runs = [];
  for (const n of counts) {
    const r = await runOnce(n, seconds, background);
    process.stderr.write(`alerts: ${n} camera(s): ${JSON.stringify({ alerts: r.alerts, fromEntryMs: r.fromEntryMs, fromEventStartMs: r.fromEventStartMs })}\n`);
    runs.push(r);
  }
  const out = join(here, 'results', `alerts-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ bench: 'alerts', machine: { cpus: cpus().length, model: cpus()[0]?.model }, detect: `${W}x${H} @ 5 fps`, runs }, null, 2)}\n`);
  return out;
}
