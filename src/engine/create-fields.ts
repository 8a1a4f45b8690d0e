// Which fields of a create request minidock honours. Every other field that carries a value
// other than its default is refused, naming the field (and the docker flag that sets it), so a
// client never believes a limit, a mount or a policy is in force when it is not.
// Features add their fields to SUPPORTED as they land; nothing else here changes.
import { invalidArgument } from '../errors.js';

/** Dotted paths (from the request body) that minidock implements. `*` matches any map key. */
export const SUPPORTED = new Set<string>([
  'Image', 'Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'Hostname', 'Tty', 'OpenStdin', 'StdinOnce',
  'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Labels', 'StopSignal', 'StopTimeout',
  // Windows-only flag that Linux engines ignore by definition (docker does too).
  'ArgsEscaped',
  // dockerode repeats ?name= in the body; create checks that both agree (createContainer)
  'name',
  'HostConfig.NetworkMode', 'HostConfig.PortBindings', 'HostConfig.PublishAllPorts', 'HostConfig.AutoRemove',
  'HostConfig.UsernsMode', 'HostConfig.CapAdd', 'HostConfig.CapDrop', 'HostConfig.Privileged', 'HostConfig.SecurityOpt',
  'HostConfig.RestartPolicy', 'HostConfig.LogConfig',
  // healthchecks (engine/health.ts checks the value)
  'Healthcheck',
  // mounts (engine/mounts.ts, codec wire/mounts.ts: what it does not do is refused there by name)
  'Volumes', 'HostConfig.Binds', 'HostConfig.Mounts', 'HostConfig.Tmpfs', 'HostConfig.VolumesFrom', 'HostConfig.VolumeDriver',
  'HostConfig.ReadonlyRootfs',
  // namespace modes (engine/namespaces.ts), --init, /etc/hosts and resolv.conf options
  'HostConfig.PidMode', 'HostConfig.IpcMode', 'HostConfig.UTSMode', 'HostConfig.Init', 'HostConfig.ExtraHosts',
  'HostConfig.Dns', 'HostConfig.DnsSearch', 'HostConfig.DnsOptions', 'MacAddress',
  'HostConfig.Memory', 'HostConfig.MemorySwap', 'HostConfig.MemoryReservation', 'HostConfig.NanoCpus', 'HostConfig.CpuShares',
  'HostConfig.CpusetCpus', 'HostConfig.PidsLimit', 'HostConfig.OomKillDisable',
  // the first size of a tty container's terminal (create.ts checks it)
  'HostConfig.ConsoleSize',
  'NetworkingConfig.EndpointsConfig.*.IPAMConfig.IPv4Address', 'NetworkingConfig.EndpointsConfig.*.Aliases',
]);

/** Values that mean "not set" for fields whose default is not a zero value. */
const DEFAULTS: Record<string, (v: unknown) => boolean> = {
  'HostConfig.MemorySwappiness': (v) => isZero(v) || v === -1,
  'HostConfig.OomScoreAdj': isZero,
  'HostConfig.Isolation': (v) => isZero(v) || v === 'default',
  'HostConfig.IpcMode': (v) => isZero(v) || v === 'private',
  // the host's cgroup namespace, with the container's own cgroups bound at /sys/fs/cgroup
  // (docker's default on cgroup v1); a private cgroup namespace is not made
  'HostConfig.CgroupnsMode': (v) => isZero(v) || v === 'host',
};

/** Maps whose keys are the data: set as soon as they have one key (`Volumes: {"/data": {}}`). */
const MAPS = new Set(['Volumes', 'ExposedPorts', 'Labels', 'HostConfig.Tmpfs', 'HostConfig.Sysctls', 'HostConfig.StorageOpt',
  'HostConfig.Annotations', 'HostConfig.PortBindings']);

