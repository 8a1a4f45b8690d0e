// Healthchecks through the CLI with real containers: --health-* flags going starting →
// unhealthy → healthy (after `exec touch`), in inspect, ps and events; the loop resumed after an
// engine restart; an image's HEALTHCHECK and --no-healthcheck; a probe killed at its timeout.
// Root only; own throwaway engine.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';
const HC_IMAGE = '127.0.0.1:5000/healthcheck:latest';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Health { Status: string; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] }
interface Inspected { State: { Status: string; Health?: Health }; Config: { Healthcheck?: Record<string, unknown> } }

describe.skipIf(!isRoot)('healthchecks through the CLI (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE, HC_IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  async function inspect(name: string): Promise<Inspected> {
    const r = await eng.cli(['inspect', name]);
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Inspected[])[0]!;
  }

  /** Polls until the container's health is `status` (a generous bound: the machine is shared). */
  async function waitHealth(name: string, status: string): Promise<Health> {
    let last: Health | undefined;
    for (let i = 0; i < 120; i++) {
      last = (await inspect(name)).State.Health;
      if (last?.Status === status) return last;
      await sleep(250);
    }
    throw new Error(`${name} never became ${status}: ${JSON.stringify(last)}`);
  }

  /** The ps line of a container (its STATUS column is what docker users read). */
  async function psLine(name: string): Promise<string> {
    const r = await eng.cli(['ps', '-a']);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split('\n').find((l) => l.trimEnd().endsWith(` ${name}`)) ?? '';
  }

  /** GET /containers/json?filters=... on the engine's socket: names, or the error message. */
  function listFiltered(filters: Record<string, string[]>): Promise<{ status: number; names: string[]; message?: string }> {
    const path = `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(filters))}`;
    return new Promise((resolve, reject) => {
      http.get({ socketPath: eng.env.MINIDOCK_HOST, path }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          const j = JSON.parse(body);
          resolve(res.statusCode === 200 ? { status: 200, names: (j as { Names: string[] }[]).map((c) => c.Names[0]!.slice(1)) } : { status: res.statusCode!, names: [], message: j.message });
        });
      }).on('error', reject);
    });
  }

  it('--health-cmd: starting, unhealthy after the retries, healthy after exec touch; ps, filter and events agree', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const r = await eng.cli(['run', '-d', '--name', 'hc1', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '1s', '--health-retries', '2', IMAGE, 'sleep', '300']);
    expect(r.exitCode, r.stderr).toBe(0);
    const first = await inspect('hc1');
    expect(first.Config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1e9, Retries: 2 });
    // the first probe runs an interval after the start and fails: starting until the second
    expect(first.State.Health?.Status).toMatch(/^(starting|unhealthy)$/);

    const sick = await waitHealth('hc1', 'unhealthy');
    expect(sick.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(sick.Log.length).toBeGreaterThanOrEqual(2);
    expect(sick.Log.length).toBeLessThanOrEqual(5);
    expect(sick.Log.every((l) => l.ExitCode === 1 && Date.parse(l.End) >= Date.parse(l.Start))).toBe(true);
    expect(await psLine('hc1')).toMatch(/ Up .* \(unhealthy\) /);
    expect((await listFiltered({ health: ['unhealthy'] })).names).toContain('hc1');

    expect((await eng.cli(['exec', 'hc1', 'touch', '/tmp/ok'])).exitCode).toBe(0);
    const well = await waitHealth('hc1', 'healthy');
    expect(well.FailingStreak).toBe(0);
    expect(well.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: '' });
    expect(await psLine('hc1')).toMatch(/ Up .* \(healthy\) /);
    expect((await listFiltered({ health: ['healthy'] })).names).toEqual(['hc1']);
    expect(await listFiltered({ health: ['bogus'] })).toMatchObject({ status: 400, message: 'Unrecognised filter value for health: bogus' });

    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await eng.cli(['events', '--since', since, '--until', until, '--filter', 'container=hc1', '--filter', 'event=health_status', '--format', '{{json .}}']);
    expect(ev.exitCode, ev.stderr).toBe(0);
    const actions = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    expect(actions.map((a) => a.Action)).toEqual(['health_status: unhealthy', 'health_status: healthy']);
    expect(actions[0]!.Actor.Attributes.name).toBe('hc1');
  }, 90_000);

  it('the loop survives an engine crash and restart with the recorded state, and ends with stop', async () => {
    const before = await waitHealth('hc1', 'healthy');
    // an engine crash (SIGKILL): the record holds the last probe's state; the shim keeps the container
    await eng.stop('SIGKILL');
    await eng.start();
    const after = await inspect('hc1');
    expect(after.State.Status).toBe('running');
    expect(after.State.Health?.Status).toBe('healthy');
    expect(after.State.Health?.Log[0]?.Start).toBeDefined();
    expect(Date.parse(after.State.Health!.Log.at(-1)!.End)).toBeGreaterThanOrEqual(Date.parse(before.Log.at(-1)!.End));
    // probes go on: a removed file turns it unhealthy again
    expect((await eng.cli(['exec', 'hc1', 'rm', '/tmp/ok'])).exitCode).toBe(0);
    await waitHealth('hc1', 'unhealthy');

    expect((await eng.cli(['stop', '-t', '1', 'hc1'])).exitCode).toBe(0);
    const stopped = await inspect('hc1');
    expect(stopped.State.Status).toBe('exited');
    expect(stopped.State.Health?.Status).toBe('unhealthy');
    expect(await psLine('hc1')).toMatch(/ Exited \(\d+\) .* ago /);
    await sleep(2500); // two intervals: a loop still running would have added a result
    expect((await inspect('hc1')).State.Health).toEqual(stopped.State.Health);
    // a new start begins at starting again, with the log kept
    expect((await eng.cli(['start', 'hc1'])).exitCode).toBe(0);
    const restarted = await inspect('hc1');
    expect(restarted.State.Health).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    expect(restarted.State.Health!.Log.length).toBeGreaterThan(0);
    expect((await eng.cli(['rm', '-f', 'hc1'])).exitCode).toBe(0);
  }, 120_000);

  it("an image's HEALTHCHECK runs; --no-healthcheck disables it", async () => {
    const r = await eng.cli(['run', '-d', '--name', 'hc2', HC_IMAGE]);
    expect(r.exitCode, r.stderr).toBe(0);
    const cfg = (await inspect('hc2')).Config.Healthcheck;
    expect(cfg).toEqual({ Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1e9, Timeout: 5e9, Retries: 2 });
    await waitHealth('hc2', 'unhealthy');
    expect((await eng.cli(['exec', 'hc2', 'touch', '/tmp/ok'])).exitCode).toBe(0);
    await waitHealth('hc2', 'healthy');

    // the request's fields win over the image's, the image's command stays
    const over = await eng.cli(['create', '--name', 'hc3', '--health-retries', '5', HC_IMAGE]);
    expect(over.exitCode, over.stderr).toBe(0);
    expect((await inspect('hc3')).Config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1e9, Timeout: 5e9, Retries: 5 });

    const off = await eng.cli(['run', '-d', '--name', 'hc4', '--no-healthcheck', HC_IMAGE]);
    expect(off.exitCode, off.stderr).toBe(0);
    const i = await inspect('hc4');
    expect(i.Config.Healthcheck?.Test).toEqual(['NONE']);
    await sleep(2500); // two of the image's intervals
    expect((await inspect('hc4')).State.Health).toBeUndefined();
    expect(await psLine('hc4')).toMatch(/ Up [^(]* hc4$/);
    expect((await listFiltered({ health: ['none'] })).names).toContain('hc4');

    const both = await eng.cli(['run', '-d', '--no-healthcheck', '--health-cmd', 'true', HC_IMAGE]);
    expect(both.exitCode).toBe(125);
    expect(both.stderr).toContain('--no-healthcheck conflicts with --health-* options');
    expect((await eng.cli(['rm', '-f', 'hc2', 'hc3', 'hc4'])).exitCode).toBe(0);
  }, 120_000);

  it('a probe that outlives its timeout is killed and counts as a failure (-1)', async () => {
    const r = await eng.cli(['run', '-d', '--name', 'hc5', '--health-cmd', 'sleep 31', '--health-timeout', '300ms', '--health-interval', '1s', '--health-retries', '1', IMAGE, 'sleep', '300']);
    expect(r.exitCode, r.stderr).toBe(0);
    const h = await waitHealth('hc5', 'unhealthy');
    expect(h.Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (300ms)' });
    // the killed probe is gone from the container
    const ps = await eng.cli(['exec', 'hc5', 'ps', '-o', 'args']);
    expect(ps.stdout).not.toContain('sleep 31');
    expect((await eng.cli(['rm', '-f', 'hc5'])).exitCode).toBe(0);
  }, 90_000);
});
