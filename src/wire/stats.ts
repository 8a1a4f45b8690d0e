// The Engine API stats document (GET /containers/{id}/stats, moby api/types/stats.go): filled by the
// engine from the cgroup module's readings, read by the CLI's `stats`.

export interface ThrottlingData { periods: number; throttled_periods: number; throttled_time: number }
export interface CpuUsage {
  total_usage: number;
  percpu_usage?: number[];
  usage_in_kernelmode: number;
  usage_in_usermode: number;
}
export interface CpuStats {
  cpu_usage: CpuUsage;
  /** Host CPU time in ns from /proc/stat (docker: user..softirq × 1e9 / USER_HZ). */
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: ThrottlingData;
}
export interface MemoryStats {
  usage?: number;
  max_usage?: number;
  stats?: Record<string, number>;
  failcnt?: number;
  limit?: number;
}
export interface PidsStats { current?: number; limit?: number }
export interface BlkioStatEntry { major: number; minor: number; op: string; value: number }
export interface BlkioStats {
  io_service_bytes_recursive: BlkioStatEntry[] | null;
  io_serviced_recursive: BlkioStatEntry[] | null;
  io_queue_recursive: BlkioStatEntry[] | null;
  io_service_time_recursive: BlkioStatEntry[] | null;
  io_wait_time_recursive: BlkioStatEntry[] | null;
  io_merged_recursive: BlkioStatEntry[] | null;
  io_time_recursive: BlkioStatEntry[] | null;
  sectors_recursive: BlkioStatEntry[] | null;
}
export interface NetworkStats {
  rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number;
  tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number;
}

/** What a ContainerCgroup reports; the engine adds read/preread/precpu/name/id/networks. */
export interface CgroupStats {
  cpu_stats: CpuStats;
  memory_stats: MemoryStats;
  pids_stats: PidsStats;
  blkio_stats: BlkioStats;
  num_procs: number;
}

/** The full /containers/{id}/stats document. */
export interface ContainerStats extends CgroupStats {
  read: string;
  preread: string;
  precpu_stats: CpuStats;
  storage_stats: Record<string, never>;
  name: string;
  id: string;
  networks?: Record<string, NetworkStats>;
}
