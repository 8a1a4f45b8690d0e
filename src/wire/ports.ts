// Published ports: the one codec for docker's `-p` grammar, the Engine API's PortBindings /
// ExposedPorts / NetworkSettings.Ports shapes, and the internal PortMapping they meet in.
//   -p  [ip:[hostPort[-end]]:]containerPort[-end][/proto]     ip: IPv4, or [IPv6] in brackets
// Rules (docker's nat.ParsePortSpec): a container range needs a host range of the same length
// or none; a host range with a single container port means "the first free port of the range";
// HostPort "" or "0" means "any free port". Pure; minidock publishes IPv4 tcp/udp only, so an
// IPv6 host address and sctp are refused, naming the input.
import { isIPv4, isIPv6 } from 'node:net';
import { invalidArgument } from '../errors.js';
import type { PortBinding } from './api-types.js';

export type PortProto = 'tcp' | 'udp';

export interface PortMapping {
  hostIp: string; /* '' = all addresses */
  hostPort: number; /* 0 = pick from the ephemeral range */
  /** With `8000-8010:80`: the last acceptable host port; the first free one of the range is taken. */
  hostPortEnd?: number;
  containerPort: number;
  proto: PortProto;
}

/** The API's port-map key ("80/tcp"). */
export const portKey = (port: number, proto: PortProto): string => `${port}/${proto}`;

const suffix = (part: string, spec: string) => (part === spec ? '' : ` (in ${spec})`);

function parseProto(text: string, spec: string): PortProto {
  const p = text.toLowerCase();
  if (p === '') return 'tcp'; // docker: "80/" is 80/tcp
  if (p === 'tcp' || p === 'udp') return p;
  if (p === 'sctp') throw invalidArgument(`sctp is not supported (in ${spec}): minidock publishes tcp and udp ports only`);
  throw invalidArgument(`invalid proto: ${text}${suffix(text, spec)}`);
}

/** `start[-end]`, each 0..65535 (`min` raises the floor); null when it is not a port range. */
function parseRange(text: string, min: number): [number, number] | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < min || start > 65535 || end > 65535) return null;
  return [start, end];
}

function rangeOf(text: string, spec: string, what: 'host' | 'container'): [number, number] {
  const name = what === 'host' ? 'hostPort' : 'containerPort';
  // Host port 0 alone means "any port"; a range starting at 0 would mix both: refused.
  const r = parseRange(text, what === 'container' || text.includes('-') ? 1 : 0);
  if (!r) throw invalidArgument(`invalid ${name}: ${text}${suffix(text, spec)}`);
  if (r[1] < r[0]) throw invalidArgument(`invalid range specified for ${what} port: ${text} (in ${spec})`);
  return r;
}

/**
 * A host address of a binding: '' for all (also for 0.0.0.0), an IPv4 address as is. IPv6
 * is refused by name: minidock's networks are IPv4 only and it has no IPv6 port forwarding.
 */
export function parseHostIp(ip: string, spec: string): string {
  if (ip === '' || ip === '0.0.0.0') return '';
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) throw invalidArgument(`ipv6 host address ${ip} is not supported${suffix(ip, spec)}: minidock networks are ipv4 only`);
  throw invalidArgument(`invalid ip address: ${ip}${suffix(ip, spec)}`);
}

/** Splits `[ip:]host:container` (the proto already removed) into its three parts. */
function splitParts(rest: string, spec: string): { ip: string; host: string; container: string; hasHost: boolean } {
  const bad = () => invalidArgument(`invalid port format for --publish: ${spec}`);
  if (rest.startsWith('[')) {
    const m = /^\[([^\]]*)\]:([^:]*):([^:]*)$/.exec(rest);
    if (!m) throw bad();
    return { ip: m[1]!, host: m[2]!, container: m[3]!, hasHost: true };
  }
  const parts = rest.split(':');
  if (parts.length === 1) return { ip: '', host: '', container: parts[0]!, hasHost: false };
  if (parts.length === 2) return { ip: '', host: parts[0]!, container: parts[1]!, hasHost: true };
  if (parts.length === 3) return { ip: parts[0]!, host: parts[1]!, container: parts[2]!, hasHost: true };
  // docker reads `::1:8080:80` as an unbracketed IPv6 address; anything else is malformed.
  const ip = parts.slice(0, -2).join(':');
  if (!isIPv6(ip)) throw bad();
  return { ip, host: parts.at(-2)!, container: parts.at(-1)!, hasHost: true };
}

