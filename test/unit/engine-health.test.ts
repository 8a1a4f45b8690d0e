// Healthchecks: the state machine, the merge and checks of a Healthcheck, the probe runner with a
// fake exec, and a container's loop on a fake clock (vitest's fake timers: no real waiting).
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  applyResult, checkHealthConfig, LimitedOutput, mergeHealthConfig, nextProbeDelayMs, probeCommand, runProbe,
  startHealthcheck, stopHealthcheck, type ProbeDeps,
} from '../../src/engine/health.js';
import type { EngineCore } from '../../src/engine/core.js';
import type { ContainerRecord, HealthResult, HealthState } from '../../src/engine/record.js';
import type { ExecProcessLike } from '../../src/engine/services.js';
import { Mutex } from '../../src/state/mutex.js';
import { filterContainers, parseContainerFilters } from '../../src/engine/container-filters.js';
import { containerStatus } from '../../src/api/human.js';
import { formatGoDuration, parseGoDuration } from '../../src/wire/duration.js';
import { healthcheckField } from '../../src/cli/run-flags.js';

const S = 1e9;
const T0 = '2026-01-01T00:00:00.000Z';
const at = (sec: number) => new Date(Date.parse(T0) + sec * 1000).toISOString();
const res = (sec: number, code: number, out = ''): HealthResult => ({ Start: at(sec), End: at(sec), ExitCode: code, Output: out });
const starting: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };

describe('health state machine (moby handleProbeResult)', () => {
  it('a success is healthy and resets the streak', () => {
    const h = applyResult({ Status: 'unhealthy', FailingStreak: 4, Log: [] }, res(1, 0, 'ok\n'), {}, T0);
    expect(h).toEqual({ Status: 'healthy', FailingStreak: 0, Log: [res(1, 0, 'ok\n')] });
  });

  it('failures inside the start period do not count while starting', () => {
    const hc = { StartPeriod: 10 * S, Retries: 1 };
    const h = applyResult(starting, res(9, 1), hc, T0);
    expect(h.Status).toBe('starting');
    expect(h.FailingStreak).toBe(0);
    expect(h.Log).toHaveLength(1);
    const after = applyResult(h, res(10, 1), hc, T0);
    expect(after).toMatchObject({ Status: 'unhealthy', FailingStreak: 1 });
  });

  it('failures inside the start period count once the container was healthy', () => {
    const h = applyResult({ Status: 'healthy', FailingStreak: 0, Log: [] }, res(2, 1), { StartPeriod: 10 * S, Retries: 2 }, T0);
    expect(h).toMatchObject({ Status: 'healthy', FailingStreak: 1 });
    expect(applyResult(h, res(3, 1), { StartPeriod: 10 * S, Retries: 2 }, T0)).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
  });

  it('is unhealthy after `retries` failures in a row (3 by default, also for 0 or less)', () => {
    let h = starting;
    for (let i = 1; i <= 2; i++) h = applyResult(h, res(i, 1), {}, T0);
    expect(h).toMatchObject({ Status: 'starting', FailingStreak: 2 });
    h = applyResult(h, res(3, -1), { Retries: 0 }, T0);
    expect(h).toMatchObject({ Status: 'unhealthy', FailingStreak: 3 });
    expect(applyResult(h, res(4, 2), {}, T0)).toMatchObject({ Status: 'unhealthy', FailingStreak: 4 });
  });

  it('keeps the last 5 results, oldest first', () => {
    let h = starting;
    for (let i = 1; i <= 7; i++) h = applyResult(h, res(i, i % 2), {}, T0);
    expect(h.Log.map((r) => r.Start)).toEqual([3, 4, 5, 6, 7].map(at));
  });

  it('probes at the start interval only while starting inside the start period', () => {
    const hc = { Interval: 30 * S, StartPeriod: 60 * S, StartInterval: 2 * S };
    const now = (sec: number) => Date.parse(at(sec));
    expect(nextProbeDelayMs(hc, 'starting', T0, now(10))).toBe(2000);
    expect(nextProbeDelayMs(hc, 'healthy', T0, now(10))).toBe(30_000);
    expect(nextProbeDelayMs(hc, 'starting', T0, now(60))).toBe(30_000);
    expect(nextProbeDelayMs({ StartPeriod: 60 * S }, 'starting', T0, now(1))).toBe(5000);
    expect(nextProbeDelayMs({}, 'starting', T0, now(0))).toBe(30_000);
  });
});

