/**
 * A small Prometheus registry: counters and gauges with labels, plus collectors that fill gauges
 * at scrape time. Rendered in the text exposition format (version 0.0.4).
 */
export type Labels = Record<string, string>;
type Kind = 'counter' | 'gauge';

interface Family {
  name: string;
  help: string;
  kind: Kind;
  values: Map<string, { labels: Labels; value: number }>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
  /** Drops a series, e.g. when a camera is removed. */
  remove(labels: Labels): void;
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors: Array<() => void> = [];

  private family(name: string, help: string, kind: Kind): Family {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.kind !== kind) throw new Error(`metrics: ${name} registered as ${existing.kind}, not ${kind}`);
      return existing;
    }
    const fam: Family = { name, help, kind, values: new Map() };
    this.families.set(name, fam);
    return fam;
  }

  counter(name: string, help: string): Counter {
    const fam = this.family(name, help, 'counter');
    return {
      inc(labels: Labels = {}, by = 1) {
        const key = labelKey(labels);
        const cur = fam.values.get(key);
        if (cur) cur.value += by;
        else fam.values.set(key, { labels, value: by });
      },
    };
  }

  gauge(name: string, help: string): Gauge {
    const fam = this.family(name, help, 'gauge');
    return {
      set(labels: Labels, value: number) {
        fam.values.set(labelKey(labels), { labels, value });
      },
      remove(labels: Labels) {
        fam.values.delete(labelKey(labels));
      },
    };
  }

  /** Registers a function run before each scrape, to set gauges from live state. */
  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** Reads one series' current value (for tests and the API). */
  value(name: string, labels: Labels = {}): number | undefined {
    return this.families.get(name)?.values.get(labelKey(labels))?.value;
  }

  render(): string {
    for (const fn of this.collectors) fn();
    const out: string[] = [];
    for (const fam of this.families.values()) {
      out.push(`# HELP ${fam.name} ${fam.help}`, `# TYPE ${fam.name} ${fam.kind}`);
      for (const { labels, value } of fam.values.values()) {
        const l = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(',');
        out.push(`${fam.name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}
