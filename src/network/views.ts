// How a network record looks to a driver and to the firewall (pure), and the errors of a
// teardown step flattened for the one TeardownError of the whole teardown.
import { TeardownError } from '../errors.js';
import { parseCidr } from './cidr.js';
import type { FwNetwork, FwPort } from './nft.js';
import type { DriverEndpoint, DriverNetwork } from './drivers/driver.js';
import type { EndpointRecord, NetworkRecord } from './types.js';

/** Errors of one step, flattened when the step already collected several. */
export const flatErrors = (err: unknown): unknown[] => (err instanceof TeardownError ? err.errors : [err]);

export function driverNet(net: NetworkRecord): DriverNetwork {
  return { name: net.name, bridge: net.bridge, subnet: net.subnet, gateway: net.gateway, internal: net.internal };
}

export function driverEp(net: NetworkRecord, ep: EndpointRecord): DriverEndpoint {
  return { pid: ep.pid, ifName: ep.ifName, hostVeth: ep.hostVeth, ip: ep.ip, prefixLen: net.subnet ? parseCidr(net.subnet).prefix : 0, gateway: net.gateway ?? '', mac: ep.mac, defaultRoute: 'never' };
}

export function fwNet(n: NetworkRecord): FwNetwork {
  return { key: n.id.slice(0, 12), name: n.name, bridge: n.bridge!, subnet: n.subnet!, internal: n.internal };
}

export function fwPorts(ep: EndpointRecord): FwPort[] {
  return ep.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, proto: p.proto, containerIp: ep.ip, containerPort: p.containerPort, owner: ep.containerId.slice(0, 12) }));
}
