// `create`: the request validated (unsupported fields refused by name), the command merged once
// (process-spec.ts), the record and the container's dir written; nothing is left on failure.
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import type { EngineCore } from './core.js';
import { refuseUnsupported } from './create-fields.js';
import { newId, normaliseName, randomName } from './names.js';
import { resolveCommand } from './process-spec.js';
import { checkSecurity } from './security.js';
import { checkRestartPolicy } from '../wire/restart.js';
import { createVolumes, decideMounts, removeCreated } from './mounts.js';
import { checkResources, resourceConfig } from './resources.js';
import { checkHealthConfig, mergeHealthConfig } from './health.js';
import type { CreateContainerBody } from '../wire/api-types.js';
import type { ContainerRecord, NetworkRequest } from './record.js';
import { ZERO_TIME } from './record.js';
import type { ImageRecord, UsernsMap } from './services.js';
import { bindingsToMappings, parsePortKey } from '../wire/ports.js';
import { checkNamespaceModes, containerOf, joinerUserns, podJoin } from './namespaces.js';
import { parseExtraHost } from './etc-files.js';
import { isIP } from 'node:net';
import { logPolicy } from '../wire/log-config.js';
import { checkCniPorts, checkCniRequest } from '../network/index.js';

/** "default"/"" → bridge; host and none stay; anything else is a user network name. */
/**
 * HostConfig.ConsoleSize, [height, width]: the terminal's size from the container's first
 * instant (a tty only; all zero = not given). Returned as docker records it.
 */
function consoleSize(v: unknown, tty: boolean): [number, number] {
  if (v === undefined || v === null) return [0, 0];
  const ok = Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  if (!ok) throw invalidArgument(`invalid ConsoleSize ${JSON.stringify(v)}: expected [height, width], each 0 to 65535`);
  const size = v as [number, number];
  if (!tty && (size[0] > 0 || size[1] > 0)) throw invalidArgument('ConsoleSize is for a container with a tty (Tty: true)');
  return size;
}

export function networkModeName(mode: string | undefined): string {
  return !mode || mode === 'default' ? 'bridge' : mode;
}

