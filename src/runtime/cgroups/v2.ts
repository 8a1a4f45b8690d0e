// cgroup v2: one directory <root>/<parent>/<id>; controllers enabled in each ancestor's
// cgroup.subtree_control; cpu.max/cpu.weight/memory.max/memory.swap.max/memory.low/pids.max/
// cpuset.cpus; cgroup.freeze; memory.events; cgroup.kill when the kernel has it.
// Device control needs an eBPF program (BPF_CGROUP_DEVICE) and is not done here.
import path from 'node:path';
import { invalidArgument, TeardownError } from '../../errors.js';
import { checkId, cleanupAfter, normaliseParent } from './common.js';
import {
  CgroupError, exists, killAll, mkdirs, parseFlatKeyed, readCgroupFile, readPids, removeDir, waitUntil, writeCgroupFile, writeReclaiming,
} from './files.js';
import { capToMachineMemory, onlineCpus, systemCpuUsage } from './host.js';
import { cpuMaxLine, cpuWeightFromShares, mergeLimits, pidsMax, swapMaxV2, validateLimits } from './limits.js';
import { emptyBlkio, parseIoStatV2, parseLimit } from './stats-parse.js';
import type { CgroupViewEntry,
  CgroupCapabilities, CgroupLayout, CgroupLimits, CgroupStats, ContainerCgroup, HostFiles, ValidatedLimits,
} from './types.js';

/** The controllers minidock enables for its containers, when the kernel offers them. */
export const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids'] as const;

/** Which controller each limit needs, with the flag named when it is missing. */
function neededControllers(l: CgroupLimits): [string, string][] {
  const out: [string, string][] = [];
  if (l.memory || l.memorySwap || l.memoryReservation) out.push(['memory', '--memory']);
  if (l.nanoCpus || l.cpuShares) out.push(['cpu', '--cpus/--cpu-shares']);
  if (l.cpusetCpus) out.push(['cpuset', '--cpuset-cpus']);
  if (l.pidsLimit) out.push(['pids', '--pids-limit']);
  return out;
}

export class V2Layout implements CgroupLayout {
  readonly version = 2 as const;
  readonly parent: string;
  constructor(readonly root: string, parent: string, readonly host: HostFiles) {
    this.parent = normaliseParent(parent);
  }

  async available(): Promise<string[]> {
    return (await readCgroupFile(path.join(this.root, 'cgroup.controllers'))).trim().split(/\s+/).filter((c) => c !== '');
  }

  async capabilities(): Promise<CgroupCapabilities> {
    const cpus = await onlineCpus(this.host);
    return { version: 2, numCpus: cpus.count, onlineCpus: cpus.list, swap: (await this.available()).includes('memory'), oomKillDisable: false };
  }

  async validate(limits: CgroupLimits): Promise<ValidatedLimits> {
    const checked = validateLimits(limits, await this.capabilities());
    const available = await this.available();
    for (const [controller, flag] of neededControllers(checked.limits)) {
      if (!available.includes(controller)) {
        throw invalidArgument(`${flag} is not supported: the cgroup v2 ${controller} controller is not available in ${this.root}`);
      }
    }
    return checked;
  }

  dir(id: string): string {
    checkId(id);
    return path.join(this.root, this.parent, id);
  }

  open(id: string, limits: CgroupLimits): V2Cgroup {
    return new V2Cgroup(this, id, this.dir(id), limits, []);
  }

  async create(id: string, limits: CgroupLimits): Promise<ContainerCgroup> {
    const dir = this.dir(id);
    const checked = await this.validate(limits);
    const cg = new V2Cgroup(this, id, dir, {}, checked.warnings);
    try {
      await this.enableControllers();
      await mkdirs(dir);
      await cg.apply(checked.limits);
    } catch (err) {
      await cleanupAfter(cg, err);
    }
    return cg;
  }

  /** Create the parent levels and enable our controllers from the root down to the parent. */
  private async enableControllers(): Promise<void> {
    const wanted = (await this.available()).filter((c) => (V2_CONTROLLERS as readonly string[]).includes(c));
    const line = wanted.map((c) => `+${c}`).join(' ');
    let current = this.root;
    const levels = [this.root, ...this.parent.split('/').map((part) => (current = path.join(current, part)))];
    for (const level of levels) {
      await mkdirs(level);
      const file = path.join(level, 'cgroup.subtree_control');
      const enabled = (await readCgroupFile(file)).trim().split(/\s+/);
      if (line !== '' && !wanted.every((c) => enabled.includes(c))) await writeCgroupFile(file, line);
    }
  }

  async removeParent(): Promise<void> {
    const errors: unknown[] = [];
    await removeDir(path.join(this.root, this.parent), errors);
    if (errors.length > 0) throw new TeardownError(`cgroup parent ${this.parent}`, errors);
  }
}

