// HostConfig.LogConfig ({Type, Config}: --log-driver, --log-opt) as minidock honours it. The
// shim writes minidock's own frame format (src/runtime/logs.ts) for both file drivers; what
// differs is the bound. Docker's json-file grows without end unless told; minidock bounds it
// by default (10 MB × 3 files) so a chatty service cannot fill the disk. `local` has docker's
// defaults (20 MiB × 5; its compression is not done, so `compress=true` is refused). `none`
// keeps nothing and `logs` says so as dockerd does. Options the drivers do not have, and the
// ones minidock does not implement (labels, env, tag, compress), are refused by name.
import { invalidArgument } from '../errors.js';

export type LogDriver = 'json-file' | 'local' | 'none';

export interface LogPolicy {
  driver: LogDriver;
  /** Bytes a log file may reach before it is rotated; 0 = unbounded. */
  maxSize: number;
  /** The log and its rotated copies kept (≥ 1). */
  maxFiles: number;
}

export interface LogConfigBody { Type?: string; Config?: Record<string, string> | null }

const DEFAULTS: Record<LogDriver, { maxSize: number; maxFiles: number }> = {
  'json-file': { maxSize: 10_000_000, maxFiles: 3 },
  local: { maxSize: 20 * 1024 * 1024, maxFiles: 5 },
  none: { maxSize: 0, maxFiles: 1 },
};

const NOT_YET = new Set(['labels', 'labels-regex', 'env', 'env-regex', 'tag']);

/** go-units: FromHumanSize (decimal, json-file) or RAMInBytes (binary, local): "10m", "1.5GB", "512k". */
export function parseLogSize(value: string, binary: boolean): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(value.trim());
  if (!m) throw invalidArgument(`invalid size: '${value}'`);
  const exp = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  const n = Math.floor(Number(m[1]) * (binary ? 1024 : 1000) ** exp);
  if (!Number.isSafeInteger(n)) throw invalidArgument(`invalid size: '${value}'`);
  return n;
}

/** The policy a create request asks for; refuses what minidock or the driver does not do. */
export function logPolicy(cfg: LogConfigBody | null | undefined): LogPolicy {
  const type = cfg?.Type || 'json-file';
  if (type !== 'json-file' && type !== 'local' && type !== 'none') {
    throw invalidArgument(`minidock does not support the ${type} logging driver (--log-driver): json-file, local and none are`);
  }
  const opts = cfg?.Config ?? {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw invalidArgument('LogConfig.Config must be a json object');
  const policy: LogPolicy = { driver: type, ...DEFAULTS[type] };
  for (const [key, value] of Object.entries(opts)) {
    if (typeof value !== 'string') throw invalidArgument(`log-opt ${key}: the value must be a string`);
    if (type === 'none') throw invalidArgument(`unknown log opt '${key}' for none log driver`);
    if (NOT_YET.has(key)) throw invalidArgument(`minidock does not support the log-opt ${key} yet`);
    if (key === 'compress') {
      if (value === 'false' || (type === 'json-file' && value === '')) continue;
      throw invalidArgument(`minidock does not support the log-opt compress=${value} yet: rotated logs are kept uncompressed`);
    }
    if (key === 'max-size') {
      const size = parseLogSize(value, type === 'local');
      if (size <= 0) throw invalidArgument('max-size must be a positive number');
      policy.maxSize = size;
    } else if (key === 'max-file') {
      if (!/^-?\d+$/.test(value)) throw invalidArgument(`invalid value for max-file: ${value}`);
      const n = Number(value);
      if (n < 1) throw invalidArgument('max-file cannot be less than 1');
      if (n > 1000) throw invalidArgument(`max-file ${n}: minidock keeps at most 1000 files`);
      policy.maxFiles = n;
    } else {
      throw invalidArgument(`unknown log opt '${key}' for ${type} log driver`);
    }
  }
  // docker's json-file keeps one file unless told more: a max-size alone starts the log over
  if (type === 'json-file' && opts['max-size'] !== undefined && opts['max-file'] === undefined) policy.maxFiles = 1;
  return policy;
}
