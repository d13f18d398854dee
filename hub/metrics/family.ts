export type Labels = Record<string, string>;
export type Kind = 'counter' | 'gauge';

interface Series {
  labels: Labels;
  value: number;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Same key for the same labels in any order. */
export function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/**
 * One metric family whose series are named by free-form labels, as the hub's modules use them
 * (`counter.inc({ camera })`, no label names declared up front). It is the shape prom-client's
 * `Registry` reads a metric in (`name`, `help`, `type`, `get()`, `reset()`), so prom-client renders
 * it beside its own metrics. prom-client's own Counter and Gauge do not fit here: they need their
 * label names at creation and read back only asynchronously, while modules and tests read a
 * series synchronously (`value()`).
 *
 * Series are capped: past `maxSeries` a new label set is refused (its sample dropped) and
 * `onRefused` is told, so a bug or a hostile input cannot grow the hub's memory without bound.
 */
export class Family {
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: Kind,
    private readonly maxSeries: number,
    private readonly onRefused: (family: Family, labels: Labels, why: string) => void,
  ) {}

  /** The series for `labels`, created unless the family is full or a label name is invalid. */
  private slot(labels: Labels): Series | undefined {
    const key = labelKey(labels);
    const found = this.series.get(key);
    if (found) return found;
    const bad = Object.keys(labels).find((k) => !LABEL_NAME.test(k));
    if (bad !== undefined) return void this.onRefused(this, labels, `label name ${JSON.stringify(bad)} is not a Prometheus label name`);
    if (this.series.size >= this.maxSeries) return void this.onRefused(this, labels, `it already has ${this.maxSeries} series`);
    const created = { labels: { ...labels }, value: 0 };
    this.series.set(key, created);
    return created;
  }

  inc(labels: Labels, by: number): void {
    const s = this.slot(labels);
    if (s) s.value += by;
  }

  set(labels: Labels, value: number): void {
    const s = this.slot(labels);
    if (s) s.value = value;
  }

  remove(labels: Labels): void {
    this.series.delete(labelKey(labels));
  }

  value(labels: Labels): number | undefined {
    return this.series.get(labelKey(labels))?.value;
  }

  get size(): number {
    return this.series.size;
  }

  /** prom-client's read (`Registry.metrics()` awaits it): the family with a copy of its series. */
  async get(): Promise<{ name: string; help: string; type: Kind; aggregator: 'sum'; values: Series[] }> {
    const values = [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}
