import {
  chmodSync,
  existsSync,
  fchmodSync,
  mkdirSync,
  readFileSync,
  copyFileSync,
  openSync,
  statSync,
  writeSync,
  fsyncSync,
  closeSync,
  readdirSync,
  renameSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { ConfigError, parseConfig, type HubConfig, type HubConfigInput } from './schema.ts';
import { demoDefaults } from './demo-defaults.ts';
import { CONFIG_VERSION, migrate } from './migrations.ts';
import { referenceNotes } from './references.ts';

/** Reads JSON text; a syntax error becomes a ConfigError that says where in the file. */
function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(where, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
}

/** Applies an accepted change; a module returns a promise when applying it takes time. */
type Listener = (next: HubConfig, prev: HubConfig) => void | Promise<void>;

/**
 * The configuration document. Every change is validated against the one schema before it is
 * kept; an invalid change throws ConfigError and leaves both memory and disk on the previous good
 * config. Writes are atomic (a temp file, flushed, renamed over the file) and owner-only (0600):
 * the file holds camera passwords.
 */
export class ConfigStore {
  private current: HubConfig;
  private readonly listeners = new Set<Listener>();
  /** The tail of the update queue: each update starts after the one before has been applied. */
  private queue: Promise<unknown> = Promise.resolve();
  /** True while the hub runs on embedded demo defaults with nothing written yet. */
  demo: boolean;

  private constructor(
    readonly path: string,
    initial: HubConfig,
    demo: boolean,
    private readonly log: Logger,
    private readonly opts: ConfigStoreOptions,
  ) {
    this.current = initial;
    this.demo = demo;
  }

  /**
   * Loads `path`, migrates it from an older version (backing the old file up first and writing the
   * result atomically, only once the result is valid), and validates it; with no file there,
   * starts on the demo defaults. Throws ConfigError naming each bad field.
   */
  static load(path: string, log: Logger, opts: ConfigStoreOptions = {}): ConfigStore {
    if (!existsSync(path)) {
      log.info(`no configuration at ${path}; starting on the embedded demo defaults`);
      return new ConfigStore(path, parseConfig(demoDefaults(), 'demo defaults'), true, log, opts);
    }
    // It holds camera passwords: owner-only, with its backups, also when an older hub or a hand
    // copy made them wider.
    for (const name of readdirSync(dirname(path))) {
      if (name === basename(path) || name.startsWith(`${basename(path)}.`)) ownerOnly(join(dirname(path), name), log);
    }
    const { config, from, notes } = readConfigFile(path);
    if (from < CONFIG_VERSION) {
      const backup = freeName(`${path}.v${from}.bak`);
      copyFileSync(path, backup);
      chmodSync(backup, SECRET_FILE_MODE);
      writeAtomicSync(path, `${JSON.stringify(config, null, 2)}\n`);
      log.warn(`config: ${path} migrated from version ${from} to ${CONFIG_VERSION}; the old file is kept at ${backup}`);
    }
    for (const note of notes) log.warn(`config: ${note}`);
    return new ConfigStore(path, config, false, log, opts);
  }

  get(): HubConfig {
    return this.current;
  }

  /**
   * The folders file cameras may read from: the file's `media.folders` and those of the command
   * line (with the data folder's media/ and the bundled demo footage, which the hub adds).
   */
  mediaFolders(): string[] {
    return [...new Set([...this.current.media.folders, ...(this.opts.mediaFolders ?? [])])];
  }

  /** Waits until every update called so far has been written and applied. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** Registers a listener for accepted changes; returns its unsubscribe. */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Applies `change` to a copy of the current config, validates the whole result and, only if it
   * is valid, writes it, makes it current and has every listener apply it, in registration order,
   * each awaited. Throws ConfigError otherwise.
   *
   * Updates are serialised: `change` always sees the result of every update called before it,
   * and listeners apply one change at a time, in order. So three admins adding a camera at the same
   * moment add three cameras, and a module never applies two changes at once.
   */
  update(change: (draft: HubConfigInput) => HubConfigInput | void, who = 'hub'): Promise<HubConfig> {
    const run = this.queue.then(() => this.applyNow(change, who));
    // The queue goes on after a refused change; the caller still gets its error.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(change: (draft: HubConfigInput) => HubConfigInput | void, who: string): Promise<HubConfig> {
    const draft = structuredClone(this.current) as HubConfigInput;
    const changed = change(draft) ?? draft;
    const next = parseConfig(changed, 'change');
    // Media folders decide which local files ffmpeg may read: only the file's owner sets them.
    if (JSON.stringify(next.media) !== JSON.stringify(this.current.media)) {
      throw new ConfigError('change', [
        { path: 'media.folders', message: 'can be set only in the configuration file or with hub start --media-dir, then a restart' },
      ]);
    }
    await this.write(next);
    const prev = this.current;
    this.current = next;
    this.demo = false;
    this.log.info(`configuration changed by ${who}`);
    for (const fn of this.listeners) {
      try {
        await fn(next, prev);
      } catch (err) {
        // The change is stored and current; a module that could not apply it says so and the
        // others still apply theirs.
        this.log.error(`config listener failed: ${(err as Error).message}`, { stack: (err as Error).stack });
      }
    }
    return next;
  }

  private async write(cfg: HubConfig): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // Keep the last good file beside the new one, so a bad hand edit can be rolled back.
    if (existsSync(this.path)) {
      copyFileSync(this.path, `${this.path}.bak`);
      chmodSync(`${this.path}.bak`, SECRET_FILE_MODE);
    }
    // Owner-only from its first byte: the temp file is created 0600 before the rename.
    writeAtomicSync(this.path, `${JSON.stringify(cfg, null, 2)}\n`);
  }
}

