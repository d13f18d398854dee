/**
 * Issue 13: /metrics through prom-client. The names, types and labels the hand-written registry
 * served stay; the process's own metrics (CPU, memory, handles, event-loop lag, GC) join them; the
 * page is valid Prometheus text; and only a role with system:read may read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statDisk } from '../../hub/core/disk.ts';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';

/**
 * Every family a hub without cameras or devices served before prom-client (scraped from the
 * hand-written registry at 0c3e910, `cameras_frames_dropped_total` gone with the dead frame queue).
 * Dashboards and alerts are written against these: a rename is a breaking change.
 */
const HUB_FAMILIES: Record<string, 'counter' | 'gauge'> = {
  sse_dropped_total: 'counter',
  sse_clients: 'gauge',
  hub_health_condition: 'gauge',
  auth_login_throttled_total: 'counter',
  auth_forbidden_total: 'counter',
  auth_forbidden_unrecorded_total: 'counter',
  audit_write_failures_total: 'counter',
  record_segments_total: 'counter',
  record_bytes_total: 'counter',
  retention_deleted_segments_total: 'counter',
  record_segments_unplaced_total: 'counter',
  record_held_bytes: 'gauge',
  hub_stored_bytes: 'gauge',
  record_paused_cameras: 'gauge',
  record_holds_refused_total: 'counter',
  record_index_segments: 'gauge',
  disk_free_bytes: 'gauge',
  disk_total_bytes: 'gauge',
  cameras_frames_total: 'counter',
  camera_online: 'gauge',
  camera_fps_in: 'gauge',
  camera_bitrate_kbps: 'gauge',
  camera_restarts: 'gauge',
  camera_last_frame_timestamp_seconds: 'gauge',
  pipeline_fps_in: 'gauge',
  pipeline_fps_processed: 'gauge',
  pipeline_frames_total: 'gauge',
  pipeline_frames_dropped_total: 'gauge',
  pipeline_inference_calls_total: 'gauge',
  pipeline_inference_images_total: 'gauge',
  pipeline_latency_ms: 'gauge',
  pipeline_below_floor: 'gauge',
  pipeline_tracks_active: 'gauge',
  pipeline_stage_ms: 'gauge',
  pipeline_batch_mean: 'gauge',
  pipeline_checks_total: 'gauge',
  devices_journal_write_failures_total: 'counter',
  devices_bus_transactions: 'gauge',
  devices_bus_failures: 'gauge',
  devices_bus_timeouts: 'gauge',
  devices_bus_reconnects: 'gauge',
  devices_bus_queued: 'gauge',
  devices_bus_connected: 'gauge',
  devices_device_online: 'gauge',
  devices_pump_running: 'gauge',
  devices_pump_start_blocked: 'gauge',
  devices_alarms_active: 'gauge',
  events_started_total: 'counter',
  events_stream_dropped_total: 'counter',
  events_open: 'gauge',
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (${VALUE})(?: -?[0-9]+)?$`, 'i');
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/**
 * Parses the Prometheus text format (0.0.4) strictly: every line is blank, a HELP or TYPE line,
 * or a sample of the family the last TYPE line announced; a family is announced once.
 */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let help: { name: string; text: string } | undefined;
  let current: { name: string; family: Family } | undefined;
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line === '') return;
    let m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (m) return void (help = { name: m[1]!, text: m[2]! });
    m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (m) {
      const name = m[1]!;
      if (families.has(name)) throw new Error(`${where}: ${name} announced twice`);
      if (help?.name !== name) throw new Error(`${where}: no HELP line before it`);
      current = { name, family: { type: m[2]!, help: help.text, samples: [] } };
      return void families.set(name, current.family);
    }
    if (line.startsWith('#')) throw new Error(`${where}: not a HELP or TYPE line`);
    m = SAMPLE.exec(line);
    if (!m) throw new Error(`${where}: not a sample`);
    const [, name, body = '', value] = m as unknown as [string, string, string | undefined, string];
    const belongs = (SUFFIXES[current?.family.type ?? ''] ?? ['']).some((s) => `${current?.name}${s}` === name);
    if (!current || !belongs) throw new Error(`${where}: a sample outside its family (${current?.name})`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) throw new Error(`${where}: malformed labels`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    current.family.samples.push({ name, labels, value: Number(/^[-+]?nan$/i.test(value) ? NaN : value.replace(/inf$/i, 'Infinity')) });
  });
  return families;
}

/** The one sample of `name` with these labels. */
function sample(page: Map<string, Family>, family: string, labels: Record<string, string> = {}, name = family): number {
  const found = page.get(family)?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found?.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${found?.length ?? 0} samples`);
  return found[0]!.value;
}

