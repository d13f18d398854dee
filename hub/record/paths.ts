import { join } from 'node:path';

/** Where footage lives: recordings/<camera>/<date>/<hour>/<startMs>.mp4 (date and hour in hub time). */
export function recordingsRoot(dataDir: string): string {
  return join(dataDir, 'recordings');
}

/** Where ffmpeg writes a camera's segments while they grow. */
export function incomingDir(dataDir: string, cameraId: string): string {
  return join(recordingsRoot(dataDir), cameraId, '.incoming');
}

/** Where segments that could not be repaired are kept for a person to look at (never served). */
export function damagedDir(dataDir: string, cameraId: string): string {
  return join(recordingsRoot(dataDir), cameraId, '.damaged');
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(timeZone: string, ms: number): Record<string, string> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** The final path of a segment that started at `startMs`. */
export function segmentPath(dataDir: string, cameraId: string, startMs: number, timeZone: string): string {
  const p = partsIn(timeZone, startMs);
  return join(recordingsRoot(dataDir), cameraId, `${p.year}-${p.month}-${p.day}`, p.hour ?? '00', `${Math.round(startMs)}.mp4`);
}

/** Reads the start time back from a final segment path (used to rebuild a lost index). */
export function startFromSegmentPath(path: string): number | undefined {
  const m = /\/(\d{4}-\d{2}-\d{2})\/(\d{2})\/(\d{12,14})\.mp4$/.exec(path);
  return m ? Number(m[3]) : undefined;
}