describe('Healthcheck config', () => {
  it('maps the probe types to a command', () => {
    expect(probeCommand(['CMD', 'test', '-f', '/x'])).toEqual(['test', '-f', '/x']);
    expect(probeCommand(['CMD-SHELL', 'test -f /x || exit 1'])).toEqual(['/bin/sh', '-c', 'test -f /x || exit 1']);
    expect(probeCommand(['NONE'])).toBeUndefined();
    expect(probeCommand([])).toBeUndefined();
    expect(probeCommand(undefined)).toBeUndefined();
  });

  it('merges the request over the image as dockerd does', () => {
    const image = { Test: ['CMD-SHELL', 'img'], Interval: 5 * S, Retries: 4 };
    expect(mergeHealthConfig(undefined, image)).toEqual(image);
    expect(mergeHealthConfig({ Test: [], Interval: 1 * S, Timeout: 0 }, image)).toEqual({ Test: ['CMD-SHELL', 'img'], Interval: 1 * S, Retries: 4 });
    expect(mergeHealthConfig({ Test: ['NONE'] }, image)).toEqual({ Test: ['NONE'], Interval: 5 * S, Retries: 4 });
    expect(mergeHealthConfig({ Test: ['CMD', 'true'], Retries: 0 }, null)).toEqual({ Test: ['CMD', 'true'] });
    expect(mergeHealthConfig(undefined, undefined)).toBeUndefined();
  });

  it.each([
    [{ Interval: 999_999 }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ StartInterval: 5 }, 'StartInterval in Healthcheck cannot be less than 1ms'],
    [{ Timeout: 1.5 }, 'Timeout in Healthcheck must be a whole number of nanoseconds'],
    [{ Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
    [{ Test: ['CMD'] }, 'Healthcheck.Test CMD needs a command'],
    [{ Test: ['NONE', 'x'] }, 'Healthcheck.Test NONE takes no command'],
    [{ Test: ['SHELL', 'x'] }, "unknown healthcheck type 'SHELL'"],
    [{ Test: 'CMD true' }, 'Healthcheck.Test must be an array of strings'],
  ])('refuses %j', (hc, message) => {
    expect(() => checkHealthConfig(hc as never)).toThrow(message);
  });

  it('accepts what docker sends', () => {
    expect(() => checkHealthConfig({ Test: ['CMD-SHELL', 'true'], Interval: 1e6, Timeout: 0, Retries: 0, StartPeriod: 0, StartInterval: 0 })).not.toThrow();
    expect(() => checkHealthConfig({ Test: ['NONE'] })).not.toThrow();
    expect(() => checkHealthConfig(null)).not.toThrow();
  });
});

describe('run flags --health-* and --no-healthcheck (docker CLI)', () => {
  it('builds the Healthcheck', () => {
    expect(healthcheckField({ healthCmd: 'test -f /tmp/ok', healthInterval: '1s', healthRetries: '2', healthcheck: true })).toEqual({
      Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1 * S, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 2,
    });
    // only a duration: the image's command stays (Test empty)
    expect(healthcheckField({ healthTimeout: '1m30s' })).toEqual({ Test: [], Interval: 0, Timeout: 90 * S, StartPeriod: 0, StartInterval: 0, Retries: 0 });
    expect(healthcheckField({ healthStartPeriod: '500ms', healthStartInterval: '0' })).toMatchObject({ StartPeriod: 0.5 * S, StartInterval: 0 });
    expect(healthcheckField({ healthcheck: true })).toBeUndefined();
    expect(healthcheckField({ healthcheck: false })).toEqual({ Test: ['NONE'] });
  });

  it.each([
    [{ healthcheck: false, healthCmd: 'true' }, '--no-healthcheck conflicts with --health-* options'],
    [{ healthInterval: '-1s' }, '--health-interval cannot be negative'],
    [{ healthRetries: '-1' }, '--health-retries cannot be negative'],
    [{ healthTimeout: '10' }, 'invalid argument "10" for "--health-timeout" flag: time: invalid duration "10"'],
    [{ healthRetries: 'x' }, 'invalid argument "x" for "--health-retries" flag'],
  ])('refuses %j', (flags, message) => {
    expect(() => healthcheckField(flags)).toThrow(message);
  });
});

describe('Go durations (wire/duration.ts)', () => {
  it.each([[0, '0s'], [1 * S, '1s'], [30 * S, '30s'], [90 * S, '1m30s'], [1.5 * S, '1.5s'], [3600 * S, '1h0m0s'], [5e8, '500ms'], [1500, '1.5µs'], [7, '7ns']])(
    'formats %d as %s and reads it back', (ns, text) => {
      expect(formatGoDuration(ns)).toBe(text);
      expect(parseGoDuration(text)).toBe(ns);
    });
  it('refuses what Go refuses', () => {
    for (const t of ['10', '1d', '', 's', '1 s']) expect(parseGoDuration(t)).toBeUndefined();
  });
});

describe('probe output (moby limitedBuffer)', () => {
  it('keeps 4096 bytes and marks the cut', () => {
    const out = new LimitedOutput();
    out.push(Buffer.from('a'.repeat(4000)));
    expect(out.text()).toBe('a'.repeat(4000));
    out.push(Buffer.from('b'.repeat(200)));
    expect(out.text()).toBe(`${'a'.repeat(4000)}${'b'.repeat(96)}...`);
  });
});

/** A fake exec'd process: exits with `code` after writing `output`, or never when code is undefined. */
function fakeProcess(pid: number, code: number | undefined, output = ''): ExecProcessLike & { killed: boolean } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let finish!: (c: number) => void;
  const done = new Promise<number>((r) => { finish = r; });
  const p = { pid, stdin: new PassThrough(), stdout, stderr, resize: () => {}, wait: () => done, killed: false };
  if (code !== undefined) {
    stdout.end(output);
    stderr.end();
    finish(code);
  }
  return p;
}

