/**
 * Issue 12, finding 9: the silence between frames on an RTU line, measured on the line itself.
 * socat carries the line between the hub's pty and the simulator's and stamps every chunk it
 * carries (`-x`, ns); the simulator holds each reply for the request's and the reply's time on
 * the wire at the baud rate, so a reply ends on the line when socat stamps it. The gap before a
 * request is its stamp minus the stamp of the frame before it. At 19200 baud t3.5 is 2.005 ms.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRuntime, startStation, stationConfig, waitPolls } from './harness.ts';
import { t35Ms } from '../../hub/devices/lib/rtu-timing.ts';

/**
 * Chunks as socat -x logs them: direction ('>' hub to simulator), time in µs, length. socat 1.7
 * prints the microseconds zero-padded to nine digits (".000837324" is 0.837324 s): when no
 * fraction in the log reaches 10^6 they are read as µs, otherwise as ns.
 */
export function traceChunks(text: string): Array<{ dir: '>' | '<'; us: number; length: number }> {
  const rows = [...text.matchAll(/^([<>]) (\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6,9})\s+length=(\d+)/gm)];
  const micro = rows.every((m) => m[8]!.length === 6 || Number(m[8]) < 1e6);
  return rows.map((m) => {
    const [, dir, y, mo, d, h, mi, s, frac, len] = m;
    const wholeS = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
    const us = micro ? Number(frac) : Math.floor(Number(frac) / 1000);
    return { dir: dir as '>' | '<', us: wholeS * 1e6 + us, length: Number(len) };
  });
}

describe('Modbus RTU line timing at 19200 baud (issue 12 finding 9)', () => {
  it('every request follows the frame before it by at least t3.5, measured on the line', async () => {
    const baud = 19200;
    const tracePath = join(mkdtempSync(join(tmpdir(), 'rtu-gaps-')), 'socat.log');
    const st = await startStation('rtu', baud, { tracePath });
    const cfg = stationConfig(st.busSpec, { pumps: [] });
    // Back-to-back polling: each device due every 50 ms, more than the line can carry.
    for (const d of cfg.devices!) Object.assign(d, { intervalMs: 50, maxAgeMs: 2000 });
    Object.assign(cfg.buses![0]!, { timeoutMs: 500 });
    const hub = startRuntime(st.dir, cfg);
    try {
      await waitPolls(hub.rt, 'level', 60);
    } finally {
      await hub.stop();
      await st.close();
    }
    const chunks = traceChunks(readFileSync(tracePath, 'utf8'));
    const gaps: number[] = [];
    for (let i = 1; i < chunks.length; i++) if (chunks[i]!.dir === '>') gaps.push((chunks[i]!.us - chunks[i - 1]!.us) / 1000);
    expect(gaps.length).toBeGreaterThan(200);
    const t35 = t35Ms(baud);
    const short = gaps.filter((g) => g < t35);
    const min = Math.min(...gaps);
    console.log(`rtu gaps at ${baud} baud: ${gaps.length} measured, min ${min.toFixed(3)} ms, ${short.length} under t3.5 (${t35.toFixed(3)} ms)`);
    expect(short).toEqual([]);
  }, 60_000);
});
