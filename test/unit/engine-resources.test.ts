// Resource limits, pause/unpause, update, OOM, stats and top in the engine over fake services.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { updateFields } from '../../src/engine/resources.js';
import { psRow } from '../../src/engine/top.js';
import { ramInBytes, resourceFields } from '../../src/cli/run-flags.js';
import { cpuPercent, memUsageNoCache, statsRow } from '../../src/cli/stats-format.js';
import { bytesSize } from '../../src/api/human.js';
import type { ContainerStats } from '../../src/runtime/cgroups/index.js';
import { fakeServices } from '../helpers/fake-services.js';

let dir: string;
let svc: ReturnType<typeof fakeServices>;
let engine: Engine;
const MiB = 1024 * 1024;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'D-res-'));
  svc = fakeServices();
  engine = new Engine({ root: path.join(dir, 'root'), run: path.join(dir, 'run') }, svc, { log: () => undefined });
  await engine.init();
});
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const events = () => {
  const seen: string[] = [];
  engine.events({}, (e) => seen.push(e.Action));
  return seen;
};

describe('create: resource fields', () => {
  it.each([
    [{ Memory: 1024 }, 'Minimum memory limit allowed is 6MB'],
    [{ Memory: 16 * MiB, MemorySwap: 8 * MiB }, 'Minimum memoryswap limit should be larger than memory limit, see usage'],
    [{ MemorySwap: 8 * MiB }, 'You should always set the Memory limit when using Memoryswap limit, see usage'],
    [{ Memory: 16 * MiB, MemoryReservation: 32 * MiB }, 'Minimum memory limit can not be less than memory reservation limit, see usage'],
    [{ NanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ CpusetCpus: '0-7' }, 'Requested CPUs are not available - requested 0-7, available: 0-1'],
    [{ Memory: 'lots' }, 'invalid HostConfig.Memory'],
  ])('%j is refused with a 400: %s', async (hc, msg) => {
    const err = await engine.create({ Image: 'busybox', HostConfig: hc as never }).catch((e) => e);
    expect(err.message).toContain(msg);
    expect(err.status).toBe(400);
    expect(engine.list(true)).toEqual([]);
  });

  it('stores the values, shows them in inspect, creates the cgroup before exec with the init inside', async () => {
    const { Id } = await engine.create({ Image: 'busybox', HostConfig: { Memory: 16 * MiB, NanoCpus: 5e8, CpuShares: 512, CpusetCpus: '0', PidsLimit: 5, OomKillDisable: true } });
    const hc = engine.inspect(Id).HostConfig;
    expect(hc).toMatchObject({ Memory: 16 * MiB, MemorySwap: 32 * MiB, MemoryReservation: 0, NanoCpus: 5e8, CpuShares: 512, CpusetCpus: '0', PidsLimit: 5, OomKillDisable: true }); // docker: swap defaults to memory again
    await engine.start(Id);
    const cg = svc.cgroups.live.get(Id)!;
    expect(cg.limits).toMatchObject({ memory: 16 * MiB, memorySwap: 32 * MiB, nanoCpus: 5e8, cpuShares: 512, cpusetCpus: '0', pidsLimit: 5, oomKillDisable: true });
    expect(cg.procs).toEqual([engine.inspect(Id).State.Pid]);
  });

  it('a container without limits has docker zero values and still gets a cgroup', async () => {
    const { Id } = await engine.create({ Image: 'busybox' });
    expect(engine.inspect(Id).HostConfig).toMatchObject({ Memory: 0, NanoCpus: 0, PidsLimit: null, OomKillDisable: null });
    await engine.start(Id);
    expect(svc.cgroups.live.has(Id)).toBe(true);
  });
});

