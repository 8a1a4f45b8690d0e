// cgroups without root: docker's limit validation and conversions, mountinfo detection,
// the stats parsers, and a whole v2 container cgroup driven against a fake directory tree.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MinidockError, TeardownError } from '../../src/errors.js';
import {
  Cgroups, cpuMaxFromNanoCpus, cpuMaxLine, cpuWeightFromShares, detectMounts, parseCpuList, parseNetDev, parseProcStat,
  swapMaxV2, validateLimits, type CgroupCapabilities,
} from '../../src/runtime/cgroups/index.js';
import { parseBlkioV1, parseIoStatV2 } from '../../src/runtime/cgroups/stats-parse.js';

const MB = 1024 * 1024;
const v1caps: CgroupCapabilities = { version: 1, numCpus: 2, onlineCpus: '0-1', swap: true, oomKillDisable: true };
const v2caps: CgroupCapabilities = { version: 2, numCpus: 2, onlineCpus: '0-1', swap: true, oomKillDisable: false };

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MinidockError);
    expect((err as MinidockError).status).toBe(400);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('validateLimits (docker daemon_unix.go rules)', () => {
  it('refuses memory under 6MB and accepts 6MB', () => {
    expect(refused(() => validateLimits({ memory: 6 * MB - 1 }, v1caps))).toBe('Minimum memory limit allowed is 6MB');
    expect(validateLimits({ memory: 6 * MB }, v1caps).limits.memory).toBe(6 * MB);
  });
  it('memory-swap must be >= memory, needs memory, -1 is unlimited', () => {
    expect(refused(() => validateLimits({ memory: 32 * MB, memorySwap: 16 * MB }, v1caps)))
      .toBe('Minimum memoryswap limit should be larger than memory limit, see usage');
    expect(refused(() => validateLimits({ memorySwap: 16 * MB }, v1caps)))
      .toBe('You should always set the Memory limit when using Memoryswap limit, see usage');
    expect(validateLimits({ memory: 16 * MB, memorySwap: -1 }, v1caps).limits.memorySwap).toBe(-1);
  });
  it('refuses --memory-swap naming it when the host has no swap accounting', () => {
    expect(refused(() => validateLimits({ memory: 16 * MB, memorySwap: 32 * MB }, { ...v1caps, swap: false }))).toMatch(/^--memory-swap is not supported/);
    expect(validateLimits({ memory: 16 * MB }, { ...v1caps, swap: false }).limits.memory).toBe(16 * MB);
  });
  it('memory-reservation minimum and ordering', () => {
    expect(refused(() => validateLimits({ memoryReservation: MB }, v1caps))).toBe('Minimum memory reservation allowed is 6MB');
    expect(refused(() => validateLimits({ memory: 8 * MB, memoryReservation: 16 * MB }, v1caps)))
      .toBe('Minimum memory limit can not be less than memory reservation limit, see usage');
  });
  it('cpus range is 0.01..numCpus', () => {
    expect(refused(() => validateLimits({ nanoCpus: 3e9 }, v1caps))).toBe('Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    expect(refused(() => validateLimits({ nanoCpus: -1 }, v1caps))).toMatch(/^Range of CPUs/);
    expect(refused(() => validateLimits({ nanoCpus: 1e6 }, v1caps))).toMatch(/--cpus 0.001/);
    expect(validateLimits({ nanoCpus: 2e9 }, v1caps).warnings).toEqual([]);
  });
  it('cpu-shares are clamped with docker warnings, negatives refused', () => {
    const low = validateLimits({ cpuShares: 1 }, v1caps);
    expect(low.limits.cpuShares).toBe(2);
    expect(low.warnings).toEqual(['Changing requested CPUShares of 1 to minimum allowed of 2']);
    expect(validateLimits({ cpuShares: 300000 }, v1caps).limits.cpuShares).toBe(262144);
    expect(refused(() => validateLimits({ cpuShares: -5 }, v1caps))).toBe('shares: invalid argument');
  });
  it('cpuset-cpus is checked against the online CPUs', () => {
    expect(refused(() => validateLimits({ cpusetCpus: '0-3' }, v1caps))).toBe('Requested CPUs are not available - requested 0-3, available: 0-1');
    expect(refused(() => validateLimits({ cpusetCpus: '1-x' }, v1caps))).toMatch(/^Invalid value 1-x for cpuset cpus/);
    expect(validateLimits({ cpusetCpus: '1' }, v1caps).limits.cpusetCpus).toBe('1');
  });
  it('pids-limit 0 and -1 mean unlimited', () => {
    expect(validateLimits({ pidsLimit: -1 }, v1caps).limits.pidsLimit).toBe(0);
    expect(validateLimits({ pidsLimit: 5 }, v1caps).limits.pidsLimit).toBe(5);
  });
  it('oom-kill-disable: v2 refuses naming it; v1 warns without a memory limit', () => {
    expect(refused(() => validateLimits({ oomKillDisable: true }, v2caps))).toBe('--oom-kill-disable is not supported on cgroup v2');
    expect(validateLimits({ oomKillDisable: true }, v1caps).warnings[0]).toMatch(/^OOM killer is disabled/);
    expect(validateLimits({ oomKillDisable: true, memory: 16 * MB }, v1caps).warnings).toEqual([]);
  });
  it('refuses non-integers naming the flag', () => {
    expect(refused(() => validateLimits({ memory: 1.5 }, v1caps))).toMatch(/--memory 1.5/);
  });
});

describe('conversions', () => {
  it('NanoCpus to CFS quota/period and cpu.max', () => {
    expect(cpuMaxFromNanoCpus(2e8)).toEqual({ quota: 20000, period: 100000 });
    expect(cpuMaxLine(1.5e9)).toBe('150000 100000');
    expect(cpuMaxLine(0)).toBe('max 100000');
  });
  it('cpu-shares to cpu.weight', () => {
    expect(cpuWeightFromShares(2)).toBe(1);
    expect(cpuWeightFromShares(1024)).toBe(39);
    expect(cpuWeightFromShares(262144)).toBe(10000);
  });
  it('memory.swap.max is swap minus memory', () => {
    expect(swapMaxV2(16 * MB, 48 * MB)).toBe(String(32 * MB));
    expect(swapMaxV2(16 * MB, -1)).toBe('max');
    expect(swapMaxV2(16 * MB, 0)).toBe(String(16 * MB));
    expect(swapMaxV2(0, 0)).toBeUndefined();
  });
  it('parses cpu lists', () => {
    expect(parseCpuList('0-2,5,4')).toEqual([0, 1, 2, 4, 5]);
    expect(() => parseCpuList('3-1')).toThrow(/invalid range/);
  });
});

describe('mountinfo', () => {
  const hybrid = [
    '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    ...['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'].map((c, i) => `${31 + i} 30 0:${28 + i} / /sys/fs/cgroup/${c} rw,relatime - cgroup cgroup rw,${c}`),
    '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');
  it('a hybrid host is driven through v1', () => {
    const m = detectMounts(hybrid);
    expect(m.version).toBe(1);
    if (m.version === 1) expect(m.controllers.memory).toBe('/sys/fs/cgroup/memory');
  });
  it('co-mounted controllers share a directory', () => {
    const text = hybrid.split('\n').filter((l) => !/ rw,cpu(acct)?$/.test(l))
      .concat('31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct').join('\n');
    const m = detectMounts(text);
    if (m.version !== 1) throw new Error('expected v1');
    expect(m.controllers.cpu).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(m.controllers.cpuacct).toBe('/sys/fs/cgroup/cpu,cpuacct');
  });
  it('pure v2 and a missing v1 controller', () => {
    expect(detectMounts('29 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate')).toEqual({ version: 2, root: '/sys/fs/cgroup' });
    expect(() => detectMounts('31 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory')).toThrow(/not mounted: cpu, cpuacct/);
    expect(() => detectMounts('')).toThrow(/no cgroup hierarchy/);
  });
});

describe('stats parsers', () => {
  it('/proc/stat to system_cpu_usage in ns', () => {
    const r = parseProcStat('cpu  10 0 5 80 5 0 0 3 0 0\ncpu0 5 0 2 40 3 0 0 0 0 0\ncpu1 5 0 3 40 2 0 0 0 0 0\nintr 1\n');
    expect(r).toEqual({ systemUsage: 100 * 1e7, cpus: 2 });
  });
  it('/proc/<pid>/net/dev without loopback', () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0:    1500      10    1    2    0     0          0         0      700       5    3    4    0     0       0          0
`;
    expect(parseNetDev(text)).toEqual({
      eth0: { rx_bytes: 1500, rx_packets: 10, rx_errors: 1, rx_dropped: 2, tx_bytes: 700, tx_packets: 5, tx_errors: 3, tx_dropped: 4 },
    });
    expect(Object.keys(parseNetDev(text, { includeLoopback: true }))).toEqual(['lo', 'eth0']);
  });
  it('blkio v1 and io.stat v2', () => {
    expect(parseBlkioV1('8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n')).toEqual([
      { major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 8192 },
    ]);
    expect(parseIoStatV2('253:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n').bytes).toEqual([
      { major: 253, minor: 0, op: 'read', value: 10 }, { major: 253, minor: 0, op: 'write', value: 20 },
    ]);
  });
});

describe('v2 against a fake tree', () => {
  let tmp: string;
  let root: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-cg2-'));
    root = path.join(tmp, 'cgroup');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    await fs.writeFile(path.join(root, 'cgroup.subtree_control'), '');
    await fs.writeFile(path.join(tmp, 'online'), '0-1\n');
    await fs.writeFile(path.join(tmp, 'stat'), 'cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 1 0 0 0 0 0 0 0 0 0\n');
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });
  const layout = () => Cgroups.v2(path.join(tmp, 'cgroup'), { parent: 'testparent', host: { procRoot: tmp, cpuOnlineFile: path.join(tmp, 'online') } });
  const read = (...p: string[]) => fs.readFile(path.join(root, ...p), 'utf8');

  it('creates <parent>/<id>, enables controllers and writes the limits', async () => {
    // The kernel makes the parent's subtree_control and the leaf's files; the fake pre-creates them.
    await fs.mkdir(path.join(root, 'testparent', 'c1'), { recursive: true });
    await fs.writeFile(path.join(root, 'testparent', 'cgroup.subtree_control'), '');
    for (const f of ['memory.max', 'memory.swap.max', 'cpu.max', 'pids.max']) await fs.writeFile(path.join(root, 'testparent', 'c1', f), 'max');
    const cg = await layout().create('c1', { memory: 16 * MB, memorySwap: 48 * MB, nanoCpus: 5e8, cpuShares: 512, cpusetCpus: '1', pidsLimit: 5, memoryReservation: 8 * MB });
    expect(cg.paths).toEqual([path.join(root, 'testparent', 'c1')]);
    expect(await read('cgroup.subtree_control')).toBe('+cpuset +cpu +io +memory +pids');
    expect(await read('testparent', 'cgroup.subtree_control')).toBe('+cpuset +cpu +io +memory +pids');
    expect(await read('testparent', 'c1', 'memory.max')).toBe(String(16 * MB));
    expect(await read('testparent', 'c1', 'memory.swap.max')).toBe(String(32 * MB));
    expect(await read('testparent', 'c1', 'memory.low')).toBe(String(8 * MB));
    expect(await read('testparent', 'c1', 'cpu.max')).toBe('50000 100000');
    expect(await read('testparent', 'c1', 'cpu.weight')).toBe(String(cpuWeightFromShares(512)));
    expect(await read('testparent', 'c1', 'cpuset.cpus')).toBe('1');
    expect(await read('testparent', 'c1', 'pids.max')).toBe('5');

    await cg.update({ pidsLimit: -1, nanoCpus: 0 });
    expect(await read('testparent', 'c1', 'pids.max')).toBe('max');
    expect(await read('testparent', 'c1', 'cpu.max')).toBe('max 100000');
    expect(await read('testparent', 'c1', 'memory.max')).toBe(String(16 * MB));

    await cg.addProcess(4242);
    expect(await read('testparent', 'c1', 'cgroup.procs')).toBe('4242');
    await fs.writeFile(path.join(root, 'testparent', 'c1', 'cgroup.procs'), '4242\n4243\n');
    expect(await cg.pids()).toEqual([4242, 4243]);

    await fs.writeFile(path.join(root, 'testparent', 'c1', 'cgroup.events'), 'populated 1\nfrozen 1\n');
    await cg.freeze();
    expect(await read('testparent', 'c1', 'cgroup.freeze')).toBe('1');
    await fs.writeFile(path.join(root, 'testparent', 'c1', 'cgroup.events'), 'populated 1\nfrozen 0\n');
    await cg.thaw();
    expect(await read('testparent', 'c1', 'cgroup.freeze')).toBe('0');

    await fs.writeFile(path.join(root, 'testparent', 'c1', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n');
    expect(await cg.oomKilled()).toBe(false);
    await fs.writeFile(path.join(root, 'testparent', 'c1', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(await cg.oomKilled()).toBe(true);

    const c1 = (f: string, v: string) => fs.writeFile(path.join(root, 'testparent', 'c1', f), v);
    await c1('cpu.stat', 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n');
    await c1('memory.current', '1048576\n');
    await c1('memory.peak', '2097152\n');
    await c1('memory.stat', 'anon 4096\nfile 8192\n');
    await c1('pids.current', '2\n');
    await c1('io.stat', '8:0 rbytes=1 wbytes=2 rios=3 wios=4\n');
    const s = await cg.stats();
    expect(s.cpu_stats).toEqual({
      cpu_usage: { total_usage: 1_500_000, usage_in_kernelmode: 500_000, usage_in_usermode: 1_000_000 },
      system_cpu_usage: 100 * 1e7, online_cpus: 2, throttling_data: { periods: 7, throttled_periods: 2, throttled_time: 30_000 },
    });
    expect(s.memory_stats).toEqual({ usage: 1048576, max_usage: 2097152, limit: 16 * MB, stats: { anon: 4096, file: 8192 } });
    expect(s.pids_stats).toEqual({ current: 2, limit: undefined });
    expect(s.blkio_stats.io_service_bytes_recursive).toEqual([
      { major: 8, minor: 0, op: 'read', value: 1 }, { major: 8, minor: 0, op: 'write', value: 2 },
    ]);

    // A fake directory holding plain files cannot be rmdir'ed: destroy reports it, never swallows it.
    await c1('cgroup.procs', '');
    const err = await cg.destroy().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TeardownError);
    expect((err as TeardownError).message).toMatch(/cannot remove .*testparent\/c1: ENOTEMPTY/);
  });

  it('refuses what v2 cannot do, naming the flag, before creating anything', async () => {
    await expect(layout().create('c2', { oomKillDisable: true })).rejects.toThrow('--oom-kill-disable is not supported on cgroup v2');
    await fs.writeFile(path.join(root, 'cgroup.controllers'), 'cpu io\n');
    await expect(layout().create('c2', { memory: 16 * MB })).rejects.toThrow(/^--memory is not supported: the cgroup v2 memory controller/);
    await expect(fs.access(path.join(root, 'testparent'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses ids and parents that are not plain path components', async () => {
    await expect(layout().create('../x', {})).rejects.toThrow(/invalid cgroup name/);
    expect(() => Cgroups.v2(root, { parent: '../up' })).toThrow(/invalid cgroup parent/);
    expect(Cgroups.v2(root, {}, { MINIDOCK_CGROUP_PARENT: '/mine/' }).parent).toBe('mine');
    expect(Cgroups.v2(root, {}, {}).parent).toBe('minidock');
  });
});