/** The docker flag a field comes from, so the refusal speaks the user's language. */
const FLAGS: Record<string, string> = {
  'HostConfig.Binds': '-v/--volume', 'HostConfig.Mounts': '--mount', 'HostConfig.Tmpfs': '--tmpfs', 'Volumes': '-v/--volume',
  'HostConfig.VolumesFrom': '--volumes-from', 'HostConfig.ReadonlyRootfs': '--read-only',
  'HostConfig.Memory': '--memory', 'HostConfig.MemorySwap': '--memory-swap', 'HostConfig.MemoryReservation': '--memory-reservation',
  'HostConfig.NanoCpus': '--cpus', 'HostConfig.CpuShares': '--cpu-shares', 'HostConfig.CpusetCpus': '--cpuset-cpus',
  'HostConfig.CpuQuota': '--cpu-quota', 'HostConfig.CpuPeriod': '--cpu-period', 'HostConfig.PidsLimit': '--pids-limit',
  'HostConfig.OomKillDisable': '--oom-kill-disable', 'HostConfig.CapAdd': '--cap-add', 'HostConfig.CapDrop': '--cap-drop',
  'HostConfig.Privileged': '--privileged', 'HostConfig.SecurityOpt': '--security-opt', 'HostConfig.Devices': '--device',
'HostConfig.LogConfig': '--log-driver/--log-opt', 'Healthcheck': '--health-*',
  'HostConfig.Dns': '--dns', 'HostConfig.DnsSearch': '--dns-search', 'HostConfig.DnsOptions': '--dns-option',
  'HostConfig.ExtraHosts': '--add-host', 'HostConfig.Init': '--init', 'HostConfig.PidMode': '--pid',
  'HostConfig.IpcMode': '--ipc', 'HostConfig.UTSMode': '--uts', 'HostConfig.Links': '--link', 'HostConfig.GroupAdd': '--group-add',
  'HostConfig.Ulimits': '--ulimit', 'HostConfig.ShmSize': '--shm-size', 'HostConfig.Sysctls': '--sysctl',
  'HostConfig.CgroupParent': '--cgroup-parent', 'HostConfig.OomScoreAdj': '--oom-score-adj', 'MacAddress': '--mac-address',
  'Domainname': '--domainname', 'HostConfig.CgroupnsMode': '--cgroupns', 'HostConfig.Runtime': '--runtime', 'HostConfig.StorageOpt': '--storage-opt',
};

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** null, '', 0, false, [] and {} — and objects/arrays made only of those — mean "not set". */
export function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) return Object.values(v).every(isZero);
  return false;
}

function supported(path: string): boolean {
  if (SUPPORTED.has(path)) return true;
  // a supported parent covers its whole value (e.g. HostConfig.PortBindings.<port>)
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('.');
    if (SUPPORTED.has(prefix)) return true;
  }
  return false;
}

/** Is this path a container of supported paths (walk into it) rather than a leaf to judge? */
function hasSupportedBelow(path: string): boolean {
  const pre = `${path}.`;
  for (const s of SUPPORTED) if (s.startsWith(pre)) return true;
  return false;
}

/** Generalises map keys that clients choose (network names) to `*`. */
function pattern(path: string[]): string {
  return path.map((p, i) => (i === 2 && path[0] === 'NetworkingConfig' && path[1] === 'EndpointsConfig' ? '*' : p)).join('.');
}

/** The first field set to something minidock does not implement, or undefined. */
export function unsupportedField(body: unknown): string | undefined {
  const walk = (v: unknown, path: string[]): string | undefined => {
    const key = pattern(path);
    if (path.length && supported(key)) return undefined;
    const isDefault = DEFAULTS[key];
    if (isDefault) return isDefault(v) ? undefined : key;
    if (path.length === 0 || (isObj(v) && hasSupportedBelow(key))) {
      if (!isObj(v)) return undefined;
      for (const [k, child] of Object.entries(v)) {
        const found = walk(child, [...path, k]);
        if (found) return found;
      }
      return undefined;
    }
    if (MAPS.has(key)) return isObj(v) && Object.keys(v).length === 0 ? undefined : v == null ? undefined : key;
    return isZero(v) ? undefined : key;
  };
  return walk(body, []);
}

/** Refuses a create request that asks for something minidock does not do. */
export function refuseUnsupported(body: unknown): void {
  const field = unsupportedField(body);
  if (!field) return;
  const flag = FLAGS[field];
  throw invalidArgument(`minidock does not support ${field}${flag ? ` (${flag})` : ''} yet: refusing to create a container without it`);
}