describe('exit, oom, removal', () => {
  it('an OOM kill: State.OOMKilled, exit 137, oom before die; the cgroup is destroyed', async () => {
    const seen = events();
    const { Id } = await engine.create({ Image: 'busybox', HostConfig: { Memory: 16 * MiB } });
    await engine.start(Id);
    const cg = svc.cgroups.live.get(Id)!;
    cg.oom = true;
    const done = (engine as unknown as { core: { exited(id: string): Promise<void> } }).core.exited(Id);
    svc.runtime.end(Id, 137);
    await done;
    expect(engine.inspect(Id).State).toMatchObject({ Status: 'exited', OOMKilled: true, ExitCode: 137 });
    expect(seen.slice(-3)).toEqual(['oom', 'die', 'disconnect']); // docker: the network's disconnect follows the die
    expect(cg.destroyed).toBe(true);
    expect(svc.cgroups.live.size).toBe(0);
  });

  it('a normal exit is not an OOM; rm -f destroys the cgroup', async () => {
    const seen = events();
    const { Id } = await engine.create({ Image: 'busybox' });
    await engine.start(Id);
    await engine.remove(Id, { force: true });
    expect(seen).not.toContain('oom');
    expect(svc.cgroups.live.size).toBe(0);
  });
});

describe('pause, unpause, update', () => {
  it('pause freezes, shows paused, refuses twice; unpause thaws; events', async () => {
    const seen = events();
    const { Id } = await engine.create({ Image: 'busybox' });
    await expect(engine.pause(Id)).rejects.toThrow(`Container ${Id} is not running`);
    await engine.start(Id);
    await engine.pause(Id);
    expect(engine.counts()).toMatchObject({ running: 0, paused: 1 }); // /info counts it as paused, not running
    expect(svc.cgroups.live.get(Id)!.frozen).toBe(true);
    expect(engine.inspect(Id).State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
    expect(engine.list(false)[0]!.State).toBe('paused');
    await expect(engine.pause(Id)).rejects.toThrow(`Container ${Id} is already paused`);
    await engine.unpause(Id);
    expect(svc.cgroups.live.get(Id)!.frozen).toBe(false);
    await expect(engine.unpause(Id)).rejects.toThrow(`Container ${Id} is not paused`);
    expect(seen).toEqual(['create', 'connect', 'start', 'pause', 'unpause']); // the network's connect before the start, as docker
  });

  it('kill of a paused container thaws it after the signal', async () => {
    const { Id } = await engine.create({ Image: 'busybox' });
    await engine.start(Id);
    await engine.pause(Id);
    const cg = svc.cgroups.live.get(Id)!;
    await engine.kill(Id, 'SIGUSR1');
    expect(cg.frozen).toBe(false);
    expect(engine.inspect(Id).State.Paused).toBe(false);
  });

  it('update applies to the running cgroup and the record; RestartPolicy and others refused by name', async () => {
    const seen = events();
    const { Id } = await engine.create({ Image: 'busybox', HostConfig: { Memory: 16 * MiB } });
    await engine.start(Id);
    await engine.update(Id, { Memory: 12 * MiB, PidsLimit: 10 });
    expect(svc.cgroups.live.get(Id)!.limits).toMatchObject({ memory: 12 * MiB, pidsLimit: 10 });
    expect(engine.inspect(Id).HostConfig).toMatchObject({ Memory: 12 * MiB, PidsLimit: 10 });
    expect(seen.at(-1)).toBe('update');
    await expect(engine.update(Id, { Memory: 1000 })).rejects.toThrow('Minimum memory limit allowed is 6MB');
    expect(() => updateFields({ RestartPolicy: { Name: 'always' } })).toThrow('RestartPolicy');
    expect(() => updateFields({ BlkioWeight: 300 } as never)).toThrow('BlkioWeight');
    expect(updateFields({ RestartPolicy: { Name: '' }, CpuShares: 100 })).toEqual({ CpuShares: 100 });
  });

  it('update of a stopped container validates and records for the next start', async () => {
    const { Id } = await engine.create({ Image: 'busybox' });
    await engine.update(Id, { NanoCpus: 1e9 });
    await engine.start(Id);
    expect(svc.cgroups.live.get(Id)!.limits.nanoCpus).toBe(1e9);
  });
});

describe('stats and top', () => {
  it('stats of a running container: the cgroup half plus name, id, read, precpu from the previous sample', async () => {
    const { Id } = await engine.create({ Image: 'busybox', HostConfig: { Memory: 16 * MiB } }, 'st');
    await engine.start(Id);
    const first = await engine.stats(Id);
    expect(first).toMatchObject({ id: Id, name: '/st', preread: '0001-01-01T00:00:00Z', memory_stats: { limit: 16 * MiB } });
    const second = await engine.stats(Id, first);
    expect(second.preread).toBe(first.read);
    expect(second.precpu_stats).toEqual(first.cpu_stats);
  });

  it('top lists the cgroup pids and refuses a stopped container', async () => {
    const { Id } = await engine.create({ Image: 'busybox' });
    await expect(engine.top(Id)).rejects.toThrow('is not running');
    await engine.start(Id);
    const top = await engine.top(Id);
    expect(top.Titles).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  });

  it('psRow computes ps -ef columns from /proc texts', () => {
    const boot = Date.parse('2024-05-01T00:00:00');
    const stat = '123 (sleep) S 100 123 123 34817 123 4194560 100 0 0 0 250 50 0 0 20 0 1 0 360000 1000 100';
    const row = psRow({ pid: 123, stat, status: 'Name:\tsleep\nUid:\t1000\t1000\t1000\t1000\n', cmdline: 'sleep\0' + '300\0' },
      { now: boot + 3_700_000, bootTime: boot, users: new Map([[1000, 'alice']]) });
    // started 3600 s after boot, ran 3 s of cpu in 100 s: C = 3; tty 34817 = pts/1
    expect(row).toEqual(['alice', '123', '100', '3', '01:00', 'pts/1', '00:00:03', 'sleep 300']);
  });
});

describe('cli: units, flags, stats formulas', () => {
  it('ramInBytes takes docker units', () => {
    expect(ramInBytes('--memory', '6m')).toBe(6 * MiB);
    expect(ramInBytes('--memory', '1g')).toBe(1024 * MiB);
    expect(ramInBytes('--memory', '512k')).toBe(512 * 1024);
    expect(ramInBytes('--memory', '100')).toBe(100);
    expect(ramInBytes('--memory', '16MiB')).toBe(16 * MiB);
    expect(() => ramInBytes('--memory', 'lots')).toThrow('invalid argument "lots" for "--memory" flag');
  });

  it('resourceFields maps the flags', () => {
    expect(resourceFields({ memory: '16m', memorySwap: '-1', cpus: '0.2', cpuShares: '512', cpusetCpus: '0', pidsLimit: '5', oomKillDisable: true }))
      .toEqual({ Memory: 16 * MiB, MemorySwap: -1, NanoCpus: 2e8, CpuShares: 512, CpusetCpus: '0', PidsLimit: 5, OomKillDisable: true });
    expect(resourceFields({})).toEqual({});
    expect(() => resourceFields({ cpus: 'x' })).toThrow('--cpus');
  });

  it('docker CLI formulas: cpu %, memory without cache, sizes', () => {
    const s = {
      id: 'a'.repeat(64), name: '/web', read: '2024-01-01T00:00:01Z', preread: '2024-01-01T00:00:00Z', storage_stats: {}, num_procs: 0,
      cpu_stats: { cpu_usage: { total_usage: 3e8, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 2e9 + 1e12, online_cpus: 2, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
      precpu_stats: { cpu_usage: { total_usage: 1e8, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 1e12, online_cpus: 2, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
      memory_stats: { usage: 10 * MiB, limit: 16 * MiB, stats: { total_inactive_file: 2 * MiB } },
      pids_stats: { current: 3 },
      blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 1e6 }], io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
      networks: { eth0: { rx_bytes: 1500, tx_bytes: 200, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 } },
    } as ContainerStats;
    expect(cpuPercent(s)).toBeCloseTo(20);
    expect(memUsageNoCache(s.memory_stats)).toBe(8 * MiB);
    expect(bytesSize(16 * MiB)).toBe('16MiB');
    expect(bytesSize(2000)).toBe('1.953KiB');
    expect(statsRow(s)).toEqual(['aaaaaaaaaaaa', 'web', '20.00%', '8MiB / 16MiB', '50.00%', '1.5kB / 200B', '4.1kB / 1MB', '3']);
  });
});
