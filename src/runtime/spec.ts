// Pure serialisers for the shim's spec file (format documented at the top of shim/shim.c):
// one `key value` per line, value escaped with `\\` and `\n`, repeated keys for lists.
import path from 'node:path';
import type { ContainerSpec, ExecSpec, IdMapping, ProcessSpec } from './types.js';

export function escapeValue(value: string): string {
  if (value.includes('\0')) throw new Error(`spec value contains a NUL byte: ${JSON.stringify(value)}`);
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Inverse of escapeValue (used by tests; the shim has its own copy in C). */
export function unescapeValue(value: string): string {
  return value.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

const line = (key: string, value: string | number) => `${key} ${escapeValue(String(value))}\n`;
const mapLine = (m: IdMapping) => `${m.containerId} ${m.hostId} ${m.size}`;

/** The host id a container id maps to (the id itself without a user namespace); -1 if unmapped. */
export function toHostId(map: IdMapping[] | undefined, id: number): number {
  if (!map) return id;
  const m = map.find((e) => id >= e.containerId && id < e.containerId + e.size);
  return m ? m.hostId + (id - m.containerId) : -1;
}

export const attachSocketPath = (runDir: string) => path.join(runDir, 'attach.sock');
export const rootfsPath = (runDir: string) => path.join(runDir, 'rootfs');
/** Where the container's seccomp rules live while it exists (read by the shim for run and exec). */
export const seccompPath = (runDir: string) => path.join(runDir, 'seccomp');

function common(s: ProcessSpec): string {
  if (s.args.length === 0) throw new Error('no command specified');
  if (!s.cwd.startsWith('/')) throw new Error(`the working directory '${s.cwd}' is invalid, it needs to be an absolute path`);
  let out = '';
  for (const a of s.args) out += line('arg', a);
  for (const e of s.env) out += line('env', e);
  out += line('cwd', s.cwd) + line('uid', s.uid) + line('gid', s.gid);
  for (const g of s.additionalGids) out += line('group', g);
  out += line('tty', s.tty ? 1 : 0);
  return out;
}

export function serializeRunSpec(spec: ContainerSpec): string {
  let out = '';
  for (const l of spec.layerDirs) out += line('layer', l);
  out += line('upper', spec.upperDir) + line('work', spec.workDir) + line('rundir', spec.runDir) + line('rootfs', rootfsPath(spec.runDir));
  out += common(spec);
  out += line('stdin', spec.openStdin ? 1 : 0) + line('hostname', spec.hostname) + line('net', spec.network);
  if (spec.userns) {
    for (const m of spec.userns.uidMap) out += line('uidmap', mapLine(m));
    for (const m of spec.userns.gidMap) out += line('gidmap', mapLine(m));
  }
  for (const [key, value] of Object.entries(spec.sysctls ?? {})) {
    if (!/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/i.test(key)) throw new Error(`invalid sysctl name ${JSON.stringify(key)}`);
    out += line('sysctl', `${key.replace(/\./g, '/')} ${value}`);
  }
  out += line('etc_hostname', spec.etcFiles.hostname) + line('etc_hosts', spec.etcFiles.hosts) + line('etc_resolv', spec.etcFiles.resolvConf);
  // The container's process must be able to reopen its stdio (e.g. nginx's
  // error.log -> /dev/stderr -> /proc/self/fd/2), so the pipes belong to its user, as in runc.
  out += line('stdio_uid', toHostId(spec.userns?.uidMap, spec.uid)) + line('stdio_gid', toHostId(spec.userns?.gidMap, spec.gid));
  out += line('log', spec.logPath) + line('exit', spec.exitPath) + line('sock', attachSocketPath(spec.runDir));
  if (spec.seccomp) out += line('seccomp', seccompPath(spec.runDir));
  return out;
}

/** `seccomp`: the container's rules file (seccompPath), when it has a filter. */
export function serializeExecSpec(pid: number, spec: ExecSpec, seccomp?: string): string {
  return line('pid', pid) + common(spec) + (seccomp ? line('seccomp', seccomp) : '');
}
