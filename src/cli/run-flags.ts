// Pure mapping of `run`/`create` flags to the Docker create body. No I/O: the env-file
// contents and the CLI's environment are passed in, so it is table-testable.
import { invalidArgument } from '../errors.js';
import { parseRestartFlag } from '../wire/restart.js';

/** --log-opt k=v (repeated) → LogConfig.Config, as docker's CLI parses it. */
function logOpts(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of list) {
    const i = o.indexOf('=');
    if (i <= 0) throw invalidArgument(`invalid argument "${o}" for "--log-opt" flag: invalid key value pair format`);
    out[o.slice(0, i)] = o.slice(i + 1);
  }
  return out;
}
import type { CreateContainerBody, HealthConfig } from '../wire/api-types.js';
import { mappingsToBindings, parseExposeSpec, parsePortSpecs } from '../wire/ports.js';
import { encodeMountFlag, encodeTmpfsFlags, encodeVolumeFlag } from '../wire/mounts.js';
import { parseGoDuration } from '../wire/duration.js';

export interface RunFlags {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  name?: string;
  env?: string[];
  envFileContents?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  entrypoint?: string;
  network?: string;
  ip?: string;
  networkAlias?: string[];
  publish?: string[];
  publishAll?: boolean;
  userns?: string;
  stopTimeout?: string | number;
  stopSignal?: string;
  label?: string[];
  labelFileContents?: string[];
  expose?: string[];
  /** --pod NAME: sent as the label minidock.pod=NAME, which the engine turns into the pod's namespaces. */
  pod?: string;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  restart?: string;
  logDriver?: string;
  logOpt?: string[];
  /** As typed; `seccomp=FILE` is replaced by the file's JSON (the CLI reads it, as docker's does). */
  securityOpt?: string[];
  /** -v/--volume, --mount, --tmpfs, --volumes-from, --read-only (codec: wire/mounts.ts) */
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
  readOnly?: boolean;
  /** where `-v ./dir:/x` and `--mount source=./dir` are resolved (the CLI's cwd) */
  cwd?: string;
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  pidsLimit?: string;
  oomKillDisable?: boolean;
  /** --pid, --ipc, --uts namespace modes; --init; /etc/hosts and resolv.conf additions */
  pid?: string;
  ipc?: string;
  uts?: string;
  init?: boolean;
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  macAddress?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthRetries?: string;
  healthcheck?: boolean; // commander's --no-healthcheck sets false
}

/** The resource flags shared by run/create and update. */
export type ResourceFlags = Pick<RunFlags, 'memory' | 'memorySwap' | 'memoryReservation' | 'cpus' | 'cpuShares' | 'cpusetCpus' | 'pidsLimit' | 'oomKillDisable'>;

const RAM_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "6m", "1g", "512k", "1.5GB", "100" (bytes); binary multiples, as docker's flags. */
export function ramInBytes(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(value.trim()) ?? /^(\d+(?:\.\d+)?)\s*(b)$/i.exec(value.trim());
  if (!m) throw invalidArgument(`invalid argument "${value}" for "${flag}" flag: invalid size: '${value}'`);
  return Math.trunc(Number(m[1]) * RAM_UNITS[m[2]!.toLowerCase()]!);
}

