import { existsSync, mkdirSync, readFileSync, copyFileSync, openSync, writeSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { TextFile } from 'lowdb/node';
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
 * config. Writes are atomic (lowdb's writer writes a temp file and renames it).
 */
export class ConfigStore {
  private current: HubConfig;
  private readonly db: Low<string>;
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
  ) {
    this.current = initial;
    this.demo = demo;
    this.db = new Low(new TextFile(path), '');
  }

  /**
   * Loads `path`, migrates it from an older version (backing the old file up first and writing the
   * result atomically, only once the result is valid), and validates it; with no file there,
   * starts on the demo defaults. Throws ConfigError naming each bad field.
   */
  static load(path: string, log: Logger): ConfigStore {
    if (!existsSync(path)) {
      log.info(`no configuration at ${path}; starting on the embedded demo defaults`);
      return new ConfigStore(path, parseConfig(demoDefaults(), 'demo defaults'), true, log);
    }
    const { config, from, notes } = readConfigFile(path);
    if (from < CONFIG_VERSION) {
      const backup = freeName(`${path}.v${from}.bak`);
      copyFileSync(path, backup);
      writeAtomicSync(path, `${JSON.stringify(config, null, 2)}\n`);
      log.warn(`config: ${path} migrated from version ${from} to ${CONFIG_VERSION}; the old file is kept at ${backup}`);
    }
    for (const note of notes) log.warn(`config: ${note}`);
    return new ConfigStore(path, config, false, log);
  }

  get(): HubConfig {
    return this.current;
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
    mkdirSync(dirname(this.path), { recursive: true });
    // Keep the last good file beside the new one, so a bad hand edit can be rolled back.
    if (existsSync(this.path)) copyFileSync(this.path, `${this.path}.bak`);
    this.db.data = `${JSON.stringify(cfg, null, 2)}\n`;
    await this.db.write();
  }
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
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
