// NetworkService: the network module's facade. It serialises every state change under one
// mutex and hands each call to the room that does that job:
//   store.ts      network records and the builtin networks
//   networks.ts   network lifecycle (bridge, firewall chains, DNS server)
//   endpoints.ts  a container's endpoints (connect / disconnect / release)
//   dns/servers.ts  DNS servers per network, their records, resolv.conf
//   held-ports.ts published host ports held by the engine
//   cni/*         CNI networks: configuration lists, the plugin protocol, attachments
// Drivers (drivers/*) own the `ip` work and the firewall (firewall.ts) the nft/iptables work.
import { TeardownError } from '../errors.js';
import { Paths, networksRoot, netnsRoot } from '../state/paths.js';
import { Mutex } from '../state/mutex.js';
import { Firewall } from './firewall.js';
import { DnsServers, hasDns } from './dns/servers.js';
import { bareEndpoint } from './drivers/driver.js';
import { Drivers } from './drivers/factory.js';
import { Endpoints } from './endpoints.js';
import { fwNet, fwPorts } from './views.js';
import { HeldPorts } from './held-ports.js';
import { Networks } from './networks.js';
import { hostOs, type HostOs } from './os.js';
import { NetworkStore } from './store.js';
import { PolicyEnforcer } from './policy/enforcer.js';
import { CniAttach } from './cni/attach.js';
import { DEFAULT_CNI_CONF_DIR, DEFAULT_CNI_PATH } from './cni/config.js';
import { NetnsPins } from './cni/netns.js';
import { CniPlugins } from './cni/plugins.js';
import type { PolicySource } from './policy/types.js';
import type { CreateNetworkOptions, Endpoint, EndpointRequest, NetworkRecord, NetworkServiceOptions, PortMapping } from './types.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class NetworkService {
  private readonly mutex = new Mutex();
  private readonly os: HostOs;
  private readonly store: NetworkStore;
  private readonly drivers: Drivers;
  private readonly fw: Firewall;
  private readonly dns: DnsServers;
  private readonly ports = new HeldPorts();
  private readonly networks: Networks;
  private readonly endpoints: Endpoints;
  private readonly policies: PolicyEnforcer;
  private readonly cni: CniAttach;

  constructor(readonly paths: Paths, private readonly opts: NetworkServiceOptions = {}) {
    this.os = opts.os ?? hostOs;
    this.store = new NetworkStore(networksRoot(paths));
    this.drivers = new Drivers(this.os);
    this.fw = new Firewall(opts.nftTable ?? 'minidock', Date.now, this.os.run);
    this.dns = new DnsServers({ port: opts.dnsPort ?? 53, upstreams: opts.dnsUpstreams, resolvConfPath: opts.resolvConfPath ?? '/etc/resolv.conf' });
    this.cni = new CniAttach(new CniPlugins(this.os.run, opts.cniPath ?? DEFAULT_CNI_PATH), new NetnsPins(this.os.run, netnsRoot(paths)));
    const deps = { store: this.store, drivers: this.drivers, fw: this.fw, dns: this.dns, ports: this.ports, os: this.os, cni: this.cni, cniConfDir: opts.cniConfDir ?? DEFAULT_CNI_CONF_DIR };
    this.networks = new Networks(deps);
    this.endpoints = new Endpoints(deps);
    this.policies = new PolicyEnforcer(opts.nftTable ?? 'minidock', this.os);
  }

  /**
   * Loads records, creates the builtin networks, drops the endpoints of containers that are
   * gone (`isAlive` defaults to "the endpoint's netns still exists"), brings bridges back,
   * rebuilds minidock's nft table from the records, re-holds published ports and starts the
   * DNS servers; CNI attachments that live are CHECKed. What does not stop the engine (a bridge that cannot come back, a port taken
   * meanwhile) is returned as warnings for the engine to log.
   */
  init(isAlive?: (containerId: string) => boolean): Promise<{ warnings: string[] }> {
    return this.mutex.run(async () => {
      await this.store.load();
      await this.store.ensureBuiltins({ defaultBridge: this.opts.defaultBridge ?? 'minidock0', defaultSubnet: this.opts.defaultSubnet, used: () => this.networks.usedRanges() });
      const alive = isAlive ?? ((id: string) => this.store.networksOf(id).some((n) => this.os.netnsExists(n.endpoints[id].pid)));
      const problems: unknown[] = [...(await this.endpoints.reap(alive)), ...(await this.networks.restore())];
      const bridges = this.store.bridges();
      await this.fw.rebuild(bridges.map(fwNet), bridges.flatMap((n) => Object.values(n.endpoints).flatMap(fwPorts)));
      for (const n of bridges) await this.fw.recheckNetwork(fwNet(n)).catch((err) => problems.push(err));
      await this.policies.refresh(this.store.all());
      for (const n of bridges.filter(hasDns)) await this.dns.start(n).catch((err) => problems.push(err));
      const cniNets = this.store.all().filter((n) => n.driver === 'cni');
      for (const n of cniNets) {
        for (const ep of Object.values(n.endpoints)) await this.cni.check(n, ep).catch((err) => problems.push(err));
      }
      for (const n of [...bridges, ...cniNets]) {
        for (const ep of Object.values(n.endpoints)) {
          if (ep.ports.length === 0 || this.ports.has(ep.containerId)) continue;
          // DNAT keeps working even if a host program took the port meanwhile, so this only warns.
          await this.ports.reserve(ep.containerId, ep.ports).catch((err) => problems.push(err));
        }
      }
      return { warnings: problems.map(message) };
    });
  }

  /** Stops DNS servers and closes held sockets; rules and bridges stay (containers outlive the engine). */
  close(): Promise<void> {
    return this.mutex.run(async () => {
      const errors = [...(await this.dns.stopAll()), ...(await this.ports.releaseAll())];
      if (errors.length) throw new TeardownError('close of the network service', errors);
    });
  }

  create(opts: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.mutex.run(async () => structuredClone(await this.networks.create(opts)));
  }

  async list(): Promise<NetworkRecord[]> {
    return this.store.all().map((n) => structuredClone(n));
  }

  /** By name, full id or unique id prefix. */
  async get(nameOrId: string): Promise<NetworkRecord> {
    return structuredClone(this.store.find(nameOrId));
  }

  /** NetworkInUse (403) while endpoints exist; builtins refused; exact teardown, TeardownError listing each failure. */
  remove(nameOrId: string): Promise<void> {
    return this.mutex.run(() => this.networks.remove(this.store.find(nameOrId)));
  }

  /**
   * Checks and holds the host ports of one container before it starts; port 0 gets an
   * ephemeral port. Returns the mappings with real host ports. Released by releaseContainer.
   */
  reservePorts(containerId: string, ports: PortMapping[]): Promise<PortMapping[]> {
    return this.mutex.run(() => this.ports.reserve(containerId, ports));
  }

  /** veth + address + routes + port forwards + DNS names of one container on one network. */
  connect(network: string, req: EndpointRequest): Promise<Endpoint> {
    return this.mutex.run(async () => {
      const ep = await this.endpoints.connect(this.store.find(network), req);
      await this.policies.refresh(this.store.all());
      return ep;
    });
  }

  /** `rename`: the container's endpoints and DNS name on every network it is on. */
  renameContainer(containerId: string, name: string): Promise<void> {
    return this.mutex.run(() => this.endpoints.rename(containerId, name));
  }

  /** Exact teardown, going on past failures (TeardownError listing each). */
  disconnect(network: string, containerId: string): Promise<void> {
    return this.mutex.run(() => this.withPolicies(() => this.endpoints.disconnect(this.store.find(network), containerId)));
  }

  /** Brings lo up in a new netns (`--network none` and every container netns). */
  async setupLoopback(pid: number): Promise<void> {
    await this.drivers.get('null').setupEndpoint({ name: 'none', internal: false }, bareEndpoint(pid));
  }

  /** Everything of one container on every network, and its held ports. Idempotent. */
  releaseContainer(containerId: string): Promise<void> {
    return this.mutex.run(() => this.withPolicies(() => this.endpoints.release(containerId)));
  }

  /**
   * The engine's policies and container labels; the policy table follows every endpoint
   * change from then on (policy/enforcer.ts).
   */
  setPolicySource(source: PolicySource): void {
    this.policies.setSource(source);
  }

  /** Re-renders the policy table now (a policy or a container's labels changed). */
  refreshPolicies(): Promise<void> {
    return this.mutex.run(() => this.policies.refresh(this.store.all()));
  }

  /** A teardown, then the policy table without what it removed; the failures of both are reported together. */
  private async withPolicies(teardown: () => Promise<void>): Promise<void> {
    const errors: unknown[] = [];
    try { await teardown(); } catch (err) { errors.push(err); }
    try { await this.policies.refresh(this.store.all()); } catch (err) { errors.push(err); }
    if (errors.length === 1) throw errors[0];
    if (errors.length) throw new TeardownError('network teardown and policy refresh', errors);
  }

  /** /etc/resolv.conf for a container whose first network is `networkName`. */
  resolvConf(networkName: string): string {
    return this.dns.resolvConf(this.store.find(networkName));
  }
}
