/**
 * Builds an evidence export of one event from its stored media: each file is checked against
 * the sha256 recorded when it was made (a file changed on disk is refused, not exported), then
 * clip, snapshot and event JSON go into a signed export, and the footage is held for the case.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HubError } from '../core/errors.ts';
import { isNoSpace } from '../core/guard.ts';
import type { Logger } from '../core/log.ts';
import type { RecordingService } from '../record/index.ts';
import type { EventsConfig } from './config.ts';
import type { EventStore } from './store.ts';
import { sha256 } from '../core/files.ts';
import { newExportId, removeExport, writeExport } from './evidence/export.ts';

const DAY_MS = 86_400_000;
import type { SigningKey } from '../core/signing-key.ts';
import { clipRange } from './media.ts';

export interface ExportDeps {
  store: EventStore;
  dir: string;
  hubName: () => string;
  key: () => SigningKey;
  recordings: () => RecordingService | undefined;
  config: () => EventsConfig;
}

export function exportEvent(d: ExportDeps, eventId: number, user: string, format: 'zip' | 'folder'): { id: string; path: string; format: string } {
  const e = d.store.require(eventId);
  if (e.endAt === null) throw new HubError(409, `events: event ${eventId} is still running; export it once it has ended`);
  const media = d.store.media(eventId).filter((m) => m.deletedAt === null);
  if (media.length === 0) throw new HubError(409, `events: event ${eventId} has no media (state ${e.mediaState})`);
  const files = media.map((m) => {
    if (!existsSync(m.path)) throw new HubError(409, `events: the ${m.kind} of event ${eventId} is missing on disk`);
    const data = readFileSync(m.path);
    if (sha256(data) !== m.sha256)
      throw new HubError(409, `events: the ${m.kind} of event ${eventId} differs from the hash recorded at its creation; refusing to export it`);
    return { name: m.kind === 'clip' ? 'clip.mp4' : 'snapshot.jpg', data };
  });
  const record = {
    event: e,
    media: media.map((m) => ({ kind: m.kind, bytes: m.bytes, sha256: m.sha256, createdAt: m.createdAt, fromMs: m.fromMs, toMs: m.toMs })),
    actions: d.store.actions(eventId),
    exportedBy: user,
  };
  files.push({ name: 'event.json', data: Buffer.from(`${JSON.stringify(record, null, 2)}\n`) });
  // The footage behind an export is held first (until released, or recording.holdDays): an
  // export whose footage cannot be held (held share full) is refused, not made half-protected.
  const id = newExportId(eventId);
  const { fromMs, toMs } = clipRange(e, d.config());
  const rec = d.recordings();
  const held = rec?.hold(`export:${id}`, e.cameraId, fromMs, toMs);
  if (held && !held.ok) throw new HubError(503, `events: export of event ${eventId} refused: its footage cannot be held (${held.reason})`);
  try {
    const x = writeExport(d.dir, { exportId: id, hub: d.hubName(), eventId, createdBy: user, files }, d.key(), format);
    d.store.addExport({ id: x.id, eventId, createdBy: user, path: x.path, format, manifestSha256: x.manifestSha256 });
    return { id: x.id, path: x.path, format };
  } catch (err) {
    rec?.release(`export:${id}`);
    if (!isNoSpace(err)) throw err;
    rec?.noSpace('events: export', (err as Error).message);
    throw new HubError(503, `events: no space left for the export of event ${eventId}; retention is freeing space, try again shortly`);
  }
}

/**
 * Deletes exports older than `maxAgeDays` (recording.holdDays: their hold has expired by then)
 * and releases their holds; an export of an open incident stays. Returns how many went.
 */
export function sweepExports(
  dir: string,
  maxAgeDays: number,
  keep: (eventId: number) => boolean,
  recordings: RecordingService | undefined,
  log: Logger,
  now = Date.now(),
): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^(ev(\d+)-[\w-]+?)(\.zip)?$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (mtimeMs > now - maxAgeDays * DAY_MS || keep(Number(m[2]))) continue;
    try {
      removeExport(path);
    } catch (err) {
      log.error(`events: could not delete expired export ${path}: ${(err as Error).message}`);
      continue;
    }
    recordings?.release(`export:${m[1]}`);
    log.info(`events: export ${m[1]} older than ${maxAgeDays} days deleted`);
    removed++;
  }
  return removed;
}
