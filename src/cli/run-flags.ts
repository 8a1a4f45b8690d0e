// Pure mapping of `run`/`create` flags to the Docker create body. No I/O: the env-file
// contents and the CLI's environment are passed in, so it is table-testable.
import { invalidArgument } from '../errors.js';
import type { CreateContainerBody, PortBinding } from '../api/types.js';

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
  expose?: string[];
}

function parsePortRange(s: string, what: string, input: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw invalidArgument(`invalid ${what} port ${s} in "${input}"`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) throw invalidArgument(`invalid ${what} port range ${s} in "${input}"`);
  return [a, b];
}

/** `-p` syntax: [ip:][hostPort[-end]:]containerPort[-end][/proto]; returns port key → bindings. */
export function parsePublish(spec: string): Record<string, PortBinding[]> {
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`invalid proto ${proto} in "${spec}"`);
  }
  let hostIp = '';
  let hostPart = '';
  let containerPart: string;
  // An IPv6 host ip would come in brackets; only IPv4 is supported by minidock's networks.
  const parts = rest.split(':');
  if (parts.length === 1) containerPart = parts[0]!;
  else if (parts.length === 2) [hostPart, containerPart] = parts as [string, string];
  else if (parts.length === 3) [hostIp, hostPart, containerPart] = parts as [string, string, string];
  else throw invalidArgument(`invalid port spec "${spec}"`);
  if (hostIp && !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw invalidArgument(`invalid ip address ${hostIp} in "${spec}"`);
  const [cStart, cEnd] = parsePortRange(containerPart, 'container', spec);
  let hStart = 0;
  let hEnd = 0;
  if (hostPart) {
    [hStart, hEnd] = parsePortRange(hostPart, 'host', spec);
    if (hEnd - hStart !== cEnd - cStart) throw invalidArgument(`invalid port spec "${spec}": host and container port ranges differ in size`);
  }
  const out: Record<string, PortBinding[]> = {};
  for (let i = 0; i <= cEnd - cStart; i++) {
    out[`${cStart + i}/${proto}`] = [{ HostIp: hostIp, HostPort: hostPart ? String(hStart + i) : '' }];
  }
  return out;
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

/** Lines of an env file: comments and blank lines skipped, KEY alone taken from the env. */
export function envFileEntries(contents: string): string[] {
  return contents.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

export function buildCreateBody(image: string, command: string[], f: RunFlags, env: NodeJS.ProcessEnv): CreateContainerBody {
  if (!image) throw invalidArgument('"run" requires at least 1 argument');
  const envList = resolveEnv([...(f.envFileContents ?? []).flatMap(envFileEntries), ...(f.env ?? [])], env);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const p of f.publish ?? []) {
    for (const [key, b] of Object.entries(parsePublish(p))) {
      exposed[key] = {};
      bindings[key] = [...(bindings[key] ?? []), ...b];
    }
  }
  for (const e of f.expose ?? []) {
    const [port, proto = 'tcp'] = e.split('/');
    const [a, b] = parsePortRange(port!, 'exposed', e);
    for (let i = a; i <= b; i++) exposed[`${i}/${proto}`] = {};
  }
  const labels: Record<string, string> = {};
  for (const l of f.label ?? []) {
    const i = l.indexOf('=');
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
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
  const attach = !f.detach;
  const body: CreateContainerBody = {
    Image: image,
    Cmd: command.length ? command : null,
    Entrypoint: f.entrypoint === undefined ? null : f.entrypoint === '' ? [] : [f.entrypoint],
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
    HostConfig: {
      NetworkMode: network,
      PortBindings: bindings,
      PublishAllPorts: !!f.publishAll,
      AutoRemove: !!f.rm,
      UsernsMode: f.userns ?? '',
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
