// Resource limits end to end (issue 9): bin/minidock → API → engine → cgroups on this host.
// Root only; one throwaway engine with its own cgroup parent, removed in afterAll.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cgroups } from '../../src/runtime/cgroups/index.js';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('cgroups through the cli (root)', () => {
  let eng: TestEngine;
  const started: string[] = [];

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterEach(async () => {
    if (started.length) await eng.cli(['rm', '-f', ...started.splice(0)], { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  async function runD(args: string[]): Promise<string> {
    const r = await eng.cli(['run', '-d', ...args]);
    expect(r.exitCode, r.stderr).toBe(0);
    const id = r.stdout.trim();
    started.push(id);
    return id;
  }

  async function inspect(id: string, format: string): Promise<string> {
    const r = await eng.cli(['inspect', '-f', format, id]);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.trim();
  }

  it('run -m 16m of a memory hog: exit 137, OOMKilled in inspect, HostConfig.Memory shown', async () => {
    const r = await eng.cli(['run', '--name', 'hog', '-m', '16m', '--memory-swap', '16m', IMAGE, 'sh', '-c', 'x=a; while true; do x="$x$x"; done'], { timeoutMs: 60_000 });
    started.push('hog');
    expect(r.exitCode).toBe(137);
    expect(await inspect('hog', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}')).toBe(`true 137 ${16 * 1024 * 1024}`);
  }, 90_000);

  it('the container sees its own cgroups, read-only, at /sys/fs/cgroup, with its limits', async () => {
    // v1: one directory per hierarchy (memory/, pids/ ...); v2: the container's one directory
    const { version } = await Cgroups.detect();
    const script = version === 1
      ? 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/memory/x 2>/dev/null || echo read-only; ls /sys/fs/cgroup/memory | grep -c "^memory\\."'
      : 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; touch /sys/fs/cgroup/x 2>/dev/null || echo read-only; ls /sys/fs/cgroup | grep -c "^memory\\."';
    const r = await eng.cli(['run', '--rm', '-m', '24m', '--pids-limit', '33', IMAGE, 'sh', '-c', script]);
    const [limit, pids, ro, files] = r.stdout.trim().split('\n');
    expect(r.exitCode, r.stderr).toBe(0);
    expect([limit, pids, ro]).toEqual([String(24 * 1024 * 1024), '33', 'read-only']);
    expect(Number(files)).toBeGreaterThan(5); // the memory controller's files, not an empty dir
  }, 60_000);

  it('--pids-limit 5 makes forks fail', async () => {
    const r = await eng.cli(['run', '--rm', '--pids-limit', '5', IMAGE, 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait']);
    expect(r.stderr).toMatch(/can't fork|Resource temporarily unavailable|fork/i);
  }, 60_000);

  it('--cpus 0.2 caps a busy loop (stats CPU %: 20% of one CPU, uncapped it would be ~100%)', async () => {
    const id = await runD(['--cpus', '0.2', IMAGE, 'sh', '-c', 'while :; do :; done']);
    await sleep(1000);
    const cpu = async () => {
      const r = await eng.cli(['stats', '--no-stream', id]);
      expect(r.exitCode, r.stderr).toBe(0);
      return Number(/\s(\d+\.\d\d)%/.exec(r.stdout.split('\n')[1] ?? '')?.[1]);
    };
    const samples = [await cpu(), await cpu(), await cpu()];
    const avg = samples.reduce((x, y) => x + y, 0) / samples.length;
    // generous bound: the quota is 20ms per 100ms period
    expect(avg).toBeLessThan(40);
    expect(avg).toBeGreaterThan(2);
  }, 60_000);

  it('pause stops a counter, unpause resumes it; ps and inspect show paused', async () => {
    const id = await runD([IMAGE, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.1; done']);
    await sleep(500);
    expect((await eng.cli(['pause', id])).exitCode).toBe(0);
    expect(await inspect(id, '{{.State.Status}} {{.State.Paused}} {{.State.Running}}')).toBe('paused true true');
    expect((await eng.cli(['ps'])).stdout).toMatch(/Up .* \(Paused\)/);
    const fs = await import('node:fs/promises');
    const pid = Number(await inspect(id, '{{.State.Pid}}'));
    const counter = async () => Number((await fs.readFile(`/proc/${pid}/root/tmp/n`, 'utf8')).trim());
    const p1 = await counter();
    await sleep(1000);
    expect(await counter()).toBe(p1);
    expect((await eng.cli(['unpause', id])).exitCode).toBe(0);
    await sleep(1000);
    expect(await counter()).toBeGreaterThan(p1);
    expect(await inspect(id, '{{.State.Status}} {{.State.Paused}}')).toBe('running false');
    // a paused container is killed as docker does: thawed so the signal lands
    expect((await eng.cli(['pause', id])).exitCode).toBe(0);
    const stop = await eng.cli(['stop', '-t', '1', id], { timeoutMs: 30_000 });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(await inspect(id, '{{.State.Status}}')).toBe('exited');
  }, 60_000);

  it('stats --no-stream prints a row with a 16MiB limit; top lists the process; update -m changes the limit', async () => {
    const id = await runD(['--name', 'statme', '-m', '16m', IMAGE, 'sleep', '300']);
    const s = await eng.cli(['stats', '--no-stream', id]);
    expect(s.exitCode, s.stderr).toBe(0);
    const [header, row] = s.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    expect(row).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+statme\\s+\\d+\\.\\d\\d%\\s+\\S+ / 16MiB\\s+\\d+\\.\\d\\d%\\s+.+\\s+1$`));

    const top = await eng.cli(['top', id]);
    expect(top.exitCode, top.stderr).toBe(0);
    expect(top.stdout.split('\n')[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(top.stdout).toMatch(/sleep 300/);

    const u = await eng.cli(['update', '-m', '12m', '--memory-swap', '24m', id]);
    expect(u.exitCode, u.stderr).toBe(0);
    const s2 = await eng.cli(['stats', '--no-stream', id]);
    expect(s2.stdout).toMatch(/ \/ 12MiB/);
    expect(await inspect(id, '{{.HostConfig.Memory}}')).toBe(String(12 * 1024 * 1024));
  }, 60_000);
});
