// Create-body validation and the initial record (pure apart from the image/network lookups
// the caller has already done).
import { invalidArgument } from '../errors.js';
import type { CreateContainerBody } from '../wire/api-types.js';
import type { ContainerRecord, NetworkRequest } from './record.js';
import { ZERO_TIME } from './record.js';
import type { ImageRecord, UsernsMap } from './services.js';
import { bindingsToMappings, parsePortKey } from '../wire/ports.js';

/** "default"/"" → bridge; host and none stay; anything else is a user network name. */
export function networkModeName(mode: string | undefined): string {
  return !mode || mode === 'default' ? 'bridge' : mode;
}

/** Entrypoint/Cmd precedence like docker: a given Entrypoint drops the image's Cmd. */
export function resolveCommand(body: Pick<CreateContainerBody, 'Entrypoint' | 'Cmd'>, image: ImageRecord['config']): string[] {
  const entrypoint = body.Entrypoint ?? image.Entrypoint ?? [];
  const cmd = body.Cmd ?? (body.Entrypoint ? [] : image.Cmd ?? []);
  return [...entrypoint.filter((e, i) => !(i === 0 && e === '' && entrypoint.length === 1)), ...cmd];
}

export function validateCreate(body: CreateContainerBody): void {
  if (!body || typeof body !== 'object') throw invalidArgument('request body must be a json object');
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
}

export function networkRequests(body: CreateContainerBody): Record<string, NetworkRequest> {
  const mode = networkModeName(body.HostConfig?.NetworkMode);
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
  id: string; name: string; body: CreateContainerBody; image: ImageRecord; userns: UsernsMap | null; now: string;
}): ContainerRecord {
  const { id, name, body, image } = args;
  const command = resolveCommand(body, image.config);
  if (command.length === 0) throw invalidArgument('no command specified');
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
    Path: command[0]!,
    Args: command.slice(1),
    Image: image.id,
    ImageRef: body.Image,
    Config: {
      ...body,
      Hostname: body.Hostname || (mode === 'host' ? '' : id.slice(0, 12)),
      Env: body.Env ?? [],
      Cmd: body.Cmd ?? (body.Entrypoint ? null : image.config.Cmd ?? null),
      Entrypoint: body.Entrypoint ?? image.config.Entrypoint ?? null,
      WorkingDir: body.WorkingDir || image.config.WorkingDir || '',
      User: body.User || image.config.User || '',
      ExposedPorts: exposed,
      Labels: { ...(image.config.Labels ?? {}), ...(body.Labels ?? {}) },
      StopSignal: body.StopSignal || image.config.StopSignal || 'SIGTERM',
    },
    HostConfig: {
      NetworkMode: body.HostConfig?.NetworkMode || 'default',
      PortBindings: bindings,
      PublishAllPorts: !!body.HostConfig?.PublishAllPorts,
      AutoRemove: !!body.HostConfig?.AutoRemove,
      UsernsMode: body.HostConfig?.UsernsMode ?? '',
    },
    Networks: networkRequests(body),
    Endpoints: {},
    Ports: [],
    Userns: args.userns,
    State: { Status: 'created', Pid: 0, ShimPid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, OOMKilled: false },
    RestartCount: 0,
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
