import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayAlarm, outputSetterOf } from './alarm.ts';
import { createLogger } from '../core/log.ts';

afterEach(() => vi.useRealTimers());

describe('relay alarm', () => {
  it('switches the output on, keeps it on while raised again, and off after its seconds', async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const alarm = new RelayAlarm(createLogger('t', () => {}), () => ({ setOutput: (d, o, on, by) => void calls.push(`${d}/${o} ${on} ${by}`) }));
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
    const alarm = new RelayAlarm(createLogger('t', () => {}), () => ({ setOutput: (_d, _o, on) => void calls.push(on) }));
    alarm.raise({ device: 'r', output: 'light', seconds: 600 }, 'rule:x');
    alarm.stop();
    await Promise.resolve();
    expect(calls).toEqual([true, false]);
  });
  it('stop resolves only once the switch-off writes are done', async () => {
    const calls: boolean[] = [];
    let finish!: () => void;
    const alarm = new RelayAlarm(createLogger('t', () => {}), () => ({
      setOutput: (_d, _o, on) => {
        calls.push(on);
        return on ? undefined : new Promise<void>((ok) => (finish = ok));
      },
    }));
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
  it('logs a refusal the devices subsystem reports without throwing', async () => {
    const lines: string[] = [];
    const alarm = new RelayAlarm(createLogger('t', (l) => lines.push(l)), () => ({ setOutput: async () => ({ ok: false, status: 'refused', reason: { en: 'interlock' } }) }));
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
