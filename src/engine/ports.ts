// HostConfig.PortBindings / PublishAllPorts → port mappings for the network service, and the
// resolved mappings → NetworkSettings.Ports. The wire codec (src/wire/ports.ts) does the parsing.
import { bindingsToMappings, parsePortKey, portKey, type PortMapping } from '../wire/ports.js';
import type { PortBinding } from '../wire/api-types.js';

/** Mappings to reserve at start: every binding (a HostPort range stays a range), plus with -P every exposed port not bound. */
export function portMappings(
  bindings: Record<string, PortBinding[] | null>,
  exposed: Record<string, object>,
  publishAll: boolean,
): PortMapping[] {
  const out = bindingsToMappings(bindings);
  if (publishAll) {
    for (const key of Object.keys(exposed)) {
      if (bindings[key]) continue;
      const { port, proto } = parsePortKey(key);
      out.push({ hostIp: '', hostPort: 0, containerPort: port, proto });
    }
  }
  return out;
}

/** Resolved mappings → docker's NetworkSettings.Ports map ("80/tcp": [{HostIp, HostPort}] or null): the chosen host ports. */
export function portsMap(exposed: Record<string, object>, resolved: PortMapping[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(exposed)) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const m of resolved) (out[portKey(m.containerPort, m.proto)] ??= []).push({ HostIp: m.hostIp || '0.0.0.0', HostPort: String(m.hostPort) });
  return out;
}
