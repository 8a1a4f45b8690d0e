// `-p` parsing with Docker's accepted forms and error texts. Pure.
import { invalidArgument } from '../errors.js';
import { isIp } from './cidr.js';

export interface PortMapping {
  hostIp: string; /* '' = all addresses */
  hostPort: number; /* 0 = pick from the ephemeral range */
  /** With `8000-8010:80`: the last acceptable host port; the first free one of the range is taken. */
  hostPortEnd?: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

function parseRange(text: string, spec: string, what: 'host' | 'container'): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw invalidArgument(what === 'container' ? `invalid containerPort: ${text}` : `invalid hostPort: ${text}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  const min = what === 'container' ? 1 : 0;
  if (start < min || start > 65535 || end > 65535) throw invalidArgument(`invalid ${what === 'container' ? 'containerPort' : 'hostPort'}: ${text}`);
  if (end < start) throw invalidArgument(`invalid range specified for ${what === 'container' ? 'container' : 'host'} port: ${text} (in ${spec})`);
  return [start, end];
}

/** Parses one `[[hostIp:]hostPort:]containerPort[/proto]` spec into one mapping per port. */
export function parsePortSpec(spec: string): PortMapping[] {
  let rest = spec;
  let proto: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw invalidArgument(`invalid proto: ${rest.slice(slash + 1)}`);
    proto = p;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  let hostPart = '';
  let containerPart: string;
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracket) {
    hostIp = bracket[1];
    const parts = bracket[2].split(':');
    if (parts.length !== 2) throw invalidArgument(`invalid port format for --publish: ${spec}`);
    [hostPart, containerPart] = parts;
  } else {
    const parts = rest.split(':');
    if (parts.length === 1) containerPart = parts[0];
    else if (parts.length === 2) [hostPart, containerPart] = parts;
    else if (parts.length === 3) [hostIp, hostPart, containerPart] = parts;
    else throw invalidArgument(`invalid port format for --publish: ${spec}`);
  }
  if (hostIp === '0.0.0.0') hostIp = '';
  if (hostIp && !isIp(hostIp)) throw invalidArgument(`invalid ip address: ${hostIp}`);
  if (containerPart === '') throw invalidArgument(`no port specified: ${spec}<empty>`);
  const [cStart, cEnd] = parseRange(containerPart, spec, 'container');
  let hStart = 0;
  let hEnd = 0;
  if (hostPart !== '') [hStart, hEnd] = parseRange(hostPart, spec, 'host');
  const count = cEnd - cStart + 1;
  if (hostPart !== '' && hEnd - hStart + 1 !== count) {
    // Like Docker, `8000-8010:80` publishes one container port on the first free port of the range.
    if (count === 1) return [{ hostIp, hostPort: hStart, hostPortEnd: hEnd, containerPort: cStart, proto }];
    throw invalidArgument(`invalid ranges specified for container and host ports: ${spec}`);
  }
  const out: PortMapping[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ hostIp, hostPort: hostPart === '' ? 0 : hStart + i, containerPort: cStart + i, proto });
  }
  return out;
}

/** Parses every spec; a duplicate (same host ip/port/proto) is refused like Docker's allocator would. */
export function parsePortSpecs(specs: string[]): PortMapping[] {
  const out: PortMapping[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    for (const m of parsePortSpec(spec)) {
      if (m.hostPort !== 0) {
        const key = `${m.hostIp}|${m.hostPort}|${m.proto}`;
        const anyKey = `|${m.hostPort}|${m.proto}`;
        if (seen.has(key) || seen.has(anyKey) || (m.hostIp === '' && [...seen].some((k) => k.endsWith(`|${m.hostPort}|${m.proto}`)))) {
          throw invalidArgument(`duplicate host port ${m.hostIp || '0.0.0.0'}:${m.hostPort}/${m.proto} in ${spec}`);
        }
        seen.add(key);
      }
      out.push(m);
    }
  }
  return out;
}