afterEach(() => { vi.useRealTimers(); });

describe('runProbe with a fake exec', () => {
  const deps = (proc: () => Promise<ExecProcessLike>, kills: number[] = []): ProbeDeps => ({ exec: proc, kill: (pid) => { kills.push(pid); }, now: () => new Date(T0) });

  it('reports the exit code and the output', async () => {
    const r = await runProbe(deps(async () => fakeProcess(7, 3, 'no file\n')), 'c', ['test', '-f', '/x'], 30 * S);
    expect(r).toEqual({ Start: T0, End: T0, ExitCode: 3, Output: 'no file\n' });
  });

  it('a probe that cannot start is -1 with the error', async () => {
    const r = await runProbe(deps(async () => { throw new Error('exec: "curl": executable file not found in $PATH'); }), 'c', ['curl'], 30 * S);
    expect(r).toMatchObject({ ExitCode: -1, Output: 'exec: "curl": executable file not found in $PATH' });
  });

  it('kills a probe that outlives its timeout', async () => {
    vi.useFakeTimers();
    const kills: number[] = [];
    const pending = runProbe(deps(async () => fakeProcess(42, undefined), kills), 'c', ['sleep', '9'], 2 * S);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await pending).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (2s)' });
    expect(kills).toEqual([42]);
  });
});

