// DNS lifecycle: one embedded server per user-defined bridge network (started with the
// network or at engine start, stopped with it), the records of its endpoints, and the
// /etc/resolv.conf a container gets. A client is answered from every network it is on, so a
// container connected to a second network while running resolves its new peers through the
// server its resolv.conf already names, and stops resolving them when disconnected.
import fs from 'node:fs';
import type { EndpointRecord, NetworkRecord } from '../types.js';
import { defaultBridgeResolvConf, parseResolvConf, upstreamsOf, userNetworkResolvConf } from '../resolvconf.js';
import { DnsServer, type Upstream } from './server.js';

/** Needs its own server: user-defined bridge networks (the default bridge has no embedded DNS, as in Docker). */
export const hasDns = (net: NetworkRecord) => net.driver === 'bridge' && !net.builtin;

/** The names of one endpoint: container name, aliases and short id. */
export const namesOf = (ep: EndpointRecord) => [...new Set([ep.containerName, ...ep.aliases, ep.containerId.slice(0, 12)])];

export class DnsServers {
  /** network id -> its server, in start order. */
  private readonly servers = new Map<string, DnsServer>();

  constructor(private readonly o: { port: number; upstreams?: Upstream[]; resolvConfPath: string }) {}

  /** Starts the network's server (no-op when running or not needed) with the records of its endpoints. */
  async start(net: NetworkRecord): Promise<void> {
    if (this.servers.has(net.id) || !hasDns(net)) return;
    const upstreams = this.o.upstreams ?? upstreamsOf(parseResolvConf(this.hostResolv()));
    const server: DnsServer = new DnsServer({ address: net.gateway!, port: this.o.port, networkName: net.name, upstreams, scope: (ip) => this.scope(server, ip) });
    await server.start();
    for (const ep of Object.values(net.endpoints)) server.setRecord(ep.containerId, namesOf(ep), ep.ip);
    this.servers.set(net.id, server);
  }

  async stop(netId: string): Promise<unknown[]> {
    const server = this.servers.get(netId);
    this.servers.delete(netId);
    try {
      await server?.stop();
      return [];
    } catch (err) {
      return [err];
    }
  }

  async stopAll(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const id of [...this.servers.keys()]) errors.push(...(await this.stop(id)));
    return errors;
  }

  /**
   * Publishes an endpoint's names on its network. Throws when the network needs a server
   * and has none running (it failed to start): the name would silently not resolve.
   */
  add(net: NetworkRecord, ep: EndpointRecord): void {
    if (!hasDns(net)) return;
    const server = this.servers.get(net.id);
    if (!server) throw new Error(`dns server of network ${net.name} is not running: ${ep.containerName} would not be resolvable`);
    server.setRecord(ep.containerId, namesOf(ep), ep.ip);
  }

  remove(net: NetworkRecord, containerId: string): void {
    this.servers.get(net.id)?.deleteRecord(containerId);
  }

  /** Contents of /etc/resolv.conf for a container whose first network is `net`. */
  resolvConf(net: NetworkRecord): string {
    const text = this.hostResolv();
    if (net.driver === 'host') return text;
    const host = parseResolvConf(text);
    return hasDns(net) ? userNetworkResolvConf(net.gateway!, host) : defaultBridgeResolvConf(host);
  }

  /** The servers a client of `own` may resolve from: own first, then the other networks of the same container. */
  private scope(own: DnsServer, clientIp: string): DnsServer[] {
    const owner = own.ownerOf(clientIp);
    if (owner === undefined) return [];
    return [own, ...[...this.servers.values()].filter((s) => s !== own && s.has(owner))];
  }

  private hostResolv(): string {
    try {
      return fs.readFileSync(this.o.resolvConfPath, 'utf8');
    } catch (err) {
      // No host resolv.conf (a minimal host): Docker's fallback resolvers are used.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }
}
