// docker CLI's `stats` columns and formulas (cli/command/container/stats_helpers.go), pure:
// CPU % from the cpu and system deltas × online CPUs, memory without the page cache,
// NET I/O and BLOCK I/O summed, sizes in go-units' wording.
import type { ContainerStats } from '../wire/stats.js';
import { bytesSize, humanSize } from '../api/human.js';

export const STATS_HEADER = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];


export function cpuPercent(s: ContainerStats): number {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const online = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Usage without the inactive page cache (v1 total_inactive_file, v2 inactive_file), as docker's CLI. */
export function memUsageNoCache(m: ContainerStats['memory_stats']): number {
  const usage = m.usage ?? 0;
  const st = m.stats ?? {};
  const cache = st.total_inactive_file ?? st.inactive_file;
  return cache !== undefined && cache < usage ? usage - cache : usage;
}

export function statsRow(s: ContainerStats, noTrunc = false): string[] {
  const id = noTrunc ? s.id : s.id.slice(0, 12);
  const name = s.name.replace(/^\//, '');
  if (s.read === '0001-01-01T00:00:00Z') return [id, name, '0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0'];
  const mem = memUsageNoCache(s.memory_stats);
  const limit = s.memory_stats.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) { rx += n.rx_bytes; tx += n.tx_bytes; }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return [
    id, name, `${cpuPercent(s).toFixed(2)}%`,
    `${bytesSize(mem)} / ${bytesSize(limit)}`,
    `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    `${humanSize(rx)} / ${humanSize(tx)}`,
    `${humanSize(read)} / ${humanSize(write)}`,
    String(s.pids_stats.current ?? 0),
  ];
}

/** The fields docker's `stats --format` offers, from one row, and their table headers. */
export const STATS_FIELDS: Record<string, string> = {
  Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

export function statsFields(row: string[], asked: string): Record<string, string> {
  const [ID, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs] = row as [string, string, string, string, string, string, string, string];
  return { Container: asked, ID, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs };
}
