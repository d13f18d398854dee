/**
 * Versioned migrations of the configuration document. Each migration takes the raw document of
 * the version before it (plain JSON, before the schema fills defaults) and returns the next one,
 * saying what it changed. They are applied in order on load; the store backs the old file up
 * first and writes the result atomically. A document from a newer hub is refused.
 *
 * A migration is frozen once shipped: it reads only the raw document and the data it imports,
 * never the current schema, so later shape changes cannot alter what it does. Pure: no I/O.
 */
import { PROFILES } from '../devices/config.ts';
import { ConfigError } from './config-error.ts';

type Doc = Record<string, unknown>;

export interface Migration {
  /** The version this migration produces (the one before is `to - 1`). */
  to: number;
  /** One line for the log and `config check`. */
  title: string;
  /** Returns the migrated document; `note` records each change a person should know about. */
  up(doc: Doc, note: (message: string) => void): Doc;
}

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Doc[] => (Array.isArray(v) ? v.filter(isObject) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Version 2: the schema checks references between sections (issue 10, finding 2). Hubs of
 * version 1 let a camera be deleted while rules watched it, which then stopped the next start;
 * their files may hold such references, and the hub must still start on them. So:
 * - a rule whose camera is gone is disabled, not deleted (it can be pointed at another camera);
 * - an alarm output naming a device or output that does not exist is removed from its rule: version
 *   1 could never switch it, and the rule keeps detecting as before (the backup keeps the alarm);
 * - pipeline settings of a camera that is gone are removed (version 1 never used them).
 */
const referencesChecked: Migration = {
  to: 2,
  title: 'references between sections are checked; dangling ones are parked',
  up(doc, note) {
    const cameras = new Set(objects(doc.cameras).map((c) => str(c.id)));
    const devicesSection = isObject(doc.devices) ? doc.devices : {};
    const devices = new Map(objects(devicesSection.devices).map((d) => [str(d.id), str(d.profile)]));
    const contactors = new Set(
      objects(devicesSection.pumps).map((p) => (isObject(p.contactor) ? `${str(p.contactor.device)}.${str(p.contactor.output)}` : '')),
    );
    const switchable = (device: string | undefined, output: string | undefined): boolean => {
      if (!devices.has(device) || output === undefined) return false;
      const profile = PROFILES[devices.get(device) as keyof typeof PROFILES] as (typeof PROFILES)[keyof typeof PROFILES] | undefined;
      const point = profile?.points[output];
      return !!point && point.table === 'coil' && point.access !== 'r' && !contactors.has(`${device}.${output}`);
    };
    const events = isObject(doc.events) ? doc.events : undefined;
    objects(events?.rules).forEach((rule, i) => {
      const camera = str(rule.camera);
      if (camera !== undefined && !cameras.has(camera) && rule.enabled !== false) {
        rule.enabled = false;
        note(
          `events.rules[${i}] ("${str(rule.id)}") disabled: it watches camera "${camera}", which is not configured (deleted by an older hub); point it at a camera and enable it again`,
        );
      }
      const alarm = rule.alarm;
      if (isObject(alarm) && !switchable(str(alarm.device), str(alarm.output))) {
        delete rule.alarm;
        note(
          `events.rules[${i}] ("${str(rule.id)}") alarm output ${JSON.stringify(alarm)} removed: no such relay output among the devices (it could never be switched)`,
        );
      }
    });
    const pipeline = isObject(doc.pipeline) ? doc.pipeline : undefined;
    if (pipeline && isObject(pipeline.cameras)) {
      for (const id of Object.keys(pipeline.cameras)) {
        if (cameras.has(id)) continue;
        delete pipeline.cameras[id];
        note(`pipeline.cameras.${id} removed: settings of camera "${id}", which is not configured`);
      }
    }
    return doc;
  },
};

/**
 * Version 3: settings that destroy footage have floors (issue 11, finding 7). Version 2 accepted
 * retention from 0.01 days (15 minutes) and a free-space watermark up to 90 %, with which the
 * sweeper deletes nearly all footage; an installer could set them. A file holding such values
 * must still load, so they are brought to the nearest allowed value, each with a note (the backup
 * keeps the old ones). The limits are written here, not imported: a shipped migration is frozen.
 * Values version 2 refused (zero, negative, not a number) are left for the schema to name.
 */
const footageFloors: Migration = {
  to: 3,
  title: 'footage retention at least 1 day, free-space watermark at most 30 %',
  up(doc, note) {
    const MIN_DAYS = 1;
    const MAX_FREE = 30;
    const raise = (section: Doc | undefined, key: string, where: string): void => {
      const v = section?.[key];
      if (section && typeof v === 'number' && v > 0 && v < MIN_DAYS) {
        section[key] = MIN_DAYS;
        note(`${where} raised from ${v} to ${MIN_DAYS} day: footage is kept at least a day`);
      }
    };
    const recording = isObject(doc.recording) ? doc.recording : undefined;
    raise(recording, 'retentionDays', 'recording.retentionDays');
    const free = recording?.minFreePercent;
    if (recording && typeof free === 'number' && free > MAX_FREE && free <= 90) {
      recording.minFreePercent = MAX_FREE;
      note(`recording.minFreePercent lowered from ${free} to ${MAX_FREE}: a higher watermark makes the sweeper delete most footage`);
    }
    objects(doc.cameras).forEach((camera, i) => {
      raise(isObject(camera.record) ? camera.record : undefined, 'retentionDays', `cameras[${i}] ("${str(camera.id)}") record.retentionDays`);
    });
    raise(isObject(doc.events) ? doc.events : undefined, 'mediaRetentionDays', 'events.mediaRetentionDays');
    return doc;
  },
};

/**
 * Version 4: motion masks are fractions of the camera picture, as events' zones are (issue 13).
 * Until version 3 they were pixels of the detect frame, which was always the camera's configured
 * detect.width x height (default 640x360) with the picture stretched to fill it; from version 4
 * the frames keep the picture's aspect ratio and their size varies, so pixels no longer name a
 * place in the picture. A pixel divided by that size is the same place as a fraction of the
 * picture. Points past the frame's edge (the schema took any non-negative number) are brought to
 * the edge. The default size is written here, not imported: a shipped migration is frozen.
 */
const masksAsFractions: Migration = {
  to: 4,
  title: 'motion masks in fractions of the camera picture, not detect-frame pixels',
  up(doc, note) {
    const DEFAULT = { width: 640, height: 360 };
    const pipeline = isObject(doc.pipeline) ? doc.pipeline : undefined;
    if (!pipeline || !isObject(pipeline.cameras)) return doc;
    const sizes = new Map(
      objects(doc.cameras).map((c) => {
        const detect = isObject(c.detect) ? c.detect : {};
        const dim = (v: unknown, d: number): number => (typeof v === 'number' && v > 0 ? v : d);
        return [str(c.id), { width: dim(detect.width, DEFAULT.width), height: dim(detect.height, DEFAULT.height) }];
      }),
    );
    for (const [id, settings] of Object.entries(pipeline.cameras)) {
      if (!isObject(settings) || !Array.isArray(settings.masks) || settings.masks.length === 0) continue;
      const size = sizes.get(id) ?? DEFAULT;
      let clamped = false;
      const fraction = (v: unknown, d: number): unknown => {
        if (typeof v !== 'number') return v; // the schema names it
        const f = v / d;
        if (f > 1) clamped = true;
        return Math.min(1, Math.round(f * 1e6) / 1e6);
      };
      settings.masks = settings.masks.map((poly) =>
        Array.isArray(poly) ? poly.map((p) => (Array.isArray(p) && p.length === 2 ? [fraction(p[0], size.width), fraction(p[1], size.height)] : p)) : poly,
      );
      note(
        `pipeline.cameras.${id}.masks converted from pixels of its ${size.width}x${size.height} detect frame to fractions of the picture` +
          (clamped ? "; points past the frame's edge were brought to the edge" : ''),
      );
    }
    return doc;
  },
};

/** Every migration in order; the last one's `to` is the current version. */
export const MIGRATIONS: readonly Migration[] = [referencesChecked, footageFloors, masksAsFractions];

/** The version this hub writes and understands. */
export const CONFIG_VERSION = 1 + MIGRATIONS.length;

export interface Migrated {
  doc: unknown;
  /** The version the document had (a document without one is taken as the current version). */
  from: number;
  /** What the migrations changed, one line each, for the log and `config check`. */
  notes: string[];
}

/**
 * Brings a raw document to the current version. Every file a hub has written carries its version
 * (the schema fills it in), so a document without one was written by hand or by provisioning,
 * against the current documentation, and is held to the current schema as it is.
 */
export function migrate(raw: unknown, where = 'configuration'): Migrated {
  if (!isObject(raw)) return { doc: raw, from: CONFIG_VERSION, notes: [] };
  const version = raw.version ?? CONFIG_VERSION;
  // Not a whole number from 1 up: the schema names the field.
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { doc: raw, from: CONFIG_VERSION, notes: [] };
  if (version > CONFIG_VERSION) {
    throw new ConfigError(where, [
      {
        path: 'version',
        message: `version ${version} was written by a newer hub; this hub understands versions up to ${CONFIG_VERSION}. Update the hub, or restore the backup the newer hub made (config.json.v${CONFIG_VERSION}.bak)`,
      },
    ]);
  }
  const notes: string[] = [];
  let doc = structuredClone(raw);
  for (const m of MIGRATIONS) {
    if (m.to <= version) continue;
    doc = m.up(doc, (message) => notes.push(`v${m.to}: ${message}`));
    doc.version = m.to;
  }
  return { doc, from: version, notes };
}
