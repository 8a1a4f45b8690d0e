// GET /containers/{id}/stats: one sample in dockerd's shape. The cgroup module gives the
// cpu/memory/pids/blkio half; here come read/preread, precpu_stats (the previous sample of
// a stream, zero for a one-shot as dockerd's stream=false without one-shot), name, id and
// networks (/proc/<pid>/net/dev inside the container's network namespace).
import fs from 'node:fs/promises';
import { parseNetDev } from '../runtime/cgroups/index.js';
import type { EngineCore } from './core.js';
import { ZERO_TIME } from './record.js';
import { cgroupOf } from './resources.js';
import type { ContainerStats } from './services.js';

type CpuStats = ContainerStats['cpu_stats'];

const ZERO_CPU: CpuStats = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
const EMPTY_BLKIO: ContainerStats['blkio_stats'] = {
  io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null,
  io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
};

/** One sample; `prev` (the last sample of a stream) fills preread and precpu_stats. */
export async function containerStats(core: EngineCore, ref: string, prev?: ContainerStats): Promise<ContainerStats> {
  const rec = core.store.find(ref);
  const base = { name: rec.Name, id: rec.Id, storage_stats: {} as Record<string, never>, preread: prev?.read ?? ZERO_TIME, precpu_stats: prev?.cpu_stats ?? ZERO_CPU };
  if (rec.State.Status !== 'running') {
    // dockerd: a stopped container's sample is all zeros
    return { ...base, read: ZERO_TIME, cpu_stats: ZERO_CPU, memory_stats: {}, pids_stats: {}, blkio_stats: EMPTY_BLKIO, num_procs: 0 };
  }
  const cg = await cgroupOf(core, rec);
  const stats = await cg.stats();
  const out: ContainerStats = { ...base, read: new Date().toISOString(), ...stats };
  // host networking: docker shows no networks section
  if (rec.HostConfig.NetworkMode !== 'host') {
    const text = await fs.readFile(`/proc/${rec.State.Pid}/net/dev`, 'utf8').catch((err: NodeJS.ErrnoException) => {
      // the container may have exited between the record and this read: no networks then
      if (err.code === 'ENOENT' || err.code === 'ESRCH') return undefined;
      throw err;
    });
    if (text !== undefined) out.networks = parseNetDev(text);
  }
  return out;
}