describe('/metrics through prom-client', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { cameras: [] } });
  });
  afterAll(async () => t?.stop());

  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await t.request('/metrics', { role: 'admin' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  it('is read only with system:read (admin, installer), never without a session', async () => {
    expect((await t.request('/metrics')).status).toBe(401);
    for (const role of ['viewer', 'operator'] as const) {
      const res = await t.request('/metrics', { role });
      expect(res.status, role).toBe(403);
      await res.body?.cancel();
    }
    const res = await t.request('/metrics', { role: 'installer' });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it('is valid Prometheus text and keeps every family the hand-written registry served, with its type', async () => {
    const page = await scrape();
    for (const [name, type] of Object.entries(HUB_FAMILIES)) expect(page.get(name)?.type, name).toBe(type);
    // Labels as before: a labelled family's series carry the same label names.
    expect(sample(page, 'hub_stored_bytes', { kind: 'database' })).toBeGreaterThan(0);
    expect(sample(page, 'sse_clients', { stream: 'events' })).toBe(0);
    expect(sample(page, 'pipeline_stage_ms', { stage: 'infer', quantile: '0.95' })).toBeNaN();
  });

  it('counts what a request did, between two scrapes', async () => {
    const before = (await scrape()).get('auth_forbidden_total')!.samples.find((s) => s.labels.reason === 'permission')?.value ?? 0;
    const res = await t.request('/metrics', { role: 'viewer' });
    expect(res.status).toBe(403);
    await res.body?.cancel();
    expect(sample(await scrape(), 'auth_forbidden_total', { reason: 'permission' })).toBe(before + 1);
  });

  it('adds CPU, memory, handles and event-loop lag with plausible values', async () => {
    const page = await scrape();
    expect(sample(page, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(page, 'process_resident_memory_bytes')).toBeGreaterThan(20 * 2 ** 20);
    const heapUsed = sample(page, 'nodejs_heap_size_used_bytes');
    expect(heapUsed).toBeGreaterThan(0);
    expect(heapUsed).toBeLessThanOrEqual(sample(page, 'nodejs_heap_size_total_bytes'));
    expect(sample(page, 'nodejs_active_handles_total')).toBeGreaterThanOrEqual(1); // the listening socket at least
    const lag = sample(page, 'nodejs_eventloop_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(30);
  });

  it('adds the event-loop delay distribution since the last scrape', async () => {
    // Each scrape empties the delay histogram, which takes a sample every 10 ms: wait for one
    // scrape that follows another by long enough to hold samples. An empty window reads as
    // prom-client gives it (min at Node's int64 sentinel, percentiles 0): judged by both ends.
    const page = await waitFor(
      async () => {
        const p = await scrape();
        const filled = sample(p, 'nodejs_eventloop_lag_p99_seconds') > 0 && sample(p, 'nodejs_eventloop_lag_min_seconds') < 60;
        return filled ? p : undefined;
      },
      10_000,
      'a filled event-loop delay histogram',
    );
    const [min, p50, p99, max] = ['min', 'p50', 'p99', 'max'].map((q) => sample(page, `nodejs_eventloop_lag_${q}_seconds`));
    expect(min).toBeGreaterThan(0);
    expect(min).toBeLessThanOrEqual(p50!);
    expect(p50).toBeLessThanOrEqual(p99!);
    // Not p99 <= max: a percentile is its bucket's upper edge, which may pass the exact maximum.
    expect(max).toBeGreaterThanOrEqual(min!);
    expect(max).toBeLessThan(30);
  });

  it('adds GC durations by kind once the process has collected garbage', async () => {
    let garbage: unknown[] = [];
    const page = await waitFor(
      async () => {
        // Short-lived allocations: the young generation fills and V8 scavenges (a minor GC).
        for (let i = 0; i < 200_000; i++) garbage.push({ i });
        garbage = [];
        const p = await scrape();
        return p.get('nodejs_gc_duration_seconds')?.samples.some((s) => s.name.endsWith('_count') && s.value > 0) ? p : undefined;
      },
      20_000,
      'a GC in nodejs_gc_duration_seconds',
    );
    const gc = page.get('nodejs_gc_duration_seconds')!;
    expect(gc.type).toBe('histogram');
    const kinds = new Set(gc.samples.map((s) => s.labels.kind ?? '(none)'));
    expect(
      [...kinds].every((k) => ['major', 'minor', 'incremental', 'weakcb'].includes(k)),
      [...kinds].join(),
    ).toBe(true);
    for (const kind of kinds) {
      const count = sample(page, 'nodejs_gc_duration_seconds', { kind }, 'nodejs_gc_duration_seconds_count');
      expect(sample(page, 'nodejs_gc_duration_seconds', { kind, le: '+Inf' }, 'nodejs_gc_duration_seconds_bucket')).toBe(count);
      expect(sample(page, 'nodejs_gc_duration_seconds', { kind }, 'nodejs_gc_duration_seconds_sum')).toBeGreaterThanOrEqual(0);
    }
  });

  it("gives the data volume's free and total bytes as read at the scrape", async () => {
    const page = await scrape();
    const free = sample(page, 'disk_free_bytes');
    const total = sample(page, 'disk_total_bytes');
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(total);
    expect(total).toBe(statDisk(t.dataDir).totalBytes);
  });
});
