/**
 * Ingest cost per camera: CPU and RSS of the hub (its process and its ffmpeg children) ingesting
 * N RTSP cameras (record by stream copy + detect stream 640x360@5fps) from a 720p25 H.264 source,
 * against the lower bound measured in the same run: plain `ffmpeg -c copy` recording of the same
 * N streams. Detection is off here: this measures ingest alone.
 *
 *   npm run bench -- ingest [--quick]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFixtures } from '../tools/fixtures.ts';
import { startRtspServer } from '../tools/rtsp-server.ts';
import { freePort } from '../tools/ports.ts';
import { ffmpegPath } from '../hub/core/ffmpeg-path.ts';
import { machine, measureTree } from './lib-proc.ts';
import { cameraSchema } from '../hub/cameras/config.ts';
import { buildIngestArgs } from '../hub/cameras/ffmpeg-args.ts';

const log = (m: string) => process.stderr.write(`bench ingest: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null) return ok();
          c.once('exit', () => ok());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

export async function run(args: string[]): Promise<string> {
  const quick = args.includes('--quick');
  const counts = quick ? [1, 4] : [1, 4, 8];
  const warmMs = 5000;
  const measureMs = quick ? 10_000 : 20_000;
  const fx = ensureFixtures();
  const maxN = Math.max(...counts);
  const mounts = Object.fromEntries(Array.from({ length: maxN }, (_, i) => [`cam${i}`, fx.vtest720p25]));
  const rtsp = await startRtspServer(mounts);
  const results: Array<Record<string, unknown>> = [];
  try {
    for (const n of counts) {
      // Lower bound: plain stream-copy recording, one ffmpeg per camera, same segments.
      const copyDir = mkdtempSync(join(tmpdir(), 'bench-copy-'));
      const copies = Array.from({ length: n }, (_, i) => {
        mkdirSync(join(copyDir, `c${i}`));
        return spawn(
          ffmpegPath(),
          [
            '-hide_banner',
            '-nostdin',
            '-loglevel',
            'error',
            '-rtsp_transport',
            'tcp',
            '-i',
            rtsp.url(`cam${i}`),
            '-map',
            '0:v:0',
            '-c',
            'copy',
            '-f',
            'segment',
            '-segment_time',
            '10',
            '-segment_format',
            'mp4',
            join(copyDir, `c${i}`, '%06d.mp4'),
          ],
          { stdio: 'ignore' },
        );
      });
      await sleep(warmMs);
      const copy = await measureTree(
        copies.map((c) => c.pid!),
        measureMs,
      );
      await stopAll(copies);
      rmSync(copyDir, { recursive: true, force: true });

      // The same two-output ffmpeg command the hub runs, without the hub: what decoding costs.
      const sameDir = mkdtempSync(join(tmpdir(), 'bench-same-'));
      const same = Array.from({ length: n }, (_, i) => {
        const cam = cameraSchema.parse({ id: `cam${i}`, name: `c${i}`, source: { type: 'rtsp', url: rtsp.url(`cam${i}`) } });
        mkdirSync(join(sameDir, `c${i}`));
        const args = buildIngestArgs(cam, { incomingDir: join(sameDir, `c${i}`), runTag: 'b', segmentSeconds: 10, record: true, pixelFormat: 'yuv420p' }).map(
          (a) => (a === 'pipe:3' ? join(sameDir, `c${i}`, 'list.csv') : a),
        );
        return spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'ignore'] });
      });
      await sleep(warmMs);
      const sameWork = await measureTree(
        same.map((c) => c.pid!),
        measureMs,
      );
      await stopAll(same);
      rmSync(sameDir, { recursive: true, force: true });

      // The hub: one process, N cameras, detection off.
      const dataDir = mkdtempSync(join(tmpdir(), 'bench-hub-'));
      writeFileSync(
        join(dataDir, 'config.json'),
        JSON.stringify({
          detect: { enabled: false },
          cameras: Array.from({ length: n }, (_, i) => ({
            id: `cam${i}`,
            name: `Camera ${i}`,
            source: { type: 'rtsp', url: rtsp.url(`cam${i}`) },
            detect: { width: 640, height: 360, fps: 5 },
          })),
        }),
      );
      const port = await freePort();
      const hub = spawn(process.execPath, ['bin/hub.mjs', 'start', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1'], {
        stdio: 'ignore',
        env: { ...process.env, HUB_LOG_LEVEL: 'warn' },
      });
      await sleep(warmMs + 2000);
      const hubCost = await measureTree([hub.pid!], measureMs);
      const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as { cameras: Array<{ online: boolean; fpsIn: number }> };
      await stopAll([hub]);
      rmSync(dataDir, { recursive: true, force: true });

      const row = {
        cameras: n,
        hub: { ...hubCost, cpuPercentPerCamera: +(hubCost.cpuPercent / n).toFixed(1), rssMBPerCamera: +(hubCost.rssMB / n).toFixed(1) },
        copyOnly: { ...copy, cpuPercentPerCamera: +(copy.cpuPercent / n).toFixed(1), rssMBPerCamera: +(copy.rssMB / n).toFixed(1) },
        ffmpegSameWork: { ...sameWork, cpuPercentPerCamera: +(sameWork.cpuPercent / n).toFixed(1) },
        cpuRatioToSameFfmpegWork: +(hubCost.cpuPercent / Math.max(sameWork.cpuPercent, 0.1)).toFixed(2),
        cpuRatioToLowerBound: +(hubCost.cpuPercent / Math.max(copy.cpuPercent, 0.1)).toFixed(2),
        camerasOnline: health.cameras.filter((c) => c.online).length,
        meanFpsIn: +(health.cameras.reduce((s, c) => s + c.fpsIn, 0) / n).toFixed(2),
      };
      log(JSON.stringify(row));
      results.push(row);
    }
  } finally {
    await rtsp.kill();
  }
  const one = results.find((r) => r.cameras === 1) as { hub: { rssMB: number; cpuPercent: number } } | undefined;
  for (const r of results as Array<{ cameras: number; hub: { rssMB: number; cpuPercent: number }; marginalPerCamera?: unknown }>) {
    if (one && r.cameras > 1) {
      r.marginalPerCamera = {
        cpuPercent: +((r.hub.cpuPercent - one.hub.cpuPercent) / (r.cameras - 1)).toFixed(1),
        rssMB: +((r.hub.rssMB - one.hub.rssMB) / (r.cameras - 1)).toFixed(1),
      };
    }
  }
  const out = {
    benchmark: 'ingest',
    at: new Date().toISOString(),
    machine: machine(),
    source: 'vtest.avi as H.264 1280x720 25 fps, 2 s GOP, served by GStreamer RTSP (TCP)',
    detectStream: '640x360 yuv420p at 5 fps',
    measureSeconds: measureMs / 1000,
    notes:
      "CPU is % of one core over the window, summed over the hub process and its ffmpeg children; RSS is the peak sum. Lower bound: one `ffmpeg -c copy` segmenter per camera. ffmpegSameWork: the hub's own two-output ffmpeg command run bare (decode included), so cpuRatioToSameFfmpegWork is the hub's overhead over the ffmpeg work it needs. marginalPerCamera: (N cameras - 1 camera) / (N - 1).",
    results,
  };
  mkdirSync('bench/results', { recursive: true });
  const path = join('bench/results', `ingest-${out.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`);
  return path;
}
