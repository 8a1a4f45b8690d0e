// Reading a CNI ADD result (spec 1.0 "Success"; 0.3.x/0.4.0 results have the same shape plus
// `ips[].version`): the container's IPv4 address on the interface the runtime asked for, its
// prefix, gateway and MAC, as minidock's Endpoint shows them. And minidock's published ports
// as the `portMappings` capability argument (the CNI conventions document). Pure.
import { isIPv4 } from 'node:net';
import { CniError } from '../../errors.js';
import type { PortMapping } from '../types.js';
import type { CniResult } from './plugins.js';

export interface CniAddress { ip: string; prefixLen: number; gateway: string; mac: string }

/**
 * The first IPv4 address of the result that belongs to `ifName` in the container (an address
 * whose `interface` index is absent counts as the container's). A result without one is an
 * error naming the network: a container must have an address to be shown and reached.
 */
export function addressOf(result: CniResult, ifName: string, network: string): CniAddress {
  const ifaces = result.interfaces ?? [];
  for (const a of result.ips ?? []) {
    const [ip, prefix] = String(a.address ?? '').split('/');
    if (!ip || !isIPv4(ip) || prefix === undefined || !/^\d+$/.test(prefix) || Number(prefix) > 32) continue;
    const iface = a.interface === undefined ? undefined : ifaces[a.interface];
    if (iface && (iface.name !== ifName || !iface.sandbox)) continue;
    return { ip, prefixLen: Number(prefix), gateway: a.gateway && isIPv4(a.gateway) ? a.gateway : '', mac: iface?.mac?.toLowerCase() ?? '' };
  }
  throw new CniError('(list)', 'ADD', network, 999, `the result gives ${ifName} no IPv4 address: ${JSON.stringify(result.ips ?? [])}`);
}

/** `runtimeConfig.portMappings` entries (hostIP only when the port is bound to one address). */
export function portMappingsOf(ports: PortMapping[]): { hostPort: number; containerPort: number; protocol: string; hostIP?: string }[] {
  return ports.map((p) => ({
    hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.proto,
    ...(p.hostIp && p.hostIp !== '0.0.0.0' ? { hostIP: p.hostIp } : {}),
  }));
}
