// cgroup v1: one directory per controller (<mount>/<parent>/<id>), limits written to the
// controller's files, docker's device allow-list, freezer, and stats from cpuacct/memory/pids/blkio.
import path from 'node:path';
import { TeardownError } from '../../errors.js';
import { checkId, cleanupAfter, normaliseParent } from './common.js';
import { DEFAULT_DEVICE_ALLOW, DEFAULT_DEVICE_DENY } from './devices.js';
import {
  CgroupError, exists, killAll, mkdirs, parseFlatKeyed, readCgroupFile, readPids, removeDir, waitUntil, writeCgroupFile, writeReclaiming,
} from './files.js';
import { capToMachineMemory, onlineCpus, systemCpuUsage } from './host.js';
import { cpuMaxFromNanoCpus, memorySwapTotal, mergeLimits, pidsMax, validateLimits } from './limits.js';
import { V1_CONTROLLERS, type V1Controller } from './mountinfo.js';
import { CLOCK_TICKS, emptyBlkio, parseBlkioV1, parseLimit, parseNumberList } from './stats-parse.js';
import type { CgroupViewEntry,
  CgroupCapabilities, CgroupLayout, CgroupLimits, CgroupStats, ContainerCgroup, HostFiles, ValidatedLimits,
} from './types.js';

export class V1Layout implements CgroupLayout {
  readonly version = 1 as const;
  readonly parent: string;
  constructor(readonly controllers: Record<V1Controller, string>, parent: string, readonly host: HostFiles) {
    this.parent = normaliseParent(parent);
  }

  async capabilities(): Promise<CgroupCapabilities> {
    const cpus = await onlineCpus(this.host);
    const mem = this.controllers.memory;
    return {
      version: 1,
      numCpus: cpus.count,
      onlineCpus: cpus.list,
      swap: await exists(path.join(mem, 'memory.memsw.limit_in_bytes')),
      oomKillDisable: await exists(path.join(mem, 'memory.oom_control')),
    };
  }

  async validate(limits: CgroupLimits): Promise<ValidatedLimits> {
    return validateLimits(limits, await this.capabilities());
  }

  dirs(id: string): Record<V1Controller, string> {
    checkId(id);
    return Object.fromEntries(V1_CONTROLLERS.map((c) => [c, path.join(this.controllers[c], this.parent, id)])) as Record<V1Controller, string>;
  }

  open(id: string, limits: CgroupLimits): V1Cgroup {
    return new V1Cgroup(this, id, this.dirs(id), limits, []);
  }

  async create(id: string, limits: CgroupLimits): Promise<ContainerCgroup> {
    const dirs = this.dirs(id);
    const checked = await this.validate(limits);
    const cg = new V1Cgroup(this, id, dirs, {}, checked.warnings);
    try {
      for (const c of V1_CONTROLLERS) {
        if (c === 'cpuset') await this.makeCpuset(dirs.cpuset);
        else await mkdirs(dirs[c]);
      }
      await writeCgroupFile(path.join(dirs.devices, 'devices.deny'), DEFAULT_DEVICE_DENY);
      for (const rule of DEFAULT_DEVICE_ALLOW) await writeCgroupFile(path.join(dirs.devices, 'devices.allow'), rule);
      await cg.apply(checked.limits);
    } catch (err) {
      await cleanupAfter(cg, err);
    }
    return cg;
  }

  /** A new v1 cpuset starts with empty cpus/mems: each level copies its parent's. */
  private async makeCpuset(dir: string): Promise<void> {
    const root = this.controllers.cpuset;
    let current = root;
    for (const part of path.relative(root, dir).split(path.sep)) {
      const next = path.join(current, part);
      await mkdirs(next);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if ((await readCgroupFile(path.join(next, f))).trim() === '') {
          await writeCgroupFile(path.join(next, f), (await readCgroupFile(path.join(current, f))).trim());
        }
      }
      current = next;
    }
  }

  async removeParent(): Promise<void> {
    const errors: unknown[] = [];
    for (const c of V1_CONTROLLERS) await removeDir(path.join(this.controllers[c], this.parent), errors);
    if (errors.length > 0) throw new TeardownError(`cgroup parent ${this.parent}`, errors);
  }
}

