// cgroups on this host (root): a real `sh -c` child is moved into a container cgroup under a
// test-only parent and the limits are proved by behaviour: OOM kill, fork refusal, CPU quota,
// freeze/thaw. Every cgroup created is destroyed in afterEach, the parent in afterAll.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cgroups, DEFAULT_DEVICE_ALLOW, type CgroupLayout, type CgroupLimits, type ContainerCgroup } from '../../src/runtime/cgroups/index.js';

const isRoot = process.getuid?.() === 0;
const MB = 1024 * 1024;

interface Child { proc: ChildProcessWithoutNullStreams; out: string[]; err: string[]; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

describe.skipIf(!isRoot)('cgroups on this host (root)', () => {
  let layout: CgroupLayout;
  const made: ContainerCgroup[] = [];
  const children: Child[] = [];

  beforeAll(async () => {
    layout = await Cgroups.detect({ parent: `minidock-itest-${process.pid}` });
  });
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const cg of made.splice(0)) await cg.destroy().catch((e: unknown) => errors.push(e));
    for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    if (errors.length > 0) throw errors[0];
  });
  afterAll(async () => {
    if (layout) await layout.removeParent();
  });

  async function create(limits: CgroupLimits): Promise<ContainerCgroup> {
    const cg = await layout.create(`c${made.length}-${Date.now()}`, limits);
    made.push(cg);
    return cg;
  }

  /** Start `sh -c script` held at a `read`, move it into the cgroup, then let it go. */
  async function runIn(cg: ContainerCgroup, script: string): Promise<Child> {
    const proc = spawn('sh', ['-c', `read go; ${script}`], { stdio: 'pipe' });
    const child: Child = {
      proc, out: [], err: [],
      exit: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))),
    };
    children.push(child);
    proc.stdout.setEncoding('utf8').on('data', (d: string) => child.out.push(...d.split('\n').filter((l) => l !== '')));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => child.err.push(d));
    await cg.addProcess(proc.pid!);
    expect(await cg.pids()).toContain(proc.pid);
    proc.stdin.write('go\n');
    return child;
  }

  it('creates one cgroup per container with the limits written (v1: docker device allow-list)', async () => {
    const cg = await create({ memory: 32 * MB, pidsLimit: 7, nanoCpus: 5e8 });
    expect(cg.version).toBe(layout.version);
    for (const p of cg.paths) expect((await fs.stat(p)).isDirectory()).toBe(true);
    if (layout.version === 1) {
      const dir = (c: string) => cg.paths.find((p) => p.includes(`/${c}/`))!;
      expect((await fs.readFile(path.join(dir('memory'), 'memory.limit_in_bytes'), 'utf8')).trim()).toBe(String(32 * MB));
      expect((await fs.readFile(path.join(dir('cpu'), 'cpu.cfs_quota_us'), 'utf8')).trim()).toBe('50000');
      const list = (await fs.readFile(path.join(dir('devices'), 'devices.list'), 'utf8')).trim().split('\n').sort();
      expect(list).toEqual([...DEFAULT_DEVICE_ALLOW].sort());
    } else {
      const read = async (f: string) => (await fs.readFile(path.join(cg.paths[0]!, f), 'utf8')).trim();
      expect(await read('memory.max')).toBe(String(32 * MB));
      expect(await read('pids.max')).toBe('7');
      expect(await read('cpu.max')).toBe('50000 100000');
      // the controllers the limits need are enabled in the parent for this leaf
      const parentControllers = (await read('cgroup.controllers')).split(' ');
      expect(parentControllers).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids']));
    }
    const paths = cg.paths;
    await cg.destroy();
    made.pop();
    for (const p of paths) await expect(fs.stat(p)).rejects.toThrow(/ENOENT/);
  });

  it('memory 16MB: the process is OOM-killed and oomKilled() says so', async () => {
    const cg = await create({ memory: 16 * MB, memorySwap: 16 * MB });
    expect(await cg.oomKilled()).toBe(false);
    const child = await runIn(cg, 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo survived ${#x}');
    const exit = await child.exit;
    expect(child.out).not.toContain(expect.stringMatching(/^survived/));
    expect(exit.signal ?? exit.code).toBeTruthy();
    expect(await cg.oomKilled()).toBe(true);
  });

  it('pids limit 5: forks beyond it fail', async () => {
    const cg = await create({ pidsLimit: 5 });
    const child = await runIn(cg, 'i=0; while [ $i -lt 8 ]; do sleep 30 & i=$((i+1)); done; echo started; wait');
    await Promise.race([child.exit, (async () => { while (!child.err.join('').match(/fork/i)) await sleep(20); })()]);
    expect(child.err.join('')).toMatch(/fork/i);
    expect((await cg.pids()).length).toBeLessThanOrEqual(5);
    const stats = await cg.stats();
    expect(stats.pids_stats.limit).toBe(5);
  });

  it('cpus 0.2: a busy loop gets well under a full core', async () => {
    const cg = await create({ nanoCpus: 2e8 });
    await runIn(cg, 'while :; do :; done');
    await sleep(200);
    const before = await cg.stats();
    const t0 = process.hrtime.bigint();
    await sleep(1000);
    const after = await cg.stats();
    const wallNs = Number(process.hrtime.bigint() - t0);
    const used = after.cpu_stats.cpu_usage.total_usage - before.cpu_stats.cpu_usage.total_usage;
    expect(used).toBeGreaterThan(0);
    // 0.2 CPU over the window; a generous bound: under 0.5 of one core.
    expect(used / wallNs).toBeLessThan(0.5);
    expect(after.cpu_stats.throttling_data.throttled_periods).toBeGreaterThan(0);
    expect(after.cpu_stats.system_cpu_usage).toBeGreaterThan(before.cpu_stats.system_cpu_usage!);
  });

  it('freeze stops a counter and thaw resumes it', async () => {
    const cg = await create({});
    const child = await runIn(cg, 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done');
    while (child.out.length < 3) await sleep(20);
    await cg.freeze();
    await sleep(200);
    const frozenAt = child.out.length;
    await sleep(500);
    expect(child.out.length).toBe(frozenAt);
    await cg.thaw();
    const deadline = Date.now() + 5000;
    while (child.out.length === frozenAt && Date.now() < deadline) await sleep(20);
    expect(child.out.length).toBeGreaterThan(frozenAt);
  });

  it('destroy kills what is left and removes the cgroup', async () => {
    const cg = await create({});
    const child = await runIn(cg, 'sleep 60 & sleep 60 & wait');
    while ((await cg.pids()).length < 3) await sleep(20);
    await cg.destroy();
    made.pop();
    expect((await child.exit).signal).toBe('SIGKILL');
    for (const p of cg.paths) await expect(fs.stat(p)).rejects.toThrow(/ENOENT/);
  });
});
