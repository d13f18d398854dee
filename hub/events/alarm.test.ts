import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayAlarm, outputSetterOf } from './alarm.ts';
import { createLogger } from '../core/log.ts';

afterEach(() => vi.useRealTimers());

describe('relay alarm', () => {
  it('switches the output on, keeps it on while raised again, and off after its seconds', async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const alarm = new RelayAlarm(
      createLogger('t', () => {}),
      () => ({ setOutput: (d, o, on, by) => void calls.push(`${d}/${o} ${on} ${by}`) }),
    );
    alarm.raise({ device: 'relay-1', output: 'siren', seconds: 10 }, 'rule:yard');
    await vi.advanceTimersByTimeAsync(6000);
    alarm.raise({ device: 'relay-1', output: 'siren', seconds: 10 }, 'rule:yard');
    await vi.advanceTimersByTimeAsync(6000);
    expect(calls).toEqual(['relay-1/siren true rule:yard']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual(['relay-1/siren true rule:yard', 'relay-1/siren false rule:yard']);
  });
  it('switches outputs off when the hub stops', async () => {
    const calls: boolean[] = [];
    const alarm = new RelayAlarm(
      createLogger('t', () => {}),
      () => ({ setOutput: (_d, _o, on) => void calls.push(on) }),
    );
    alarm.raise({ device: 'r', output: 'light', seconds: 600 }, 'rule:x');
    await alarm.stop();
    expect(calls).toEqual([true, false]);
  });
  it('stop resolves only once the switch-off writes are done', async () => {
    const calls: boolean[] = [];
    let finish!: () => void;
    const alarm = new RelayAlarm(
      createLogger('t', () => {}),
      () => ({
        setOutput: (_d, _o, on) => {
          calls.push(on);
          return on ? undefined : new Promise<void>((ok) => (finish = ok));
        },
      }),
    );
    alarm.raise({ device: 'r', output: 'siren', seconds: 600 }, 'rule:x');
    let stopped = false;
    const stopping = Promise.resolve(alarm.stop()).then(() => void (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([true, false]);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
  });
  it('never writes one output twice at once: an alert raised while the off is being verified ends with the siren on', async () => {
    vi.useFakeTimers();
    // A relay on a busy bus: each write is verified 300 ms later; the coil is what landed last.
    let coil = false;
    let inFlight = 0;
    let maxInFlight = 0;
    const writes: boolean[] = [];
    const alarm = new RelayAlarm(
      createLogger('t', () => {}),
      () => ({
        setOutput: async (_d, _o, on) => {
          writes.push(on);
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await new Promise((ok) => setTimeout(ok, 300));
          coil = on;
          inFlight--;
          return { ok: true };
        },
      }),
    );
    const siren = { device: 'io', output: 'relay1', seconds: 2 };
    alarm.raise(siren, 'rule:line');
    await vi.advanceTimersByTimeAsync(2100); // on verified; the off is being written
    expect(writes).toEqual([true, false]);
    alarm.raise(siren, 'rule:line'); // a new alert while the off is in flight
    await vi.advanceTimersByTimeAsync(700);
    expect(maxInFlight).toBe(1);
    expect(writes).toEqual([true, false, true]);
    expect(coil).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(coil).toBe(false);
    expect(maxInFlight).toBe(1);
  });

  it('tries a switch-off again until it is verified, so a siren never stays on after a failed write', async () => {
    vi.useFakeTimers();
    const results = [{ ok: true }, { ok: false, status: 'failed' }, { ok: false, status: 'failed' }, { ok: true }];
    const writes: boolean[] = [];
    const alarm = new RelayAlarm(
      createLogger('t', () => {}),
      () => ({
        setOutput: async (_d, _o, on) => {
          writes.push(on);
          return results.shift() ?? { ok: true };
        },
      }),
    );
    alarm.raise({ device: 'io', output: 'relay1', seconds: 1 }, 'rule:line');
    await vi.advanceTimersByTimeAsync(1000 + 500 + 1000 + 10);
    expect(writes).toEqual([true, false, false, false]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toHaveLength(4);
  });

  it('does not retry a refusal (an interlock will not change its mind)', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const alarm = new RelayAlarm(
      createLogger('t', () => {}),
      () => ({
        setOutput: async () => (calls++, { ok: false, status: 'refused', reason: { en: 'contactor output' } }),
      }),
    );
    alarm.raise({ device: 'io', output: 'relay1', seconds: 60 }, 'rule:line');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls).toBe(1);
  });

  it('logs a refusal the devices subsystem reports without throwing', async () => {
    const lines: string[] = [];
    const alarm = new RelayAlarm(
      createLogger('t', (l) => lines.push(l)),
      () => ({ setOutput: async () => ({ ok: false, status: 'refused', reason: { en: 'interlock' } }) }),
    );
    alarm.raise({ device: 'r', output: 'siren', seconds: 1 }, 'rule:x');
    await new Promise((r) => setTimeout(r, 10));
    alarm.stop();
    expect(lines.join('')).toMatch(/not switched on: refused .*interlock/);
  });
  it('finds a setter only on a devices service that has one', () => {
    expect(outputSetterOf(undefined)).toBeUndefined();
    expect(outputSetterOf({ values: () => [] })).toBeUndefined();
    expect(outputSetterOf({ setOutput: () => {} })).toBeDefined();
  });
});
