/**
 * Builds an evidence export of one event from its stored media: each file is checked against
 * the sha256 recorded when it was made (a file changed on disk is refused, not exported), then
 * clip, snapshot and event JSON go into a signed export, and the footage is held for the case.
 */
import { existsSync, readFileSync } from 'node:fs';
import { HubError } from '../core/errors.ts';
import type { RecordingService } from '../record/service.ts';
import type { EventsConfig } from './config.ts';
import type { EventStore } from './store.ts';
import { sha256 } from './evidence/files.ts';
import { writeExport } from './evidence/export.ts';
import type { SigningKey } from './evidence/signing-key.ts';
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
    if (sha256(data) !== m.sha256) throw new HubError(409, `events: the ${m.kind} of event ${eventId} differs from the hash recorded at its creation; refusing to export it`);
    return { name: m.kind === 'clip' ? 'clip.mp4' : 'snapshot.jpg', data };
  });
  const record = {
    event: e,
    media: media.map((m) => ({ kind: m.kind, bytes: m.bytes, sha256: m.sha256, createdAt: m.createdAt, fromMs: m.fromMs, toMs: m.toMs })),
    actions: d.store.actions(eventId),
    exportedBy: user,
  };
  files.push({ name: 'event.json', data: Buffer.from(`${JSON.stringify(record, null, 2)}\n`) });
  const x = writeExport(d.dir, { hub: d.hubName(), eventId, createdBy: user, files }, d.key(), format);
  d.store.addExport({ id: x.id, eventId, createdBy: user, path: x.path, format, manifestSha256: x.manifestSha256 });
  // The footage behind an export is kept until someone releases the hold.
  const { fromMs, toMs } = clipRange(e, d.config());
  d.recordings()?.hold(`export:${x.id}`, e.cameraId, fromMs, toMs);
  return { id: x.id, path: x.path, format };
}
