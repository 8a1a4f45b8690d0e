// The network module's types, defined once here and imported everywhere else.
import type { PortMapping } from '../wire/ports.js';
import type { VethPlumber } from '../wire/veth.js';
import type { Upstream } from './dns/server.js';
import type { HostOs } from './os.js';

export type { PortMapping } from '../wire/ports.js';

export interface EndpointRecord {
  containerId: string;
  containerName: string;
  pid: number;
  ifName: string;
  hostVeth: string;
  ip: string;
  mac: string;
  aliases: string[];
  ports: PortMapping[];
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  bridge?: string;
  subnet?: string;
  gateway?: string;
  internal: boolean;
  builtin: boolean;
  created: string;
  labels: Record<string, string>;
  /** containerId -> endpoint; the IPAM allocations are these endpoints' addresses. */
  endpoints: Record<string, EndpointRecord>;
}

export interface EndpointRequest {
  containerId: string;
  containerName: string;
  pid: number; /* netns = /proc/pid/ns/net */
  ifName: string; /* eth0, eth1 */
  ip?: string;
  /** --mac-address (unicast, lower-case); default 02:42 + the address */
  mac?: string;
  aliases: string[];
  /** Host ports as returned by reservePorts; published on this endpoint (pass them for one network only). */
  ports: PortMapping[];
  /** Makes the veth without spawning `ip` (the container's shim at its start); see wire/veth.ts. */
  plumber?: VethPlumber;
}

export interface Endpoint {
  networkId: string;
  networkName: string;
  ifName: string;
  hostVeth: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  aliases: string[];
  ports: PortMapping[];
}

export interface CreateNetworkOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  labels?: Record<string, string>;
}

export interface NetworkServiceOptions {
  /** Interface of the builtin `bridge` network (tests use their own). */
  defaultBridge?: string;
  /** Subnet of the builtin `bridge` network; picked from the pool when absent. */
  defaultSubnet?: string;
  /** minidock's nftables table (`table ip <name>`). */
  nftTable?: string;
  /** Embedded DNS port on each user network's gateway. */
  dnsPort?: number;
  /** Resolvers the embedded DNS forwards to; default: the host's /etc/resolv.conf. */
  dnsUpstreams?: Upstream[];
  resolvConfPath?: string;
  /** The OS boundary (commands, sysfs, sysctls); default the real host. Unit tests pass a recording fake. */
  os?: HostOs;
}
