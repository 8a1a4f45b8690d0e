// Validation of resource limits with docker's rules and messages (moby daemon/daemon_unix.go
// verifyPlatformContainerResources), and the pure conversions to cgroup file values.
// Nothing here touches the file system: the host's capabilities come in as a parameter.
import { invalidArgument } from '../../errors.js';
import type { CgroupCapabilities, CgroupLimits, ValidatedLimits } from './types.js';

/** docker's linuxMinMemory. */
export const MIN_MEMORY = 6 * 1024 * 1024;
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262144;
/** The CFS period docker uses for --cpus. */
export const CFS_PERIOD_US = 100_000;

function integer(name: string, value: number | undefined): void {
  if (value !== undefined && !Number.isSafeInteger(value)) throw invalidArgument(`invalid ${name} ${String(value)}: not an integer`);
}

/**
 * Check limits against docker's rules and the host; returns the limits to apply (shares
 * clamped, pids-limit <= 0 turned into unlimited) and docker's warnings. Throws
 * InvalidArgument (400) with docker's message for what docker refuses, and refuses what
 * this host cannot enforce (where docker would only warn and discard it).
 */
export function validateLimits(input: CgroupLimits, caps: CgroupCapabilities): ValidatedLimits {
  const limits: CgroupLimits = { ...input };
  const warnings: string[] = [];
  integer('--memory', limits.memory);
  integer('--memory-swap', limits.memorySwap);
  integer('--memory-reservation', limits.memoryReservation);
  integer('--cpus (NanoCpus)', limits.nanoCpus);
  integer('--cpu-shares', limits.cpuShares);
  integer('--pids-limit', limits.pidsLimit);

  const memory = limits.memory ?? 0;
  const swap = limits.memorySwap ?? 0;
  if (memory < 0) throw invalidArgument(`invalid --memory ${memory}: must not be negative`);
  if (memory !== 0 && memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (swap < -1) throw invalidArgument(`invalid --memory-swap ${swap}: must be -1 (unlimited) or at least --memory`);
  if (memory > 0 && swap > 0 && swap < memory) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (memory === 0 && swap > 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap !== 0 && !caps.swap) {
    throw invalidArgument(`--memory-swap is not supported: this host's cgroup v${caps.version} has no swap accounting`);
  }
  const reservation = limits.memoryReservation ?? 0;
  if (reservation < 0) throw invalidArgument(`invalid --memory-reservation ${reservation}: must not be negative`);
  if (reservation > 0 && reservation < MIN_MEMORY) throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }

  if (limits.oomKillDisable) {
    if (!caps.oomKillDisable) {
      throw invalidArgument(`--oom-kill-disable is not supported on cgroup v${caps.version}`);
    }
    if (memory === 0) {
      warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
    }
  }

  if (limits.pidsLimit !== undefined && limits.pidsLimit <= 0) limits.pidsLimit = 0;

  const nano = limits.nanoCpus ?? 0;
  if (nano < 0 || nano > caps.numCpus * 1e9) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${caps.numCpus}.00, as there are only ${caps.numCpus} CPUs available`);
  }
  if (nano > 0 && cpuMaxFromNanoCpus(nano).quota < 1000) {
    throw invalidArgument(`invalid --cpus ${nano / 1e9}: the CFS quota would be under 1ms (i.e. 1000), use at least 0.01`);
  }

  if (limits.cpuShares !== undefined) {
    if (limits.cpuShares < 0) throw invalidArgument('shares: invalid argument');
    if (limits.cpuShares > 0 && limits.cpuShares < MIN_CPU_SHARES) {
      warnings.push(`Changing requested CPUShares of ${limits.cpuShares} to minimum allowed of ${MIN_CPU_SHARES}`);
      limits.cpuShares = MIN_CPU_SHARES;
    } else if (limits.cpuShares > MAX_CPU_SHARES) {
      warnings.push(`Changing requested CPUShares of ${limits.cpuShares} to maximum allowed of ${MAX_CPU_SHARES}`);
      limits.cpuShares = MAX_CPU_SHARES;
    }
  }

  if (limits.cpusetCpus !== undefined && limits.cpusetCpus !== '') {
    let requested: number[];
    try {
      requested = parseCpuList(limits.cpusetCpus);
    } catch (err) {
      throw invalidArgument(`Invalid value ${limits.cpusetCpus} for cpuset cpus: ${(err as Error).message}`);
    }
    const available = new Set(parseCpuList(caps.onlineCpus));
    if (!requested.every((c) => available.has(c))) {
      throw invalidArgument(`Requested CPUs are not available - requested ${limits.cpusetCpus}, available: ${caps.onlineCpus}`);
    }
  }
  return { limits, warnings };
}

/** Parse a kernel CPU list ("0-2,4") into sorted unique numbers; throws on bad syntax. */
export function parseCpuList(list: string): number[] {
  const out = new Set<number>();
  const text = list.trim();
  if (text === '') return [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid format: ${part}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`invalid range: ${part}`);
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** --cpus → CFS quota/period in µs (docker: quota = NanoCpus × period / 1e9, period 100000). */
export function cpuMaxFromNanoCpus(nanoCpus: number): { quota: number; period: number } {
  return { quota: Math.floor((nanoCpus * CFS_PERIOD_US) / 1e9), period: CFS_PERIOD_US };
}

/** v2 cpu.max text for --cpus (0 = "max 100000"). */
export function cpuMaxLine(nanoCpus: number): string {
  if (nanoCpus === 0) return `max ${CFS_PERIOD_US}`;
  const { quota, period } = cpuMaxFromNanoCpus(nanoCpus);
  return `${quota} ${period}`;
}

/** --cpu-shares → v2 cpu.weight (the OCI/runc formula; 0 = unset → default 100). */
export function cpuWeightFromShares(shares: number): number {
  if (shares === 0) return 100;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/**
 * The memory+swap total to apply: undefined when no memory limit; -1 unlimited swap;
 * unset (0) means twice the memory (docker's documented default).
 */
export function memorySwapTotal(memory: number, memorySwap: number): number | undefined {
  if (memory === 0) return undefined;
  if (memorySwap === -1) return -1;
  if (memorySwap === 0) return memory * 2;
  return memorySwap;
}

/** v2 memory.swap.max is swap only: total − memory, or "max". */
export function swapMaxV2(memory: number, memorySwap: number): string | undefined {
  const total = memorySwapTotal(memory, memorySwap);
  if (total === undefined) return undefined;
  if (total === -1) return 'max';
  return String(total - memory);
}

/** pids.max text: "max" for unlimited. */
export function pidsMax(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}

/** Limits merged for an update: fields given replace the old ones. */
export function mergeLimits(current: CgroupLimits, update: CgroupLimits): CgroupLimits {
  const out: CgroupLimits = { ...current };
  for (const [k, v] of Object.entries(update) as [keyof CgroupLimits, unknown][]) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
