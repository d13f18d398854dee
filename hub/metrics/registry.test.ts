import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.ts';
import { MetricsRegistry } from './registry.ts';

function withLog(maxSeries?: number): { metrics: MetricsRegistry; lines: string[] } {
  const lines: string[] = [];
  const metrics = new MetricsRegistry({ log: createLogger('metrics', (l) => lines.push(l)), maxSeries });
  return { metrics, lines };
}

describe('MetricsRegistry (prom-client under the hub facade)', () => {
  it('renders counters and gauges with their help, type and labels', async () => {
    const { metrics } = withLog();
    const c = metrics.counter('things_total', 'Things done, by kind');
    const g = metrics.gauge('things_open', 'Things open now');
    c.inc({ kind: 'a' });
    c.inc({ kind: 'a' }, 2);
    c.inc();
    g.set({}, 7);
    const text = await metrics.render();
    expect(text).toContain('# HELP things_total Things done, by kind\n# TYPE things_total counter\n');
    expect(text).toContain('things_total{kind="a"} 3\n');
    expect(text).toContain('things_total 1\n');
    expect(text).toContain('# TYPE things_open gauge\nthings_open 7\n');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('keeps a family that has no series yet on the page, as metadata only', async () => {
    const { metrics } = withLog();
    metrics.gauge('camera_online', 'Whether the camera delivers frames');
    const text = await metrics.render();
    expect(text).toContain('# TYPE camera_online gauge\n');
    expect(text).not.toMatch(/^camera_online[ {]/m);
  });

  it('escapes label values so a quote or newline in one cannot break the page', async () => {
    const { metrics } = withLog();
    metrics.counter('odd_total', 'Odd labels').inc({ v: 'a"b\\c\nd' });
    expect(await metrics.render()).toContain('odd_total{v="a\\"b\\\\c\\nd"} 1\n');
  });

  it('reads a series synchronously, in any label order, and a removed one is gone', () => {
    const { metrics } = withLog();
    const g = metrics.gauge('pairs', 'Pairs');
    g.set({ a: '1', b: '2' }, 5);
    expect(metrics.value('pairs', { b: '2', a: '1' })).toBe(5);
    g.remove({ b: '2', a: '1' });
    expect(metrics.value('pairs', { a: '1', b: '2' })).toBeUndefined();
  });

  it('runs collectors before each scrape, and one that throws costs only its own gauges', async () => {
    const { metrics, lines } = withLog();
    const g = metrics.gauge('live', 'Live value');
    let n = 0;
    metrics.collect(() => {
      throw new Error('boom');
    });
    metrics.collect(() => g.set({}, ++n));
    await metrics.render();
    const text = await metrics.render();
    expect(text).toContain('live 2\n');
    expect(lines.filter((l) => l.includes('a collector failed: Error: boom'))).toHaveLength(1);
  });

  it('refuses new label sets past the cap, counts them, and says so in one log line', async () => {
    const { metrics, lines } = withLog(3);
    const c = metrics.counter('by_camera_total', 'By camera');
    for (let i = 0; i < 10; i++) c.inc({ camera: `cam-${i}` });
    c.inc({ camera: 'cam-0' }); // an existing series still counts
    expect(metrics.value('by_camera_total', { camera: 'cam-0' })).toBe(2);
    expect(metrics.value('by_camera_total', { camera: 'cam-3' })).toBeUndefined();
    expect(metrics.value('hub_metrics_series_refused_total', { metric: 'by_camera_total' })).toBe(7);
    expect(lines.filter((l) => l.includes('by_camera_total refused a new series'))).toHaveLength(1);
    expect((await metrics.render()).match(/^by_camera_total\{/gm)).toHaveLength(3);
  });

  it('refuses a label name Prometheus cannot carry instead of writing a broken page', () => {
    const { metrics, lines } = withLog();
    metrics.gauge('named', 'Named').set({ 'bad-name': 'x' }, 1);
    expect(metrics.value('named', { 'bad-name': 'x' })).toBeUndefined();
    expect(lines.join('')).toContain('"bad-name" is not a Prometheus label name');
  });

  it('refuses a name registered as another kind, and a name Prometheus cannot carry', () => {
    const { metrics } = withLog();
    metrics.counter('x_total', 'X');
    expect(() => metrics.gauge('x_total', 'X')).toThrow(/registered as counter, not gauge/);
    expect(() => metrics.gauge('bad-name', 'X')).toThrow(/not a Prometheus metric name/);
  });

  it('keeps two hubs in one process apart', () => {
    const a = withLog().metrics;
    const b = withLog().metrics;
    a.counter('same_total', 'Same').inc({}, 3);
    b.counter('same_total', 'Same').inc({}, 5);
    expect([a.value('same_total'), b.value('same_total')]).toEqual([3, 5]);
  });

  it('adds the process metrics: CPU, memory, handles, event-loop lag and GC', async () => {
    const text = await withLog().metrics.render();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_active_handles_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });
});