export class V1Cgroup implements ContainerCgroup {
  readonly version = 1 as const;
  readonly paths: readonly string[];
  readonly view: readonly CgroupViewEntry[];
  constructor(
    private readonly layout: V1Layout, readonly id: string, private readonly dirs: Record<V1Controller, string>,
    private limits: CgroupLimits, readonly warnings: readonly string[],
  ) {
    this.paths = V1_CONTROLLERS.map((c) => dirs[c]);
    // a hierarchy is shown under its mount's name (`cpu,cpuacct`), each controller of a
    // co-mounted one as a link to it, as on the host and in docker's containers
    const suffix = path.join(layout.parent, id).length + 1;
    const view: CgroupViewEntry[] = [];
    for (const c of V1_CONTROLLERS) {
      const name = path.basename(dirs[c].slice(0, dirs[c].length - suffix));
      if (!view.some((e) => e.name === name)) view.push({ name, source: dirs[c] });
      if (name !== c) view.push({ name: c, link: name });
    }
    this.view = view;
  }

  private file(c: V1Controller, name: string): string {
    return path.join(this.dirs[c], name);
  }

  async addProcess(pid: number): Promise<void> {
    for (const c of V1_CONTROLLERS) await writeCgroupFile(this.file(c, 'cgroup.procs'), String(pid));
  }

  async update(limits: CgroupLimits): Promise<ValidatedLimits> {
    const checked = await this.layout.validate(mergeLimits(this.limits, limits));
    await this.apply(checked.limits);
    return checked;
  }

  /** Write every limit (unset = unlimited/default), so create and update share one path. */
  async apply(limits: CgroupLimits): Promise<void> {
    await this.applyMemory(limits);
    if (limits.oomKillDisable !== undefined) await writeCgroupFile(this.file('memory', 'memory.oom_control'), limits.oomKillDisable ? '1' : '0');
    const nano = limits.nanoCpus ?? 0;
    const { quota, period } = nano > 0 ? cpuMaxFromNanoCpus(nano) : { quota: -1, period: 100_000 };
    await writeCgroupFile(this.file('cpu', 'cpu.cfs_period_us'), String(period));
    await writeCgroupFile(this.file('cpu', 'cpu.cfs_quota_us'), String(quota));
    await writeCgroupFile(this.file('cpu', 'cpu.shares'), String(limits.cpuShares || 1024));
    if (limits.cpusetCpus) await writeCgroupFile(this.file('cpuset', 'cpuset.cpus'), limits.cpusetCpus);
    await writeCgroupFile(this.file('pids', 'pids.max'), pidsMax(limits.pidsLimit ?? 0));
    this.limits = limits;
  }

  /** memsw must stay >= memory at every step: raise memsw first, lower it last. */
  private async applyMemory(limits: CgroupLimits): Promise<void> {
    const memory = limits.memory ?? 0;
    const memFile = this.file('memory', 'memory.limit_in_bytes');
    const swFile = this.file('memory', 'memory.memsw.limit_in_bytes');
    const total = memorySwapTotal(memory, limits.memorySwap ?? 0) ?? -1;
    const hasSwap = await exists(swFile);
    const setMemory = () => writeReclaiming(memFile, String(memory > 0 ? memory : -1));
    if (!hasSwap) {
      await setMemory();
    } else {
      const current = Number((await readCgroupFile(swFile)).trim());
      if (total === -1 || total > current) {
        await writeReclaiming(swFile, String(total));
        await setMemory();
      } else {
        await setMemory();
        await writeReclaiming(swFile, String(total));
      }
    }
    const reservation = limits.memoryReservation ?? 0;
    await writeCgroupFile(this.file('memory', 'memory.soft_limit_in_bytes'), String(reservation > 0 ? reservation : -1));
  }

  private async setFreezer(state: 'FROZEN' | 'THAWED'): Promise<void> {
    const file = this.file('freezer', 'freezer.state');
    await writeCgroupFile(file, state);
    await waitUntil(file, state, async () => (await readCgroupFile(file)).trim() === state);
  }