export function validateCreate(body: CreateContainerBody): void {
  if (!body || typeof body !== 'object') throw invalidArgument('request body must be a json object');
  refuseUnsupported(body);
  const policy = checkRestartPolicy(body.HostConfig?.RestartPolicy);
  if (policy.Name !== 'no' && body.HostConfig?.AutoRemove) throw invalidArgument(`can't create 'AutoRemove' container with restart policy`);
  if (typeof body.Image !== 'string' || body.Image === '') throw invalidArgument('config.Image is required');
  for (const key of ['Cmd', 'Entrypoint', 'Env'] as const) {
    const v = body[key];
    if (v != null && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw invalidArgument(`config.${key} must be an array of strings`);
  }
  for (const e of body.Env ?? []) if (!e.includes('=') || e.startsWith('=')) throw invalidArgument(`invalid environment variable: ${e}`);
  for (const key of Object.keys(body.ExposedPorts ?? {})) parsePortKey(key);
  // Keys, host addresses and host ports (a range allowed) are checked before anything is stored.
  bindingsToMappings(body.HostConfig?.PortBindings ?? {});
  const um = body.HostConfig?.UsernsMode ?? '';
  if (um !== '' && um !== 'host') throw invalidArgument(`invalid userns mode: ${um}`);
  if (body.StopTimeout != null && !Number.isInteger(body.StopTimeout)) throw invalidArgument(`invalid stop timeout: ${body.StopTimeout}`);
  const mode = networkModeName(body.HostConfig?.NetworkMode);
  checkNamespaceModes(body, mode !== 'host' && um !== 'host');
  const hc = body.HostConfig ?? {};
  for (const h of hc.ExtraHosts ?? []) parseExtraHost(h);
  for (const d of hc.Dns ?? []) if (!isIP(d)) throw invalidArgument(`invalid argument "${d}" for "--dns" flag: ${d} is not an ip address`);
  // The embedded DNS server of a user network forwards to the host's resolvers for every
  // container: a per-container upstream (docker's ExtDNS) is not there yet.
  if (body.MacAddress !== undefined && body.MacAddress !== '') checkMac(body.MacAddress, mode);
  const userNet = mode !== 'host' && mode !== 'none' && mode !== 'bridge' && containerOf(mode) === undefined;
  if (userNet && hc.Dns?.length) throw invalidArgument(`minidock does not support HostConfig.Dns (--dns) on a user-defined network (${mode}) yet: refusing to create a container without it`);
  checkHealthConfig(body.Healthcheck);
  logPolicy(hc.LogConfig);
}

/** --mac-address: docker's parse (net.ParseMAC, 48-bit), a unicast address, and an interface to give it to. */
function checkMac(mac: string, mode: string): void {
  if (!/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(mac)) throw invalidArgument(`invalid MAC address: ${mac}`);
  if (parseInt(mac.slice(0, 2), 16) & 1) throw invalidArgument(`invalid MAC address: ${mac} is a multicast address`);
  if (mode === 'host' || mode === 'none') throw invalidArgument('conflicting options: mac-address and the network mode');
}

export function networkRequests(body: CreateContainerBody): Record<string, NetworkRequest> {
  const mode = networkModeName(body.HostConfig?.NetworkMode);
  if (containerOf(mode) !== undefined) return {}; // the holder's network namespace, none of its own
  const eps = body.NetworkingConfig?.EndpointsConfig ?? {};
  const req: NetworkRequest = { aliases: [] };
  const mine = eps[mode] ?? eps[body.HostConfig?.NetworkMode ?? ''];
  if (mine?.IPAMConfig?.IPv4Address) req.ip = mine.IPAMConfig.IPv4Address;
  if (mine?.Aliases?.length) req.aliases = [...mine.Aliases];
  const builtin = mode === 'bridge' || mode === 'host' || mode === 'none';
  if (builtin && req.ip) throw invalidArgument('user specified IP address is supported on user defined networks only');
  if (builtin && req.aliases.length) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  return { [mode]: req };
}

export function newRecord(args: {
  id: string; name: string; body: CreateContainerBody; image: Pick<ImageRecord, 'id' | 'config'>; userns: UsernsMap | null; now: string;
  /** a pod's holder (pods.ts): no image, no command */
  hold?: boolean;
}): ContainerRecord {
  const { id, name, body, image } = args;
  const { args: command } = args.hold ? { args: [] as string[] } : resolveCommand({ entrypoint: body.Entrypoint, cmd: body.Cmd }, image.config);
  const mode = networkModeName(body.HostConfig?.NetworkMode);
  const exposed = { ...(image.config.ExposedPorts ?? {}), ...(body.ExposedPorts ?? {}) };
  const bindings: ContainerRecord['HostConfig']['PortBindings'] = {};
  for (const [k, list] of Object.entries(body.HostConfig?.PortBindings ?? {})) {
    const key = k.includes('/') ? k : `${k}/tcp`;
    bindings[key] = (list ?? []).map((b) => ({ HostIp: b.HostIp ?? '', HostPort: b.HostPort ?? '' }));
    exposed[key] = {};
  }
  return {
    Id: id,
    Name: name,
    Created: args.now,
    Path: command[0] ?? '',
    Args: command.slice(1),
    Image: image.id,
    ImageRef: body.Image,
    Config: {
      ...body,
      // host network or UTS: the host's name; container network: the holder's, taken at start
      Hostname: body.Hostname || (mode === 'host' || body.HostConfig?.UTSMode === 'host' || containerOf(mode) !== undefined ? '' : id.slice(0, 12)),
      Env: body.Env ?? [],
      // as given or inherited (inspect shows them so); Path/Args hold the merged command line
      Cmd: body.Cmd ?? (body.Entrypoint ? null : image.config.Cmd ?? null),
      Entrypoint: body.Entrypoint ?? image.config.Entrypoint ?? null,
      WorkingDir: body.WorkingDir || image.config.WorkingDir || '',
      User: body.User || image.config.User || '',
      ExposedPorts: exposed,
      Labels: { ...(image.config.Labels ?? {}), ...(body.Labels ?? {}) },
      StopSignal: body.StopSignal || image.config.StopSignal || 'SIGTERM',
      Healthcheck: mergeHealthConfig(body.Healthcheck, image.config.Healthcheck),
    },
    HostConfig: {
      NetworkMode: body.HostConfig?.NetworkMode || 'default',
      PortBindings: bindings,
      PublishAllPorts: !!body.HostConfig?.PublishAllPorts,
      AutoRemove: !!body.HostConfig?.AutoRemove,
      UsernsMode: body.HostConfig?.UsernsMode ?? '',
      CapAdd: body.HostConfig?.CapAdd ?? null,
      CapDrop: body.HostConfig?.CapDrop ?? null,
      Privileged: !!body.HostConfig?.Privileged,
      SecurityOpt: body.HostConfig?.SecurityOpt ?? null,
      RestartPolicy: checkRestartPolicy(body.HostConfig?.RestartPolicy),
      ReadonlyRootfs: !!body.HostConfig?.ReadonlyRootfs,
      Binds: body.HostConfig?.Binds ?? null,
      Tmpfs: body.HostConfig?.Tmpfs ?? undefined,
      VolumesFrom: body.HostConfig?.VolumesFrom ?? null,
      LogConfig: body.HostConfig?.LogConfig ? { Type: body.HostConfig.LogConfig.Type || 'json-file', Config: body.HostConfig.LogConfig.Config ?? {} } : null,
      PidMode: body.HostConfig?.PidMode ?? '',
      IpcMode: body.HostConfig?.IpcMode || 'private',
      UTSMode: body.HostConfig?.UTSMode ?? '',
      Init: body.HostConfig?.Init ?? null,
      ConsoleSize: consoleSize(body.HostConfig?.ConsoleSize, !!body.Tty),
      ExtraHosts: body.HostConfig?.ExtraHosts ?? null,
      Dns: body.HostConfig?.Dns ?? [],
      DnsSearch: body.HostConfig?.DnsSearch ?? [],
      DnsOptions: body.HostConfig?.DnsOptions ?? [],
      ...resourceConfig(body.HostConfig),
    },
    Networks: networkRequests(body),
    Endpoints: {},
    Ports: [],
    Userns: args.userns,
    State: { Status: 'created', Pid: 0, ShimPid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, OOMKilled: false },
    RestartCount: 0,
    ...(args.hold ? { Hold: true } : {}),
  };
}

/** Signal names/numbers accepted by kill and StopSignal ("SIGTERM", "TERM", "15"). */
const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

export function parseSignal(sig: string | undefined, fallback = 'SIGKILL'): number {
  const s = (sig || fallback).toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw invalidArgument(`invalid signal: ${sig}`);
    return n;
  }
  const n = SIGNALS[s.replace(/^SIG/, '')];
  if (n === undefined) throw invalidArgument(`invalid signal: ${sig}`);
  return n;
}

