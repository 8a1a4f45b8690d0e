// The types of the cgroup module: the resource limits a container asks for and the cgroup
// handles the runtime holds. The stats document they fill is the API's (src/wire/stats.ts).

import type { CgroupStats } from '../../wire/stats.js';

/**
 * Resource limits, docker's HostConfig resource fields in camelCase. Absent = not set.
 * Bytes for memory values; `nanoCpus` is CPUs × 1e9 (`--cpus 0.5` → 500_000_000).
 */
export interface CgroupLimits {
  /** --memory, bytes; 0 = unlimited. */
  memory?: number;
  /** --memory-swap, memory + swap in bytes; -1 = unlimited swap; 0 = unset (docker: twice memory). */
  memorySwap?: number;
  /** --memory-reservation, bytes (v1 memory.soft_limit_in_bytes, v2 memory.low). */
  memoryReservation?: number;
  /** --cpus as NanoCpus. */
  nanoCpus?: number;
  /** --cpu-shares, relative weight (docker clamps to 2..262144). */
  cpuShares?: number;
  /** --cpuset-cpus, a list such as "0-1,3". */
  cpusetCpus?: string;
  /** --pids-limit; 0 or -1 = unlimited. */
  pidsLimit?: number;
  /** --oom-kill-disable (cgroup v1 only). */
  oomKillDisable?: boolean;
}

/** What the host's cgroups can do, as used by validation. */
export interface CgroupCapabilities {
  version: 1 | 2;
  /** Number of online CPUs (docker's sysinfo.NumCPU()). */
  numCpus: number;
  /** The online CPU list, e.g. "0-1" (/sys/devices/system/cpu/online or the parent's cpuset). */
  onlineCpus: string;
  /** v1 memory.memsw.limit_in_bytes exists / v2 memory controller present. */
  swap: boolean;
  /** v1 memory.oom_control exists; false on v2 (no equivalent). */
  oomKillDisable: boolean;
}

/** Result of validating limits: the limits to apply (normalised) and docker-style warnings. */
export interface ValidatedLimits {
  limits: CgroupLimits;
  warnings: string[];
}

/** One cgroup per container. Every method names the file it failed on. */
export interface ContainerCgroup {
  readonly id: string;
  readonly version: 1 | 2;
  /** The directories that make up this cgroup (one per controller on v1, one on v2). */
  readonly paths: readonly string[];
  /** What the container is shown of it at /sys/fs/cgroup (read-only binds, v1's links). */
  readonly view: readonly CgroupViewEntry[];
  /** Move a process (and only it; its future children follow) into the cgroup. */
  addProcess(pid: number): Promise<void>;
  /** Validate and apply new limits (docker update); unset fields keep their value. */
  update(limits: CgroupLimits): Promise<ValidatedLimits>;
  /** Freeze every process, resolving once the kernel reports the cgroup frozen. */
  freeze(): Promise<void>;
  /** Thaw, resolving once the kernel reports the cgroup thawed. */
  thaw(): Promise<void>;
  /** True once the kernel OOM killer killed a process in this cgroup. */
  oomKilled(): Promise<boolean>;
  /** The cgroup half of a stats document (cpu, memory, pids, blkio). */
  stats(): Promise<CgroupStats>;
  /** Pids of the processes in the cgroup. */
  pids(): Promise<number[]>;
  /** Kill leftover processes and remove the directories; throws TeardownError with every failure. */
  destroy(): Promise<void>;
  /** docker-style warnings from validating the limits given at create. */
  readonly warnings: readonly string[];
}

// The stats document's shapes are the API's (src/wire/stats.ts); the cgroup module fills them.
export type { ThrottlingData, CpuUsage, CpuStats, MemoryStats, PidsStats, BlkioStatEntry, BlkioStats, NetworkStats, CgroupStats, ContainerStats } from '../../wire/stats.js';

/**
 * One entry of the container's /sys/fs/cgroup: a hierarchy's directory of this container
 * bound at NAME (v1, e.g. `cpu,cpuacct`), a link NAME -> another entry (v1's `cpu`), or on v2
 * the one directory bound at /sys/fs/cgroup itself (name `.`).
 */
export type CgroupViewEntry = { name: string; source: string } | { name: string; link: string };

/** Where a layout finds host facts; tests point these at a fake tree. */
export interface HostFiles {
  /** /proc (for /proc/stat). */
  procRoot: string;
  /** /sys/devices/system/cpu/online. */
  cpuOnlineFile: string;
}

/** The container cgroups of one host, under one parent (e.g. "minidock"). */
export interface CgroupLayout {
  readonly version: 1 | 2;
  /** Parent path below each hierarchy's root, e.g. "minidock". */
  readonly parent: string;
  capabilities(): Promise<CgroupCapabilities>;
  /** Check limits without creating anything (for container create, before the record is written). */
  validate(limits: CgroupLimits): Promise<ValidatedLimits>;
  /** Validate, create `<parent>/<id>` and apply the limits; on failure nothing is left behind. */
  create(id: string, limits: CgroupLimits): Promise<ContainerCgroup>;
  /** A handle on an existing container cgroup (engine restart), with the limits it was given. */
  open(id: string, limits: CgroupLimits): ContainerCgroup;
  /** Remove the (deepest) parent directory if empty: for tests and uninstall. */
  removeParent(): Promise<void>;
}