/** Parses one `-p` spec into one mapping per container port. */
export function parsePortSpec(spec: string): PortMapping[] {
  let rest = spec;
  let proto: PortProto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = parseProto(rest.slice(slash + 1), spec);
    rest = rest.slice(0, slash);
  }
  const { ip, host, container } = splitParts(rest, spec);
  if (container === '') throw invalidArgument(`no port specified: ${spec}<empty>`);
  const hostIp = parseHostIp(ip, spec);
  const [cStart, cEnd] = rangeOf(container, spec, 'container');
  const count = cEnd - cStart + 1;
  if (host === '') {
    return Array.from({ length: count }, (_, i) => ({ hostIp, hostPort: 0, containerPort: cStart + i, proto }));
  }
  const [hStart, hEnd] = rangeOf(host, spec, 'host');
  if (hEnd - hStart + 1 !== count) {
    if (count !== 1) throw invalidArgument(`invalid ranges specified for container and host ports: ${spec}`);
    return [{ hostIp, hostPort: hStart, hostPortEnd: hEnd, containerPort: cStart, proto }];
  }
  return Array.from({ length: count }, (_, i) => ({ hostIp, hostPort: hStart + i, containerPort: cStart + i, proto }));
}

/**
 * Parses every `-p` spec. The same fixed host port twice (same address or one of them on all
 * addresses, same proto) is refused here, before anything is bound.
 */
export function parsePortSpecs(specs: readonly string[]): PortMapping[] {
  const out: PortMapping[] = [];
  const seen: PortMapping[] = [];
  for (const spec of specs) {
    for (const m of parsePortSpec(spec)) {
      if (m.hostPort !== 0 && m.hostPortEnd === undefined) {
        const clash = seen.some((s) => s.hostPort === m.hostPort && s.proto === m.proto && (s.hostIp === m.hostIp || !s.hostIp || !m.hostIp));
        if (clash) throw invalidArgument(`duplicate host port ${m.hostIp || '0.0.0.0'}:${m.hostPort}/${m.proto} in ${spec}`);
        seen.push(m);
      }
      out.push(m);
    }
  }
  return out;
}

/** `--expose port[-end][/proto]` → port keys. */
export function parseExposeSpec(spec: string): string[] {
  const slash = spec.indexOf('/');
  const proto = slash < 0 ? 'tcp' : parseProto(spec.slice(slash + 1), spec);
  const ports = slash < 0 ? spec : spec.slice(0, slash);
  const r = parseRange(ports, 1);
  if (!r || r[1] < r[0]) throw invalidArgument(`invalid range format for --expose: ${spec}`);
  return Array.from({ length: r[1] - r[0] + 1 }, (_, i) => portKey(r[0] + i, proto));
}

/** An API port key ("80/tcp", "53/udp", "80" = tcp). */
export function parsePortKey(key: string): { port: number; proto: PortProto } {
  const slash = key.indexOf('/');
  const portText = slash < 0 ? key : key.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : parseProto(key.slice(slash + 1), key);
  const r = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(r >= 1 && r <= 65535)) throw invalidArgument(`invalid port specification: "${key}"`);
  return { port: r, proto };
}

/** One API PortBinding of a container port → a mapping; HostPort may be a range ("18100-18110"). */
export function bindingToMapping(key: string, b: PortBinding): PortMapping {
  const { port, proto } = parsePortKey(key);
  const hostIp = parseHostIp(b.HostIp ?? '', `PortBindings[${JSON.stringify(key)}]`);
  const hostText = b.HostPort ?? '';
  if (hostText === '') return { hostIp, hostPort: 0, containerPort: port, proto };
  const r = parseRange(hostText, hostText.includes('-') ? 1 : 0);
  if (!r || r[1] < r[0]) throw invalidArgument(`invalid port specification: "${hostText}"`);
  return r[0] === r[1]
    ? { hostIp, hostPort: r[0], containerPort: port, proto }
    : { hostIp, hostPort: r[0], hostPortEnd: r[1], containerPort: port, proto };
}

/** HostConfig.PortBindings → mappings, in key order; a null binding list publishes on any port, [] on none. */
export function bindingsToMappings(bindings: Record<string, PortBinding[] | null | undefined>): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    parsePortKey(key);
    for (const b of list ?? [{}]) out.push(bindingToMapping(key, b));
  }
  return out;
}

/** The HostPort text of a mapping: "", "8080" or a range "18100-18110". */
export function hostPortText(m: PortMapping): string {
  if (m.hostPort === 0) return '';
  return m.hostPortEnd !== undefined && m.hostPortEnd !== m.hostPort ? `${m.hostPort}-${m.hostPortEnd}` : String(m.hostPort);
}

/** Mappings → HostConfig.PortBindings (what `-p` sends; a host range is kept as a range). */
export function mappingsToBindings(mappings: readonly PortMapping[]): Record<string, PortBinding[]> {
  const out: Record<string, PortBinding[]> = {};
  for (const m of mappings) (out[portKey(m.containerPort, m.proto)] ??= []).push({ HostIp: m.hostIp, HostPort: hostPortText(m) });
  return out;
}