export interface ConfigStoreOptions {
  /** Media folders from the command line (`hub start --media-dir`), beside the file's own. */
  mediaFolders?: readonly string[];
}

/** Mode of files holding secrets (camera credentials): read and write by the hub's user only. */
export const SECRET_FILE_MODE = 0o600;

/** Narrows `path` to owner-only when it is wider, saying so. */
function ownerOnly(path: string, log: Logger): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  chmodSync(path, SECRET_FILE_MODE);
  log.warn(`config: ${path} was readable by others (mode ${mode.toString(8)}); now ${SECRET_FILE_MODE.toString(8)}, owner only`);
}

export interface ConfigFileReport {
  config: HubConfig;
  /** The version the file had; below CONFIG_VERSION it needs (or had) a migration. */
  from: number;
  /** What the migration changes (and, from checkConfigFile, what is valid but cannot run), one line each. */
  notes: string[];
}

/** Reads, migrates (in memory) and validates a file; throws ConfigError naming each bad field. */
function readConfigFile(path: string): ConfigFileReport {
  const { doc, from, notes } = migrate(parseJson(readFileSync(path, 'utf8'), path), path);
  return { config: parseConfig(doc, path), from, notes };
}

/**
 * Validates a file without starting anything or writing (`hub config check`): an older file is
 * migrated in memory, and the report says what its migration will change when the hub loads it.
 */
export function checkConfigFile(path: string): ConfigFileReport {
  const report = readConfigFile(path);
  return { ...report, notes: [...report.notes, ...referenceNotes(report.config)] };
}

/** `name`, or `name.2`, `name.3`... when a backup of that name exists (an earlier one is never overwritten). */
function freeName(name: string): string {
  let out = name;
  for (let n = 2; existsSync(out); n++) out = `${name}.${n}`;
  return out;
}

/** Writes a temp file, flushes it and renames it over `path`: a crash leaves the old or the new file, whole. */
function writeAtomicSync(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  // 'w' with a mode creates the file owner-only (a stale temp file is narrowed too); the old file's
  // mode does not carry over: the renamed file has this one's.
  const fd = openSync(tmp, 'w', SECRET_FILE_MODE);
  try {
    fchmodSync(fd, SECRET_FILE_MODE);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
