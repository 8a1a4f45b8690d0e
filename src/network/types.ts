// The network module's types, defined once here and imported everywhere else.
import type { PortMapping } from '../wire/ports.js';
import type { VethPlumber } from '../wire/veth.js';
import type { Upstream } from './dns/server.js';
import type { HostOs } from './os.js';
import type { CniConfList } from './cni/config.js';
import type { CniResult } from './cni/plugins.js';

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
  /** CNI networks: the ADD result (DEL and CHECK get it back, across engine restarts) and the netns it went into. */
  cni?: CniAttachment;
}

export interface CniAttachment {
  /** Absent while ADD runs (the record is saved before it, so a crash mid-ADD still gets its DEL). */
  result?: CniResult;
  /** The bind mount pinning the container's netns while the attachment lives (CNI_NETNS of every command). */
  netns: string;
  /** From the result: the address's prefix and gateway (a CNI network has no subnet of minidock's). */
  prefixLen: number;
  gateway: string;
}

/** A CNI network's configuration: the list as it was at `network create` (copied, so later edits of the file do not move it). */
export interface CniNetwork {
  /** `--opt config=`: a file path or the name of a list in the configuration directory. */
  source: string;
  list: CniConfList;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null' | 'cni';
  bridge?: string;
  subnet?: string;
  gateway?: string;
  internal: boolean;
  builtin: boolean;
  created: string;
  labels: Record<string, string>;
  /** containerId -> endpoint; the IPAM allocations are these endpoints' addresses (a CNI network's are its plugins'). */
  endpoints: Record<string, EndpointRecord>;
  /** driver 'cni' only. */
  cni?: CniNetwork;
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
  /** --ip-range: no driver allocates from a sub-range; refused by name. */
  ipRange?: string;
  /** --ipv6: networks are IPv4 only; refused by name when true. */
  ipv6?: boolean;
  labels?: Record<string, string>;
  /** --opt k=v (the API's Options): the cni driver's `config`; the bridge driver takes none. */
  options?: Record<string, string>;
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
  /** Where `--opt config=NAME` finds CNI configuration lists; default /etc/cni/net.d. */
  cniConfDir?: string;
  /** CNI plugin directories (CNI_PATH); default /usr/lib/cni and /opt/cni/bin. */
  cniPath?: string[];
  /** The OS boundary (commands, sysfs, sysctls); default the real host. Unit tests pass a recording fake. */
  os?: HostOs;
}
