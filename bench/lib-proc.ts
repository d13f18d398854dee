/** Process accounting from /proc for benchmarks: CPU seconds and RSS of a process tree. */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';

const TICK = 100; // USER_HZ on Linux

interface ProcSample {
  pid: number;
  ppid: number;
  cpuSec: number;
  rssBytes: number;
  comm: string;
}

function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { pid, ppid: Number(f[1]), cpuSec: (Number(f[11]) + Number(f[12])) / TICK, rssBytes: rss ? Number(rss[1]) * 1024 : 0, comm };
  } catch {
    return undefined;
  }
}

/** The process `root` and all its descendants, as they are now. */
export function processTree(root: number): ProcSample[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcSample => !!p);
  const out: ProcSample[] = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!want.has(p.pid) && want.has(p.ppid)) {
        want.add(p.pid);
        grew = true;
      }
    }
  }
  for (const p of all) if (want.has(p.pid)) out.push(p);
  return out;
}

/** CPU seconds used by a set of pids (children that exited are not counted). */
export function cpuOf(pids: number[]): number {
  return pids.map(readProc).reduce((s, p) => s + (p?.cpuSec ?? 0), 0);
}

/**
 * Measures a process tree over `ms`: CPU as a percentage of one core, and the peak summed RSS
 * (sampled every 500 ms).
 */
export async function measureTree(roots: number[], ms: number): Promise<{ cpuPercent: number; rssMB: number; processes: number }> {
  const pidsNow = () => roots.flatMap((r) => processTree(r).map((p) => p.pid));
  const start = pidsNow();
  const cpu0 = cpuOf(start);
  const t0 = Date.now();
  let peak = 0;
  while (Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 500));
    const rss = roots.flatMap((r) => processTree(r)).reduce((s, p) => s + p.rssBytes, 0);
    peak = Math.max(peak, rss);
  }
  const cpu1 = cpuOf(start);
  const seconds = (Date.now() - t0) / 1000;
  return { cpuPercent: Math.round(((cpu1 - cpu0) / seconds) * 1000) / 10, rssMB: Math.round(peak / 1e5) / 10, processes: start.length };
}

export function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
}