  freeze(): Promise<void> {
    return this.setFreezer('FROZEN');
  }

  thaw(): Promise<void> {
    return this.setFreezer('THAWED');
  }

  async oomKilled(): Promise<boolean> {
    const file = this.file('memory', 'memory.oom_control');
    const fields = parseFlatKeyed(await readCgroupFile(file));
    if (fields.oom_kill === undefined) throw new CgroupError('no oom_kill counter (kernel older than 4.13?) in', file, 'missing field');
    return fields.oom_kill > 0;
  }

  async pids(): Promise<number[]> {
    return readPids(this.file('pids', 'cgroup.procs'));
  }

  async stats(): Promise<CgroupStats> {
    const read = (c: V1Controller, f: string) => readCgroupFile(this.file(c, f));
    const ticks = parseFlatKeyed(await read('cpuacct', 'cpuacct.stat'));
    const throttle = parseFlatKeyed(await read('cpu', 'cpu.stat'));
    const cpus = await onlineCpus(this.layout.host);
    const blkio = emptyBlkio();
    blkio.io_service_bytes_recursive = parseBlkioV1(await read('blkio', 'blkio.throttle.io_service_bytes_recursive'));
    blkio.io_serviced_recursive = parseBlkioV1(await read('blkio', 'blkio.throttle.io_serviced_recursive'));
    return {
      cpu_stats: {
        cpu_usage: {
          total_usage: Number((await read('cpuacct', 'cpuacct.usage')).trim()),
          percpu_usage: parseNumberList(await read('cpuacct', 'cpuacct.usage_percpu')),
          usage_in_kernelmode: ((ticks.system ?? 0) * 1e9) / CLOCK_TICKS,
          usage_in_usermode: ((ticks.user ?? 0) * 1e9) / CLOCK_TICKS,
        },
        system_cpu_usage: await systemCpuUsage(this.layout.host),
        online_cpus: cpus.count,
        throttling_data: {
          periods: throttle.nr_periods ?? 0, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0,
        },
      },
      memory_stats: {
        usage: Number((await read('memory', 'memory.usage_in_bytes')).trim()),
        max_usage: Number((await read('memory', 'memory.max_usage_in_bytes')).trim()),
        failcnt: Number((await read('memory', 'memory.failcnt')).trim()),
        limit: capToMachineMemory(parseLimit(await read('memory', 'memory.limit_in_bytes'))),
        stats: parseFlatKeyed(await read('memory', 'memory.stat')),
      },
      pids_stats: { current: Number((await read('pids', 'pids.current')).trim()), limit: parseLimit(await read('pids', 'pids.max')) },
      blkio_stats: blkio,
      // docker reports num_procs only on Windows; 0 on Linux.
      num_procs: 0,
    };
  }

  /**
   * Freeze (so nothing forks), SIGKILL every process, thaw (so the kills land), wait until
   * every controller's cgroup.procs is empty, then rmdir each directory. Goes on past failures.
   */
  async destroy(): Promise<void> {
    const errors: unknown[] = [];
    const present: V1Controller[] = [];
    for (const c of V1_CONTROLLERS) {
      try {
        if (await exists(this.dirs[c])) present.push(c);
      } catch (err) {
        errors.push(err);
      }
    }
    const procs = async (): Promise<number[]> => {
      const all = new Set<number>();
      for (const c of present) for (const p of await readPids(this.file(c, 'cgroup.procs'))) all.add(p);
      return [...all];
    };
    try {
      const frozen = present.includes('freezer');
      if (frozen) await writeCgroupFile(this.file('freezer', 'freezer.state'), 'FROZEN');
      killAll(await procs(), errors);
      if (frozen) await writeCgroupFile(this.file('freezer', 'freezer.state'), 'THAWED');
      await waitUntil(this.dirs.pids, 'no processes left', async () => {
        const left = await procs();
        killAll(left, errors);
        return left.length === 0;
      });
    } catch (err) {
      errors.push(err);
    }
    for (const c of present) await removeDir(this.dirs[c], errors);
    if (errors.length > 0) throw new TeardownError(`cgroup ${this.id}`, errors);
  }
}
