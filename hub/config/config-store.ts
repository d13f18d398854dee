import { existsSync, mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { TextFile } from 'lowdb/node';
import type { Logger } from '../core/log.ts';
import { ConfigError, parseConfig, type HubConfig, type HubConfigInput } from './schema.ts';
import { demoDefaults } from './demo-defaults.ts';

/** Reads JSON text; a syntax error becomes a ConfigError that says where in the file. */
function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(where, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
}

type Listener = (next: HubConfig, prev: HubConfig) => void;

/**
 * The configuration document. Every change is validated against the one schema before it is
 * kept; an invalid change throws ConfigError and leaves both memory and disk on the previous good
 * config. Writes are atomic (lowdb's writer writes a temp file and renames it).
 */
export class ConfigStore {
  private current: HubConfig;
  private readonly db: Low<string>;
  private readonly listeners = new Set<Listener>();
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

  /** Loads and validates `path`; with no file there, starts on the demo defaults. */
  static load(path: string, log: Logger): ConfigStore {
    if (!existsSync(path)) {
      log.info(`no configuration at ${path}; starting on the embedded demo defaults`);
      return new ConfigStore(path, parseConfig(demoDefaults(), 'demo defaults'), true, log);
    }
    const doc = parseJson(readFileSync(path, 'utf8'), path);
    return new ConfigStore(path, parseConfig(doc, path), false, log);
  }

  get(): HubConfig {
    return this.current;
  }

  /** Registers a listener for accepted changes; returns its unsubscribe. */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Applies `change` to a copy of the current config, validates the whole result and, only if it
   * is valid, writes it and makes it current. Throws ConfigError otherwise.
   */
  async update(change: (draft: HubConfigInput) => HubConfigInput | void, who = 'hub'): Promise<HubConfig> {
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
        fn(next, prev);
      } catch (err) {
        this.log.error(`config listener failed: ${(err as Error).message}`);
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

/** Validates a file without starting anything (`hub config check`). */
export function checkConfigFile(path: string): HubConfig {
  return parseConfig(parseJson(readFileSync(path, 'utf8'), path), path);
}
