// Pure serialisers for the shim's spec file (format and keys documented at the top of
// shim/spec.c, which parses it strictly): one `key value` per line, value escaped with `\\`
// and `\n`, repeated keys for lists. Everything the shim would refuse is refused here
// first, with a typed error, before the runtime creates anything.
import path from 'node:path';
import { InvalidSpec } from '../errors.js';
import { capabilityNumber } from './security/capabilities.js';
import type { CgroupViewEntry } from './cgroups/types.js';
import type { ContainerMount, ContainerSpec, ExecSpec, IdMapping, JoinableNamespace, ProcessSpec } from './types.js';
import type { VethPlan } from '../wire/veth.js';

/** uid/gid range the shim accepts (a kernel id is u32, -1 is "no change": keep to 31 bits). */
export const MAX_ID = 2147483647;

function escapeValue(field: string, value: string): string {
  if (value.includes('\0')) throw new InvalidSpec(field, value, 'contains a NUL byte');
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

const line = (key: string, value: string | number) => `${key} ${escapeValue(key, String(value))}\n`;

function checkId(field: string, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) throw new InvalidSpec(field, String(id), `not an id in 0..${MAX_ID}`);
  return id;
}

function checkMapping(field: string, m: IdMapping): string {
  const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
  if (!u32(m.containerId) || !u32(m.hostId) || !u32(m.size) || m.size < 1) {
    throw new InvalidSpec(field, JSON.stringify(m), 'ids and size must be 32-bit unsigned integers, size at least 1');
  }
  return `${m.containerId} ${m.hostId} ${m.size}`;
}

function checkAbsolute(field: string, p: string): string {
  if (!p.startsWith('/')) throw new InvalidSpec(field, p, 'not an absolute path');
  return p;
}

/** The host id a container id maps to (the id itself without a user namespace); -1 if unmapped. */
export function toHostId(map: IdMapping[] | undefined, id: number): number {
  if (!map) return id;
  const m = map.find((e) => id >= e.containerId && id < e.containerId + e.size);
  return m ? m.hostId + (id - m.containerId) : -1;
}

export const attachSocketPath = (runDir: string) => path.join(runDir, 'attach.sock');
export const rootfsPath = (runDir: string) => path.join(runDir, 'rootfs');
/** Where the runtime writes the seccomp rules of a container's PID 1. */
export const seccompPath = (runDir: string) => path.join(runDir, 'seccomp');

/** `seccompFile`: where the runtime writes `s.seccomp` (required when it is not null). */
function common(s: ProcessSpec, seccompFile: string | undefined, hold = false): string {
  if (hold && s.args.length) throw new InvalidSpec('command', s.args.join(' '), 'a holder runs no command');
  if (!hold && s.args.length === 0) throw new InvalidSpec('command', '', 'no command specified');
  if (!s.cwd.startsWith('/')) throw new InvalidSpec('working directory', s.cwd, 'it needs to be an absolute path');
  let out = '';
  for (const a of s.args) out += line('arg', a);
  for (const e of s.env) out += line('env', e);
  out += line('cwd', s.cwd) + line('uid', checkId('uid', s.uid)) + line('gid', checkId('gid', s.gid));
  for (const g of s.additionalGids) out += line('group', checkId('group', g));
  out += line('tty', s.tty ? 1 : 0);
  if (s.consoleSize) {
    const { rows, cols } = s.consoleSize;
    if (!s.tty) throw new InvalidSpec('console size', `${rows}x${cols}`, 'only a tty has a size');
    for (const n of [rows, cols]) if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidSpec('console size', `${rows}x${cols}`, 'not 1 to 65535');
    out += line('tty_rows', rows) + line('tty_cols', cols);
  }
  // docker (moby oci.SetCapabilities): root gets the list as bounding, permitted and
  // effective; any other uid only as bounding, "to match what execve does"
  const caps = [...new Set(s.capabilities.map(capabilityNumber))].sort((a, b) => a - b);
  for (const c of caps) out += line('cap_bounding', c);
  if (s.uid === 0) for (const c of caps) out += line('cap_permitted', c);
  out += line('no_new_privs', s.noNewPrivileges ? 1 : 0);
  if (s.seccomp !== null) {
    if (seccompFile === undefined) throw new InvalidSpec('seccomp', s.seccomp, 'no file to write the rules to');
    out += line('seccomp', seccompFile);
  }
  return out;
}

