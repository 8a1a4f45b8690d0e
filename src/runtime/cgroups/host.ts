// Host facts the stats and validation need: online CPUs and /proc/stat.
import os from 'node:os';
import path from 'node:path';
import { parseCpuList } from './limits.js';
import { readCgroupFile } from './files.js';
import { parseProcStat } from './stats-parse.js';
import type { HostFiles } from './types.js';

export const defaultHostFiles = (): HostFiles => ({ procRoot: '/proc', cpuOnlineFile: '/sys/devices/system/cpu/online' });

export async function onlineCpus(host: HostFiles): Promise<{ list: string; count: number }> {
  const list = (await readCgroupFile(host.cpuOnlineFile)).trim();
  return { list, count: parseCpuList(list).length };
}

export async function systemCpuUsage(host: HostFiles): Promise<number> {
  const file = path.join(host.procRoot, 'stat');
  return parseProcStat(await readCgroupFile(file)).systemUsage;
}

/** docker caps an unlimited memory_stats.limit at the machine's memory. */
export function capToMachineMemory(limit: number | undefined): number {
  const total = os.totalmem();
  return limit === undefined || limit > total ? total : limit;
}
