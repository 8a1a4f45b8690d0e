// HostConfig.PortBindings / PublishAllPorts → port mappings for the network service (pure).
import { invalidArgument } from '../errors.js';
import type { PortMapping } from './services.js';

export function parsePortKey(key: string): { port: number; proto: 'tcp' | 'udp' } {
  const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(key);
  if (!m) throw invalidArgument(`invalid port specification: "${key}"`);
  const port = Number(m[1]);
  if (port < 1 || port > 65535) throw invalidArgument(`invalid port specification: "${key}"`);
  return { port, proto: (m[2] ?? 'tcp') as 'tcp' | 'udp' };
}

export function portMappings(
  bindings: Record<string, { HostIp?: string; HostPort?: string }[] | null>,
  exposed: Record<string, object>,
  publishAll: boolean,
): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const { port, proto } = parsePortKey(key);
    for (const b of list ?? [{}]) {
      const hostPort = b.HostPort ? Number(b.HostPort) : 0;
      if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) throw invalidArgument(`invalid host port: ${b.HostPort}`);
      out.push({ hostIp: b.HostIp === '0.0.0.0' ? '' : (b.HostIp ?? ''), hostPort, containerPort: port, proto });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed)) {
      if (bindings[key]) continue;
      const { port, proto } = parsePortKey(key);
      out.push({ hostIp: '', hostPort: 0, containerPort: port, proto });
    }
  }
  return out;
}

/** Resolved mappings → docker's NetworkSettings.Ports map ("80/tcp": [{HostIp, HostPort}] or null). */
export function portsMap(exposed: Record<string, object>, resolved: PortMapping[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(exposed)) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const m of resolved) {
    const key = `${m.containerPort}/${m.proto}`;
    (out[key] ??= []).push({ HostIp: m.hostIp || '0.0.0.0', HostPort: String(m.hostPort) });
  }
  return out;
}