export class V2Cgroup implements ContainerCgroup {
  readonly version = 2 as const;
  readonly paths: readonly string[];
  readonly view: readonly CgroupViewEntry[];
  constructor(
    private readonly layout: V2Layout, readonly id: string, private readonly dir: string,
    private limits: CgroupLimits, readonly warnings: readonly string[],
  ) {
    this.paths = [dir];
    this.view = [{ name: '.', source: dir }];
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  async addProcess(pid: number): Promise<void> {
    await writeCgroupFile(this.file('cgroup.procs'), String(pid));
  }

  async update(limits: CgroupLimits): Promise<ValidatedLimits> {
    const checked = await this.layout.validate(mergeLimits(this.limits, limits));
    await this.apply(checked.limits);
    return checked;
  }

  /** Write the limits; a controller that is not enabled is only touched when a limit needs it. */
  async apply(limits: CgroupLimits): Promise<void> {
    const memory = limits.memory ?? 0;
    if (memory > 0 || await exists(this.file('memory.max'))) {
      await writeReclaiming(this.file('memory.max'), memory > 0 ? String(memory) : 'max');
      const swap = swapMaxV2(memory, limits.memorySwap ?? 0) ?? 'max';
      if (await exists(this.file('memory.swap.max'))) await writeReclaiming(this.file('memory.swap.max'), swap);
      else if (limits.memorySwap) throw invalidArgument(`--memory-swap is not supported: ${this.file('memory.swap.max')} does not exist (no swap accounting)`);
      const reservation = limits.memoryReservation ?? 0;
      await writeCgroupFile(this.file('memory.low'), reservation > 0 ? String(reservation) : '0');
    }
    const nano = limits.nanoCpus ?? 0;
    if (nano > 0 || limits.cpuShares || await exists(this.file('cpu.max'))) {
      await writeCgroupFile(this.file('cpu.max'), cpuMaxLine(nano));
      await writeCgroupFile(this.file('cpu.weight'), String(cpuWeightFromShares(limits.cpuShares ?? 0)));
    }
    if (limits.cpusetCpus) await writeCgroupFile(this.file('cpuset.cpus'), limits.cpusetCpus);
    if (limits.pidsLimit || await exists(this.file('pids.max'))) await writeCgroupFile(this.file('pids.max'), pidsMax(limits.pidsLimit ?? 0));
    this.limits = limits;
  }

  private async setFrozen(frozen: boolean): Promise<void> {
    await writeCgroupFile(this.file('cgroup.freeze'), frozen ? '1' : '0');
    const events = this.file('cgroup.events');
    await waitUntil(events, frozen ? 'frozen 1' : 'frozen 0', async () => parseFlatKeyed(await readCgroupFile(events)).frozen === (frozen ? 1 : 0));
  }

  freeze(): Promise<void> {
    return this.setFrozen(true);
  }

  thaw(): Promise<void> {
    return this.setFrozen(false);
  }

  async oomKilled(): Promise<boolean> {
    const file = this.file('memory.events');
    const events = parseFlatKeyed(await readCgroupFile(file));
    if (events.oom_kill === undefined) throw new CgroupError('no oom_kill counter in', file, 'missing field');
    return events.oom_kill > 0;
  }

  pids(): Promise<number[]> {
    return readPids(this.file('cgroup.procs'));
  }

  async stats(): Promise<CgroupStats> {
    const read = (f: string) => readCgroupFile(this.file(f));
    const optional = async (f: string) => ((await exists(this.file(f))) ? read(f) : undefined);
    const cpu = parseFlatKeyed(await read('cpu.stat'));
    const cpus = await onlineCpus(this.layout.host);
    const blkio = emptyBlkio();
    const io = await optional('io.stat');
    if (io !== undefined) {
      const parsed = parseIoStatV2(io);
      blkio.io_service_bytes_recursive = parsed.bytes;
      blkio.io_serviced_recursive = parsed.ios;
    }
    const memCurrent = await optional('memory.current');
    const memPeak = await optional('memory.peak');
    const memMax = await optional('memory.max');
    const memStat = await optional('memory.stat');
    const pidsCurrent = await optional('pids.current');
    const pidsMaxText = await optional('pids.max');
    return {
      cpu_stats: {
        cpu_usage: {
          total_usage: (cpu.usage_usec ?? 0) * 1000,
          usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000,
          usage_in_usermode: (cpu.user_usec ?? 0) * 1000,
        },
        system_cpu_usage: await systemCpuUsage(this.layout.host),
        online_cpus: cpus.count,
        throttling_data: {
          periods: cpu.nr_periods ?? 0, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000,
        },
      },
      memory_stats: {
        usage: memCurrent === undefined ? undefined : Number(memCurrent.trim()),
        max_usage: memPeak === undefined ? undefined : Number(memPeak.trim()),
        limit: capToMachineMemory(memMax === undefined ? undefined : parseLimit(memMax)),
        stats: memStat === undefined ? undefined : parseFlatKeyed(memStat),
      },
      pids_stats: {
        current: pidsCurrent === undefined ? undefined : Number(pidsCurrent.trim()),
        limit: pidsMaxText === undefined ? undefined : parseLimit(pidsMaxText),
      },
      blkio_stats: blkio,
      // docker reports num_procs only on Windows; 0 on Linux.
      num_procs: 0,
    };
  }

  /** cgroup.kill (Linux 5.14+) or SIGKILL each process, wait until empty, rmdir. */
  async destroy(): Promise<void> {
    const errors: unknown[] = [];
    try {
      if (await exists(this.dir)) {
        if (await exists(this.file('cgroup.kill'))) await writeCgroupFile(this.file('cgroup.kill'), '1');
        await waitUntil(this.file('cgroup.procs'), 'no processes left', async () => {
          const left = await this.pids();
          killAll(left, errors);
          return left.length === 0;
        });
      }
    } catch (err) {
      errors.push(err);
    }
    await removeDir(this.dir, errors);
    if (errors.length > 0) throw new TeardownError(`cgroup ${this.id}`, errors);
  }
}