function mountLines(m: ContainerMount): string {
  checkAbsolute('mount target', m.target);
  if (m.target === '/') throw new InvalidSpec('mount target', m.target, "destination can't be '/'");
  const rw = m.readOnly ? 'ro' : 'rw';
  let kind: string;
  if (m.type === 'bind') {
    checkAbsolute('bind source', m.source);
    kind = `bind ${rw}`;
  } else if (m.type === 'tmpfs') {
    const opts = m.options ?? '';
    if (/\s/.test(opts)) throw new InvalidSpec('tmpfs options', opts, 'contains white space');
    kind = `tmpfs ${rw} ${m.flags?.length ? m.flags.join(',') : '-'} ${opts || '-'}`;
  } else {
    throw new InvalidSpec('mount type', String((m as { type: unknown }).type), 'not bind or tmpfs');
  }
  return line('mount_kind', kind) + line('mount_src', m.type === 'tmpfs' ? 'tmpfs' : m.source) + line('mount_dst', m.target);
}

const JOINABLE: JoinableNamespace[] = ['user', 'net', 'ipc', 'uts', 'pid'];

function checkPid(field: string, pid: number): number {
  if (!Number.isInteger(pid) || pid < 1 || pid > MAX_ID) throw new InvalidSpec(field, String(pid), 'not a process id');
  return pid;
}

/** join_*, host_*, shm_from: refused here when the shim would refuse them. */
function namespaceLines(spec: ContainerSpec): string {
  const join = spec.join ?? {};
  const host = new Set(spec.hostNamespaces ?? []);
  let out = '';
  for (const ns of Object.keys(join)) if (!JOINABLE.includes(ns as JoinableNamespace)) throw new InvalidSpec('joined namespace', ns, `not one of ${JOINABLE.join(', ')}`);
  const others = JOINABLE.filter((ns) => ns !== 'user' && join[ns] !== undefined);
  if (join.user !== undefined && !spec.userns) throw new InvalidSpec('joined user namespace', String(join.user), "needs the holder's id maps in userns");
  if (others.length && spec.userns && join.user === undefined) {
    throw new InvalidSpec('joined namespaces', others.join(','), "need the holder's user namespace joined too (they belong to it)");
  }
  if (join.net !== undefined && spec.network === 'host') throw new InvalidSpec('joined network namespace', String(join.net), 'the host network was asked for too');
  for (const ns of JOINABLE) if (join[ns] !== undefined) out += line(`join_${ns}`, checkPid(`joined ${ns} namespace`, join[ns]!));
  for (const ns of ['pid', 'ipc', 'uts'] as const) {
    if (!host.has(ns)) continue;
    if (join[ns] !== undefined) throw new InvalidSpec(`${ns} namespace`, 'host', 'also joined from a holder');
    out += line(`host_${ns}`, 1);
  }
  for (const ns of host) if (!['pid', 'ipc', 'uts'].includes(ns)) throw new InvalidSpec('host namespace', ns, 'not one of pid, ipc, uts');
  if (spec.shmFrom !== undefined) {
    if (host.has('ipc')) throw new InvalidSpec('shm source', String(spec.shmFrom), 'the host IPC namespace was asked for too');
    out += line('shm_from', checkPid('shm source', spec.shmFrom));
  }
  if (spec.noShm) {
    if (spec.shmFrom !== undefined || host.has('ipc')) throw new InvalidSpec('shm', 'none', 'a shared /dev/shm was asked for too');
    out += line('no_shm', 1);
  }
  return out;
}

/** `NAME HOSTDIR`, `NAME -> TARGET` or `. HOSTDIR` (v2, alone): names are one path component. */
function cgroupLine(e: CgroupViewEntry, count: number): string {
  const bad = (why: string) => new InvalidSpec('cgroup view entry', JSON.stringify(e), why);
  const component = (n: string) => n !== '' && n !== '..' && !/[/\s]/.test(n);
  if ('link' in e) {
    if (!component(e.name) || e.name === '.' || !component(e.link) || e.link === '.') throw bad('a link joins two names of one path component');
    return `${e.name} -> ${e.link}`;
  }
  if (e.name === '.' && count !== 1) throw bad('a v2 directory is the only entry');
  if (!component(e.name)) throw bad('the name is one path component');
  return `${e.name} ${checkAbsolute('cgroup directory', e.source)}`;
}