/** POST /containers/create. */
export async function createContainer(core: EngineCore, asked: CreateContainerBody, name?: string): Promise<{ Id: string; Warnings: string[] }> {
  validateCreate(asked);
  // run --pod (label minidock.pod): the body joins the pod's holder
  const pod = podJoin(core, asked);
  const body = pod?.body ?? asked;
  const bodyName = (body as { name?: unknown }).name;
  if (bodyName !== undefined && bodyName !== null && bodyName !== '' && bodyName !== name) {
    throw invalidArgument(`the body's name (${String(bodyName)}) differs from the name query parameter (${name ?? 'none'})`);
  }
  await checkSecurity(body.HostConfig ?? {});
  const warnings = await checkResources(core, resourceConfig(body.HostConfig));
  const { images, network, runtime } = core.services;
  const image = await images.get(body.Image);
  const mode = networkModeName(body.HostConfig?.NetworkMode);
  if (mode !== 'host' && mode !== 'none' && mode !== 'bridge' && containerOf(mode) === undefined) {
    const net = await network.get(mode);
    // what a CNI network cannot give is refused now, not at the start
    if (net.cni) {
      const req = networkRequests(body)[mode];
      checkCniRequest(net.name, { ip: req?.ip, aliases: req?.aliases, mac: body.MacAddress || undefined });
      checkCniPorts(net.name, net.cni.list, Object.values(body.HostConfig?.PortBindings ?? {}).some((b) => b?.length));
    }
  }
  // a joiner lives in its holder's user namespace (the holder must exist: No such container)
  const joiner = joinerUserns(core, body.HostConfig ?? {});
  const userns = joiner ? joiner.userns : mode === 'host' || body.HostConfig?.UsernsMode === 'host' ? null : await runtime.defaultUserns();
  // mounts are decided (and refused) before anything exists; volumes are made under the name lock
  const mounts = decideMounts(core, body, image);
  const id = newId();
  const rec = await core.nameLock.run(async () => {
    let finalName: string;
    if (name) {
      finalName = normaliseName(name);
      core.store.assertNameFree(finalName);
    } else {
      let retry = 0;
      do finalName = `/${randomName(retry++)}`; while (core.store.all().some((r) => r.Name === finalName));
    }
    const rec = newRecord({ id, name: finalName, body, image, userns, now: new Date().toISOString() });
    if (pod) rec.Pod = pod.podId;
    const dir = core.store.dir(id);
    const vols = await createVolumes(core, mounts);
    rec.Mounts = vols.mounts;
    try {
      // The runtime locks the dir down (owner, mode) and owns upper/work at start.
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      for (const sub of ['upper', 'work']) await fs.mkdir(path.join(dir, sub), { mode: 0o755 });
      await core.store.save(rec);
    } catch (err) {
      await core.store.delete(id);
      await removeCreated(core, vols.created);
      throw err;
    }
    return rec;
  });
  core.emit(rec, 'create');
  return { Id: id, Warnings: warnings };
}