function intFlag(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw invalidArgument(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  return Number(value);
}

/** HostConfig's resource fields from the flags given (flags not given are left out). */
export function resourceFields(f: ResourceFlags): NonNullable<CreateContainerBody['HostConfig']> {
  const out: NonNullable<CreateContainerBody['HostConfig']> = {};
  if (f.memory !== undefined) out.Memory = ramInBytes('--memory', f.memory);
  // docker: --memory-swap -1 is unlimited swap
  if (f.memorySwap !== undefined) out.MemorySwap = f.memorySwap.trim() === '-1' ? -1 : ramInBytes('--memory-swap', f.memorySwap);
  if (f.memoryReservation !== undefined) out.MemoryReservation = ramInBytes('--memory-reservation', f.memoryReservation);
  if (f.cpus !== undefined) {
    const n = Number(f.cpus);
    if (f.cpus.trim() === '' || !Number.isFinite(n)) throw invalidArgument(`invalid argument "${f.cpus}" for "--cpus" flag: failed to parse ${f.cpus} as a rational number`);
    out.NanoCpus = Math.round(n * 1e9);
  }
  if (f.cpuShares !== undefined) out.CpuShares = intFlag('--cpu-shares', f.cpuShares);
  if (f.cpusetCpus !== undefined) out.CpusetCpus = f.cpusetCpus;
  if (f.pidsLimit !== undefined) out.PidsLimit = intFlag('--pids-limit', f.pidsLimit);
  if (f.oomKillDisable) out.OomKillDisable = true;
  return out;
}

function durationFlag(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const ns = parseGoDuration(value.trim());
  if (ns === undefined) throw invalidArgument(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  if (ns < 0) throw invalidArgument(`${flag} cannot be negative`);
  return ns;
}

/** docker's CLI: --health-* build a Healthcheck (unset fields 0: the image's or the default);
 * --no-healthcheck is Test ["NONE"] and conflicts with them; none given: no field at all. */
export function healthcheckField(f: Pick<RunFlags, 'healthCmd' | 'healthInterval' | 'healthTimeout' | 'healthStartPeriod' | 'healthStartInterval' | 'healthRetries' | 'healthcheck'>): HealthConfig | undefined {
  const Interval = durationFlag('--health-interval', f.healthInterval);
  const Timeout = durationFlag('--health-timeout', f.healthTimeout);
  const StartPeriod = durationFlag('--health-start-period', f.healthStartPeriod);
  const StartInterval = durationFlag('--health-start-interval', f.healthStartInterval);
  const Retries = f.healthRetries === undefined ? 0 : intFlag('--health-retries', f.healthRetries);
  if (Retries < 0) throw invalidArgument('--health-retries cannot be negative');
  const any = !!f.healthCmd || Interval !== 0 || Timeout !== 0 || StartPeriod !== 0 || StartInterval !== 0 || Retries !== 0;
  if (f.healthcheck === false) {
    if (any) throw invalidArgument('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  return { Test: f.healthCmd ? ['CMD-SHELL', f.healthCmd] : [], Interval, Timeout, StartPeriod, StartInterval, Retries };
}

/** `-e KEY=VAL` is kept; `-e KEY` takes the CLI's value or is dropped when unset (docker). */
export function resolveEnv(entries: string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.includes('=')) {
      if (e.startsWith('=')) throw invalidArgument(`invalid environment variable: ${e}`);
      out.push(e);
    } else if (e.trim() === '') {
      throw invalidArgument('invalid environment variable: (empty)');
    } else if (env[e] !== undefined) out.push(`${e}=${env[e]}`);
  }
  return out;
}

/** Lines of an env or label file: comments and blank lines skipped (KEY alone: env taken from the env, label empty). */
export function envFileEntries(contents: string): string[] {
  return contents.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

export function buildCreateBody(image: string, command: string[], f: RunFlags, env: NodeJS.ProcessEnv): CreateContainerBody {
  if (!image) throw invalidArgument('"run" requires at least 1 argument');
  const envList = resolveEnv([...(f.envFileContents ?? []).flatMap(envFileEntries), ...(f.env ?? [])], env);
  // -p: docker's grammar (src/wire/ports.ts); a host range stays a range, the engine picks the port.
  const bindings = mappingsToBindings(parsePortSpecs(f.publish ?? []));
  const exposed: Record<string, object> = {};
  for (const key of Object.keys(bindings)) exposed[key] = {};
  for (const e of f.expose ?? []) for (const key of parseExposeSpec(e)) exposed[key] = {};
  const labels: Record<string, string> = {};
  // docker (opts.ReadKVStrings): the files' lines first, in order, then --label; later wins
  for (const l of [...(f.labelFileContents ?? []).flatMap(envFileEntries), ...(f.label ?? [])]) {
    const i = l.indexOf('=');
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
  }
  if (f.pod !== undefined) {
    // the pod owns the network: publish on it (pod create -p), name it (pod create --hostname)
    const at = `--pod ${f.pod}`;
    if (!f.pod) throw invalidArgument('--pod: empty pod name');
    if (f.publish?.length || f.publishAll) throw invalidArgument(`${at}: ports are published on the pod (pod create -p), not with -p/-P on its containers`);
    if (f.network !== undefined) throw invalidArgument(`${at}: --network conflicts with the pod's network (pod create --network)`);
    if (f.hostname !== undefined) throw invalidArgument(`${at}: --hostname conflicts with the pod's hostname (pod create --hostname)`);
    if (labels['minidock.pod'] !== undefined && labels['minidock.pod'] !== f.pod) throw invalidArgument(`${at}: conflicts with --label minidock.pod=${labels['minidock.pod']}`);
    labels['minidock.pod'] = f.pod;
  }
  let stopTimeout: number | undefined;
  if (f.stopTimeout !== undefined) {
    stopTimeout = Number(f.stopTimeout);
    if (!Number.isInteger(stopTimeout)) throw invalidArgument(`invalid argument "${f.stopTimeout}" for "--stop-timeout" flag: not an integer`);
  }
  const network = f.network ?? 'default';
  if ((f.ip || f.networkAlias?.length) && (network === 'default' || network === 'bridge' || network === 'host' || network === 'none')) {
    if (f.ip) throw invalidArgument('user specified IP address is supported on user defined networks only');
    throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  }
  const cwd = f.cwd ?? '/';
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of f.volume ?? []) {
    const e = encodeVolumeFlag(v, cwd);
    if ('bind' in e) binds.push(e.bind);
    else volumes[e.volume] = {};
  }
  const mounts = (f.mount ?? []).map((m) => encodeMountFlag(m, cwd));
  const tmpfs = encodeTmpfsFlags(f.tmpfs ?? []);
  const attach = !f.detach;
  const healthcheck = healthcheckField(f);
  const body: CreateContainerBody = {
    Image: image,
    Cmd: command.length ? command : null,
    // docker's CLI sends [""] for --entrypoint "": no entrypoint, and no image Cmd either
    Entrypoint: f.entrypoint === undefined ? null : [f.entrypoint],
    Env: envList,
    WorkingDir: f.workdir ?? '',
    User: f.user ?? '',
    Hostname: f.hostname ?? '',
    Tty: !!f.tty,
    OpenStdin: !!f.interactive,
    StdinOnce: !!f.interactive && attach,
    AttachStdin: !!f.interactive && attach,
    AttachStdout: attach,
    AttachStderr: attach,
    ExposedPorts: exposed,
    Labels: labels,
    StopSignal: f.stopSignal,
    StopTimeout: stopTimeout ?? null,
    ...(f.macAddress ? { MacAddress: f.macAddress } : {}),
    Volumes: volumes,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    HostConfig: {
      Binds: binds,
      Mounts: mounts,
      Tmpfs: tmpfs,
      VolumesFrom: f.volumesFrom ?? null,
      ReadonlyRootfs: !!f.readOnly,
      NetworkMode: network,
      PortBindings: bindings,
      PublishAllPorts: !!f.publishAll,
      AutoRemove: !!f.rm,
      UsernsMode: f.userns ?? '',
      CapAdd: f.capAdd ?? null,
      CapDrop: f.capDrop ?? null,
      Privileged: !!f.privileged,
      SecurityOpt: f.securityOpt ?? null,
      RestartPolicy: f.restart === undefined ? { Name: 'no', MaximumRetryCount: 0 } : parseRestartFlag(f.restart),
      ...(f.logDriver !== undefined || f.logOpt?.length ? { LogConfig: { Type: f.logDriver ?? '', Config: logOpts(f.logOpt ?? []) } } : {}),
      ...resourceFields(f),
      PidMode: f.pid ?? '',
      IpcMode: f.ipc ?? '',
      UTSMode: f.uts ?? '',
      // docker's CLI sends Init only when the flag is given
      ...(f.init ? { Init: true } : {}),
      // docker's CLI turns `name=ip` into `name:ip`; the engine checks the entries
      ExtraHosts: (f.addHost ?? []).map((h) => h.replace('=', ':')),
      Dns: f.dns ?? [],
      DnsSearch: f.dnsSearch ?? [],
      DnsOptions: f.dnsOption ?? [],
    },
    NetworkingConfig: { EndpointsConfig: {} },
  };
  if (f.ip || f.networkAlias?.length) {
    body.NetworkingConfig!.EndpointsConfig![network] = {
      IPAMConfig: f.ip ? { IPv4Address: f.ip } : null,
      Aliases: f.networkAlias ?? [],
    };
  }
  return body;
}
