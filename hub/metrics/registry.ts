/**
 * The hub's metrics, exposed at /metrics in the Prometheus text format through prom-client: one
 * prom-client `Registry` per hub (several hubs share a process in tests, so never prom-client's
 * global one) holds the families modules create with `counter()` and `gauge()`; the process's own
 * metrics (CPU, memory, handles, event-loop lag, GC durations) come from prom-client's default
 * collectors and are rendered beside them.
 */
import { Registry, collectDefaultMetrics, validateMetricName, type Metric } from 'prom-client';
import { createLogger, type Logger } from '../core/log.ts';
import { Family, type Kind, type Labels } from './family.ts';

export type { Labels } from './family.ts';

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
  /** Drops a series, e.g. when a camera is removed. */
  remove(labels: Labels): void;
}

export interface MetricsOptions {
  /** Told once per family that refuses a series, and when a collector fails. */
  log?: Logger;
  /** Series one family may hold before new label sets are refused. */
  maxSeries?: number;
}

/** Enough for every camera, stream, device or reason a hub has, with room; far below a leak. */
export const DEFAULT_MAX_SERIES = 1000;

let processMetrics: Registry | undefined;

/**
 * prom-client's default collectors, once per process: they describe the process, not a hub, and
 * each set installs a GC observer and an event-loop delay monitor that are never removed, so one
 * set per hub (or per registry a test builds) would pile up in a process that starts many.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

export class MetricsRegistry {
  /**
   * The hub's prom-client registry. A module that needs a metric kind the facade lacks (a
   * histogram) may register a prom-client metric here directly (`registers: [metrics.prom]`).
   */
  readonly prom = new Registry();
  private readonly families = new Map<string, Family>();
  private readonly collectors: Array<{ fn: () => void; failing: boolean }> = [];
  private readonly log: Logger;
  private readonly maxSeries: number;
  private readonly toldFull = new Set<string>();
  private readonly refused: Family;

  constructor(opts: MetricsOptions = {}) {
    this.log = opts.log ?? createLogger('metrics');
    this.maxSeries = opts.maxSeries ?? DEFAULT_MAX_SERIES;
    processRegistry();
    this.refused = this.family(
      'hub_metrics_series_refused_total',
      'Samples dropped because their metric already had its maximum of series or a label name was invalid, by metric',
      'counter',
    );
  }

  private family(name: string, help: string, kind: Kind): Family {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.type !== kind) throw new Error(`metrics: ${name} registered as ${existing.type}, not ${kind}`);
      return existing;
    }
    if (!validateMetricName(name)) throw new Error(`metrics: ${JSON.stringify(name)} is not a Prometheus metric name`);
    const fam = new Family(name, help, kind, this.maxSeries, (f, labels, why) => this.onRefused(f, labels, why));
    // A Family has the shape prom-client's registry reads (name, help, type, get, reset); it is not
    // a subclass of prom-client's Metric, whose label names are fixed at creation.
    this.prom.registerMetric(fam as unknown as Metric);
    this.families.set(name, fam);
    return fam;
  }

  private onRefused(f: Family, labels: Labels, why: string): void {
    if (f !== this.refused) this.refused.inc({ metric: f.name }, 1);
    if (this.toldFull.has(f.name)) return;
    this.toldFull.add(f.name);
    this.log.warn(
      `${f.name} refused a new series ${JSON.stringify(labels)}: ${why}; ` +
        'its new label sets are dropped from now on (counted in hub_metrics_series_refused_total)',
    );
  }

  counter(name: string, help: string): Counter {
    const fam = this.family(name, help, 'counter');
    return { inc: (labels = {}, by = 1) => fam.inc(labels, by) };
  }

  gauge(name: string, help: string): Gauge {
    const fam = this.family(name, help, 'gauge');
    return { set: (labels, value) => fam.set(labels, value), remove: (labels) => fam.remove(labels) };
  }

  /** Registers a function run before each scrape, to set gauges from live state. */
  collect(fn: () => void): void {
    this.collectors.push({ fn, failing: false });
  }

  /** Reads one series' current value (for tests and the API). */
  value(name: string, labels: Labels = {}): number | undefined {
    return this.families.get(name)?.value(labels);
  }

  /** The Content-Type of what `render()` returns. */
  get contentType(): string {
    return this.prom.contentType;
  }

  /**
   * Runs the collectors (synchronously, before the first await: a caller that does not await still
   * sees the gauges set), then renders the hub's and the process's metrics.
   */
  render(): Promise<string> {
    this.runCollectors();
    return Registry.merge([this.prom, processRegistry()]).metrics();
  }

  private runCollectors(): void {
    for (const c of this.collectors) {
      // One collector's error must not cost the whole scrape; told once until it recovers.
      try {
        c.fn();
        c.failing = false;
      } catch (err) {
        if (!c.failing) this.log.warn(`a collector failed: ${(err as Error).stack ?? String(err)}`);
        c.failing = true;
      }
    }
  }
}