export function serializeRunSpec(spec: ContainerSpec): string {
  let out = '';
  for (const l of spec.layerDirs) out += line('layer', l);
  out += line('upper', spec.upperDir) + line('work', spec.workDir) + line('rundir', spec.runDir) + line('rootfs', rootfsPath(spec.runDir));
  if (spec.hold && (spec.init || spec.tty)) throw new InvalidSpec('hold', 'true', 'a holder has no init and no tty');
  out += common(spec, seccompPath(spec.runDir), !!spec.hold);
  out += line('stdin', spec.openStdin ? 1 : 0) + line('hostname', spec.hostname) + line('net', spec.network);
  if (spec.userns) {
    for (const m of spec.userns.uidMap) out += line('uidmap', checkMapping('uid map', m));
    for (const m of spec.userns.gidMap) out += line('gidmap', checkMapping('gid map', m));
  }
  out += namespaceLines(spec);
  if (spec.init) out += line('init', 1);
  if (spec.hold) out += line('hold', 1);
  for (const [key, value] of Object.entries(spec.sysctls ?? {})) {
    if (!/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/i.test(key)) throw new InvalidSpec('sysctl name', key, 'not a dotted sysctl name');
    out += line('sysctl', `${key.replace(/\./g, '/')} ${value}`);
  }
  for (const p of spec.maskedPaths) out += line('mask', checkAbsolute('masked path', p));
  for (const p of spec.readonlyPaths) out += line('readonly', checkAbsolute('read-only path', p));
  if (spec.readonlyRootfs) out += line('readonly_root', 1);
  for (const e of spec.cgroupView ?? []) out += line('cgroup', cgroupLine(e, spec.cgroupView!.length));
  for (const m of spec.mounts ?? []) out += mountLines(m);
  out += line('etc_hostname', spec.etcFiles.hostname) + line('etc_hosts', spec.etcFiles.hosts) + line('etc_resolv', spec.etcFiles.resolvConf);
  // The container's process must be able to reopen its stdio (e.g. nginx's
  // error.log -> /dev/stderr -> /proc/self/fd/2), so the pipes belong to its user, as in runc.
  out += line('stdio_uid', toHostId(spec.userns?.uidMap, spec.uid)) + line('stdio_gid', toHostId(spec.userns?.gidMap, spec.gid));
  if (spec.logLimit) {
    const { maxSize, maxFiles } = spec.logLimit;
    if (!Number.isSafeInteger(maxSize) || maxSize < 0 || maxSize > 2 ** 50) throw new InvalidSpec('log size limit', String(maxSize), 'not a byte count');
    if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > 1000) throw new InvalidSpec('log files kept', String(maxFiles), 'not 1 to 1000');
    out += line('log_max_size', maxSize) + line('log_max_files', maxFiles);
  }
  if (spec.logDiscard) out += line('log_discard', 1);
  out += line('log', spec.logPath) + line('exit', spec.exitPath) + line('sock', attachSocketPath(spec.runDir));
  return out;
}

/** `seccompFile`: where the runtime writes `spec.seccomp` for this exec. */
export function serializeExecSpec(pid: number, spec: ExecSpec, seccompFile?: string): string {
  if (!Number.isInteger(pid) || pid < 1 || pid > MAX_ID) throw new InvalidSpec('pid', String(pid), 'not a process id');
  return line('pid', pid) + common(spec, seccompFile);
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * The shim's `veth` request of the start handshake (its reader: shim/netlink.c veth_parse):
 *   veth <hostVeth> <bridge> <ifName> <mac> <ip>/<prefixLen> <gateway|->
 * The gateway is `-` when no default route is wanted.
 */
export function vethLine(p: VethPlan): string {
  for (const [field, v] of [['hostVeth', p.hostVeth], ['bridge', p.bridge], ['ifName', p.ifName]] as const) {
    if (!IFNAME.test(v)) throw new InvalidSpec(field, v, 'not an interface name (1-15 of A-Z a-z 0-9 _ . -)');
  }
  if (!MAC.test(p.mac)) throw new InvalidSpec('mac', p.mac, 'not a lower-case MAC address');
  const ipv4 = (field: string, v: string) => {
    const m = IPV4.exec(v);
    if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new InvalidSpec(field, v, 'not an IPv4 address');
  };
  ipv4('ip', p.ip);
  if (!Number.isInteger(p.prefixLen) || p.prefixLen < 0 || p.prefixLen > 32) throw new InvalidSpec('prefixLen', String(p.prefixLen), 'not a prefix length in 0..32');
  if (p.defaultRoute) ipv4('gateway', p.gateway);
  return `veth ${p.hostVeth} ${p.bridge} ${p.ifName} ${p.mac} ${p.ip}/${p.prefixLen} ${p.defaultRoute ? p.gateway : '-'}\n`;
}