describe('a container health loop on a fake clock', () => {
  function fakeCore(rec: ContainerRecord) {
    const events: string[] = [];
    const saved: string[] = [];
    const core = {
      health: new Map(),
      store: { maybe: (id: string) => (id === rec.Id ? rec : undefined), save: async (r: ContainerRecord) => { saved.push(r.State.Health!.Status); } },
      lock: (() => { const m = new Mutex(); return () => m; })(),
      emit: (_r: ContainerRecord, action: string) => { events.push(action); },
      log: () => {},
    } as unknown as EngineCore;
    return { core, events, saved };
  }

  function record(): ContainerRecord {
    return {
      Id: 'c1', Config: { Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1 * S, Retries: 2 } },
      State: { Status: 'running', StartedAt: new Date().toISOString() },
    } as unknown as ContainerRecord;
  }

  it('goes starting → unhealthy → healthy, one event per change, and stops', async () => {
    vi.useFakeTimers({ now: Date.parse(T0) });
    const rec = record();
    const { core, events, saved } = fakeCore(rec);
    let ok = false;
    const calls: string[][] = [];
    const deps: ProbeDeps = { exec: async (_id, args) => { calls.push(args); return fakeProcess(1, ok ? 0 : 1); }, kill: () => {}, now: () => new Date() };
    startHealthcheck(core, rec, { deps });
    expect(rec.State.Health).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    expect(calls).toHaveLength(0); // nothing runs before the first interval
    await vi.advanceTimersByTimeAsync(1000);
    expect(rec.State.Health).toMatchObject({ Status: 'starting', FailingStreak: 1 });
    expect(calls).toEqual([['/bin/sh', '-c', 'test -f /tmp/ok']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rec.State.Health).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
    ok = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(rec.State.Health).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(rec.State.Health!.Log).toHaveLength(3);
    expect(events).toEqual(['health_status: unhealthy', 'health_status: healthy']);
    expect(saved).toEqual(['starting', 'unhealthy', 'healthy']);
    stopHealthcheck(core, rec.Id);
    expect(core.health.size).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(3);
  });

  it('drops the result of a probe in flight when the loop is stopped, and kills the probe', async () => {
    vi.useFakeTimers({ now: Date.parse(T0) });
    const rec = record();
    const { core, events } = fakeCore(rec);
    const kills: number[] = [];
    startHealthcheck(core, rec, { deps: { exec: async () => fakeProcess(9, undefined), kill: (pid) => { kills.push(pid); }, now: () => new Date() } });
    await vi.advanceTimersByTimeAsync(1000);
    stopHealthcheck(core, rec.Id);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(kills).toEqual([9]);
    expect(rec.State.Health).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    expect(events).toEqual([]);
  });

  it('skips probes while paused, resumes the recorded state, and runs nothing for NONE', async () => {
    vi.useFakeTimers({ now: Date.parse(T0) });
    const rec = record();
    rec.State.Paused = true;
    rec.State.Health = { Status: 'unhealthy', FailingStreak: 7, Log: [] };
    const { core } = fakeCore(rec);
    let n = 0;
    const deps: ProbeDeps = { exec: async () => { n++; return fakeProcess(1, 0); }, kill: () => {}, now: () => new Date() };
    startHealthcheck(core, rec, { resume: true, deps });
    expect(rec.State.Health.Status).toBe('unhealthy');
    await vi.advanceTimersByTimeAsync(3000);
    expect(n).toBe(0);
    rec.State.Paused = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(n).toBe(1);
    expect(rec.State.Health).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    stopHealthcheck(core, rec.Id);

    const none = record();
    none.Config.Healthcheck = { Test: ['NONE'] };
    startHealthcheck(core, none, { deps });
    expect(none.State.Health).toBeUndefined();
    expect(core.health.size).toBe(0);
  });
});

describe('health in ps', () => {
  it('words the status as docker', () => {
    const now = Date.parse(at(5));
    expect(containerStatus({ status: 'running', exitCode: 0, startedAt: T0, health: 'healthy' }, now)).toBe('Up 5 seconds (healthy)');
    expect(containerStatus({ status: 'running', exitCode: 0, startedAt: T0, health: 'unhealthy' }, now)).toBe('Up 5 seconds (unhealthy)');
    expect(containerStatus({ status: 'running', exitCode: 0, startedAt: T0, health: 'starting' }, now)).toBe('Up 5 seconds (health: starting)');
    expect(containerStatus({ status: 'running', exitCode: 0, startedAt: T0 }, now)).toBe('Up 5 seconds');
    expect(containerStatus({ status: 'paused', exitCode: 0, startedAt: T0, health: 'healthy' }, now)).toBe('Up 5 seconds (Paused)');
  });

  it('filters by health, a container without a check being none', () => {
    const mk = (id: string, health?: HealthState['Status']) => ({
      Id: id, Name: `/${id}`, Created: T0, Config: {}, Networks: {}, Endpoints: {},
      State: { Status: 'running', ExitCode: 0, ...(health ? { Health: { Status: health, FailingStreak: 0, Log: [] } } : {}) },
    }) as unknown as ContainerRecord;
    const all = [mk('a', 'healthy'), mk('b', 'unhealthy'), mk('c'), mk('d', 'starting')];
    const names = (f: string) => filterContainers(all, parseContainerFilters(f), () => all[0]!, () => []).map((r) => r.Id);
    expect(names('{"health":["healthy"]}')).toEqual(['a']);
    expect(names('{"health":["unhealthy","starting"]}')).toEqual(['b', 'd']);
    expect(names('{"health":["none"]}')).toEqual(['c']);
  });
});
