// Parsers for the kernel texts behind a stats document: /proc/stat (system_cpu_usage),
// /proc/<pid>/net/dev (networks), v1 blkio and v2 io.stat (blkio_stats). Pure functions.
import type { BlkioStatEntry, BlkioStats, NetworkStats } from './types.js';

/** USER_HZ: Linux reports /proc/stat and cpuacct.stat in 1/100 s on every architecture docker supports. */
export const CLOCK_TICKS = 100;

/**
 * Host CPU time in ns from /proc/stat's "cpu" line, as docker computes it: the sum of user,
 * nice, system, idle, iowait, irq and softirq, × 1e9 / USER_HZ. Also the number of "cpuN" lines.
 */
export function parseProcStat(text: string): { systemUsage: number; cpus: number } {
  let systemUsage: number | undefined;
  let cpus = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'cpu') {
      if (fields.length < 8) throw new Error(`/proc/stat: short cpu line ${JSON.stringify(line)}`);
      const ticks = fields.slice(1, 8).reduce((sum, f) => sum + Number(f), 0);
      systemUsage = (ticks * 1e9) / CLOCK_TICKS;
    } else if (/^cpu\d+$/.test(fields[0] ?? '')) {
      cpus++;
    }
  }
  if (systemUsage === undefined) throw new Error('/proc/stat: no cpu line');
  return { systemUsage, cpus };
}

/**
 * /proc/<pid>/net/dev → per-interface counters (the networks section of stats). Two header
 * lines, then "iface: rx bytes packets errs drop fifo frame compressed multicast tx bytes
 * packets errs drop ...". Loopback is left out unless asked for, as docker shows eth0 etc.
 */
export function parseNetDev(text: string, opts: { includeLoopback?: boolean } = {}): Record<string, NetworkStats> {
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((n) => !Number.isFinite(n))) throw new Error(`net/dev: malformed line ${JSON.stringify(line)}`);
    if (name === 'lo' && !opts.includeLoopback) continue;
    out[name] = {
      rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!,
      tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]!,
    };
  }
  return out;
}

export function emptyBlkio(): BlkioStats {
  return {
    io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null,
    io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null,
    io_time_recursive: null, sectors_recursive: null,
  };
}

/** v1 blkio.throttle.io_service_bytes_recursive: "8:0 Read 4096" lines; "Total N" dropped. */
export function parseBlkioV1(text: string): BlkioStatEntry[] {
  const out: BlkioStatEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+)\s+(\w+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/**
 * v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" → service bytes and
 * serviced entries in docker's v2 shape (ops "read"/"write", lower-case as moby writes them).
 */
export function parseIoStatV2(text: string): { bytes: BlkioStatEntry[]; ios: BlkioStatEntry[] } {
  const bytes: BlkioStatEntry[] = [];
  const ios: BlkioStatEntry[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(parts[0] ?? '');
    if (!dev) continue;
    const major = Number(dev[1]);
    const minor = Number(dev[2]);
    const kv = Object.fromEntries(parts.slice(1).map((p) => p.split('=') as [string, string]));
    if (kv.rbytes !== undefined) bytes.push({ major, minor, op: 'read', value: Number(kv.rbytes) });
    if (kv.wbytes !== undefined) bytes.push({ major, minor, op: 'write', value: Number(kv.wbytes) });
    if (kv.rios !== undefined) ios.push({ major, minor, op: 'read', value: Number(kv.rios) });
    if (kv.wios !== undefined) ios.push({ major, minor, op: 'write', value: Number(kv.wios) });
  }
  return { bytes, ios };
}

/** A whitespace-separated list of numbers (cpuacct.usage_percpu). */
export function parseNumberList(text: string): number[] {
  return text.trim().split(/\s+/).filter((s) => s !== '').map(Number);
}

/** A limit file's value: "max" (v2) or a huge v1 "unlimited" number become undefined. */
export function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === 'max' || t === '') return undefined;
  const n = Number(t);
  // v1 reports "unlimited" as PAGE_COUNTER_MAX × page size (9223372036854771712 on x86-64).
  return n >= 2 ** 62 ? undefined : n;
}
