// NetworkService: networks (records, bridges, firewall, DNS), endpoints of containers and
// their published ports. All state changes run under one mutex; records are written
// atomically, and the IPAM view is derived from the endpoints stored in each record.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MinidockError, NetworkNotFound, TeardownError, conflict, invalidArgument } from '../errors.js';
import { Paths, networksRoot } from '../state/paths.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { Mutex } from '../state/mutex.js';
import { run } from '../util/exec.js';
import { parseCidr } from './cidr.js';
import { allocateIp, defaultGateway, macForIp, validateGateway } from './ipam.js';
import { UsedRange, checkSubnet, pickSubnet, usedFromHost } from './pool.js';
import type { PortMapping } from '../wire/ports.js';
import { holdPorts, type HeldPort } from './port-holder.js';
import { Firewall } from './firewall.js';
import type { FwNetwork, FwPort } from './nft.js';
import { driverFor } from './drivers/driver.js';
import { linkExists } from './drivers/bridge.js';
import { loopbackUp } from './drivers/commands.js';
import { DnsServer, type Upstream } from './dns/server.js';
import { defaultBridgeResolvConf, parseResolvConf, upstreamsOf, userNetworkResolvConf } from './resolvconf.js';


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
  aliases: string[];
  /** Host ports as returned by reservePorts; published on this endpoint (pass them for one network only). */
  ports: PortMapping[];
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
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const BUILTIN = { bridge: 'bridge', host: 'host', none: 'none' } as const;

const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

export class NetworkService {
  private readonly mutex = new Mutex();
  private readonly dir: string;
  private readonly fw: Firewall;
  private readonly defaultBridge: string;
  private readonly dnsPort: number;
  private readonly resolvConfPath: string;
  private nets = new Map<string, NetworkRecord>();
  private dns = new Map<string, DnsServer>();
  /** containerId -> host sockets holding its published ports. */
  private held = new Map<string, HeldPort[]>();
  /** Bridges set up (address, MAC, up, sysctls) by this process. */
  private readonly readyBridges = new Set<string>();
  /** What the last init could not restore (for the engine to log); empty when all went well. */
  initWarnings: string[] = [];

  constructor(readonly paths: Paths, private readonly opts: NetworkServiceOptions = {}) {
    this.dir = networksRoot(paths);
    this.fw = new Firewall(opts.nftTable ?? 'minidock');
    this.defaultBridge = opts.defaultBridge ?? 'minidock0';
    this.dnsPort = opts.dnsPort ?? 53;
    this.resolvConfPath = opts.resolvConfPath ?? '/etc/resolv.conf';
  }

  /**
   * Loads records, creates the builtin networks, brings bridges back, drops the endpoints
   * of containers that are gone (addresses, rules, DNS records), rebuilds minidock's nft
   * table from what remains, re-holds published ports and starts the DNS servers.
   * `isAlive` defaults to "the endpoint's pid still exists". Problems that do not stop the
   * engine (a bridge that cannot come back, a port taken meanwhile) are returned as warnings
   * (and kept in `initWarnings`) for the engine to log.
   */
  init(isAlive?: (containerId: string) => boolean): Promise<{ warnings: string[] }> {
    return this.mutex.run(async () => {
      await fsp.mkdir(this.dir, { recursive: true });
      this.nets.clear();
      for (const f of await fsp.readdir(this.dir)) {
        if (!f.endsWith('.json') || f.startsWith('.')) continue;
        const rec = await readJson<NetworkRecord>(path.join(this.dir, f));
        if (rec) this.nets.set(rec.id, { ...rec, endpoints: rec.endpoints ?? {} });
      }
      if (!this.byName(BUILTIN.bridge)) {
        const used = await this.usedRanges();
        if (this.opts.defaultSubnet) checkSubnet(this.opts.defaultSubnet, used);
        const subnet = this.opts.defaultSubnet ?? pickSubnet(used, { defaultBridge: true });
        await this.save(this.newRecord({ name: BUILTIN.bridge, driver: 'bridge', bridge: this.defaultBridge, subnet, gateway: defaultGateway(subnet), internal: false, builtin: true }));
      }
      if (!this.byName(BUILTIN.host)) await this.save(this.newRecord({ name: BUILTIN.host, driver: 'host', internal: false, builtin: true }));
      if (!this.byName(BUILTIN.none)) await this.save(this.newRecord({ name: BUILTIN.none, driver: 'null', internal: false, builtin: true }));

      const alive = isAlive ?? ((id: string) => this.endpointPidAlive(id));
      const warnings: string[] = [];
      const note = (err: unknown) => warnings.push(err instanceof Error ? err.message : String(err));
      for (const net of this.nets.values()) {
        let changed = false;
        for (const ep of Object.values(net.endpoints)) {
          if (alive(ep.containerId)) continue;
          (await driverFor(net.driver).teardownEndpoint(this.driverNet(net), this.driverEp(net, ep))).forEach(note);
          delete net.endpoints[ep.containerId];
          changed = true;
        }
        if (changed) await this.save(net);
        if (net.driver === 'bridge') await this.ensureBridge(net).catch(note);
      }
      const bridges = this.bridgeNets();
      await this.fw.rebuild(bridges.map(fwNet), bridges.flatMap((n) => Object.values(n.endpoints).flatMap((ep) => fwPorts(ep))));
      for (const n of bridges) await this.fw.recheckNetwork(fwNet(n)).catch(note);
      for (const n of bridges) {
        if (!n.builtin) await this.startDns(n).catch(note);
        for (const ep of Object.values(n.endpoints)) {
          if (ep.ports.length === 0 || this.held.has(ep.containerId)) continue;
          // DNAT keeps working even if a host program took the port meanwhile, so this only warns.
          try { this.held.set(ep.containerId, await holdPorts(ep.ports)); } catch (err) { note(err); }
        }
      }
      this.initWarnings = warnings;
      return { warnings };
    });
  }

  /** Stops DNS servers and closes held sockets; rules and bridges stay (containers outlive the engine). */
  async close(): Promise<void> {
    for (const d of this.dns.values()) await d.stop();
    this.dns.clear();
    for (const h of this.held.values()) await Promise.allSettled(h.map((x) => x.close()));
    this.held.clear();
  }

  create(opts: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.mutex.run(async () => {
      if (!NAME_RE.test(opts.name)) throw invalidArgument(`invalid network name: ${opts.name}`);
      if (this.byName(opts.name)) throw conflict(`network with name ${opts.name} already exists`);
      const driverName = opts.driver ?? 'bridge';
      if (driverName !== 'bridge') throw invalidArgument(`only one instance of "${driverName}" network is allowed`);
      const driver = driverFor(driverName);
      driver.validate(opts);
      const used = await this.usedRanges();
      const subnet = opts.subnet ? (checkSubnet(opts.subnet, used), opts.subnet) : pickSubnet(used);
      const gateway = opts.gateway ? validateGateway(subnet, opts.gateway) : defaultGateway(subnet);
      const id = hex(64);
      const rec = this.newRecord({ id, name: opts.name, driver: 'bridge', bridge: `md-${id.slice(0, 12)}`, subnet, gateway, internal: opts.internal ?? false, builtin: false, labels: opts.labels });
      await this.save(rec);
      try {
        await this.ensureBridge(rec);
        await this.fw.addNetwork(fwNet(rec));
        await this.startDns(rec);
      } catch (err) {
        await this.destroyNetwork(rec).catch(() => undefined);
        throw err;
      }
      return structuredClone(rec);
    });
  }

  async list(): Promise<NetworkRecord[]> {
    return [...this.nets.values()].map((n) => structuredClone(n));
  }

  async get(nameOrId: string): Promise<NetworkRecord> {
    return structuredClone(this.find(nameOrId));
  }

  remove(nameOrId: string): Promise<void> {
    return this.mutex.run(async () => {
      const net = this.find(nameOrId);
      if (net.builtin) throw new MinidockError('Conflict', `${net.name} is a pre-defined network and cannot be removed`, { status: 403 });
      const active = Object.values(net.endpoints);
      if (active.length) {
        throw new MinidockError('NetworkInUse', `error while removing network: network ${net.name} id ${net.id} has active endpoints (${active.map((e) => e.containerName).join(', ')})`, { status: 409 });
      }
      await this.destroyNetwork(net);
    });
  }

  /**
   * Checks and holds the host ports of one container before it starts; port 0 gets an
   * ephemeral port. Returns the mappings with real host ports. Released by releaseContainer.
   */
  reservePorts(containerId: string, ports: PortMapping[]): Promise<PortMapping[]> {
    return this.mutex.run(async () => {
      if (ports.length === 0) return [];
      const held = await holdPorts(ports);
      this.held.set(containerId, [...(this.held.get(containerId) ?? []), ...held]);
      return held.map((h) => ({ ...h.mapping }));
    });
  }

  connect(network: string, req: EndpointRequest): Promise<Endpoint> {
    return this.mutex.run(async () => {
      const net = this.find(network);
      if (net.endpoints[req.containerId]) throw conflict(`endpoint with name ${req.containerName} already exists in network ${net.name}`);
      const driver = driverFor(net.driver);
      if (net.driver !== 'bridge') {
        await driver.setupEndpoint(this.driverNet(net), { pid: req.pid, ifName: req.ifName, hostVeth: '', ip: '', prefixLen: 0, gateway: '', mac: '', defaultRoute: false });
        return { networkId: net.id, networkName: net.name, ifName: '', hostVeth: '', ip: '', prefixLen: 0, gateway: '', mac: '', aliases: [], ports: [] };
      }
      const ip = allocateIp({ network: net.name, subnet: net.subnet!, gateway: net.gateway!, taken: Object.values(net.endpoints).map((e) => e.ip), requested: req.ip });
      const ep: EndpointRecord = {
        containerId: req.containerId, containerName: req.containerName, pid: req.pid, ifName: req.ifName,
        hostVeth: `veth${hex(7)}`, ip, mac: macForIp(ip), aliases: [...req.aliases],
        // Internal networks publish nothing, like Docker.
        ports: net.internal ? [] : req.ports.map((p) => ({ ...p })),
      };
      if (ep.ports.some((p) => p.hostPort === 0)) throw invalidArgument(`ports must be reserved before connect: ${JSON.stringify(ep.ports)}`);
      // The address is persisted before any OS work so it can never be handed out twice.
      net.endpoints[req.containerId] = ep;
      await this.save(net);
      try {
        // The iptables check touches other tables only, so it runs beside the link work.
        const recheck = this.fw.recheckNetwork(fwNet(net));
        try {
          await this.ensureBridge(net); // brings a bridge back if someone deleted it
          // A netns with no other endpoint of ours is fresh: it cannot have a default route yet.
          const defaultRoute = !net.internal && !(this.hasOtherEndpoints(net, req.containerId) && await this.hasDefaultRoute(req.pid));
          await driver.setupEndpoint(this.driverNet(net), { ...this.driverEp(net, ep), defaultRoute });
          await this.fw.addPorts(fwPorts(ep));
        } finally {
          await recheck.catch(() => undefined); // settled before any teardown; its error is raised below
        }
        await recheck;
        this.dns.get(net.id)?.setRecord(req.containerId, [req.containerName, ...req.aliases, req.containerId.slice(0, 12)], ip);
      } catch (err) {
        await this.teardownEndpoint(net, ep).catch(() => undefined);
        throw err;
      }
      return this.toEndpoint(net, ep);
    });
  }

  disconnect(network: string, containerId: string): Promise<void> {
    return this.mutex.run(async () => {
      const net = this.find(network);
      const ep = net.endpoints[containerId];
      if (!ep) throw invalidArgument(`container ${containerId} is not connected to network ${net.name}`);
      await this.teardownEndpoint(net, ep);
    });
  }

  /** Brings lo up in a new netns (`--network none` and every container netns). */
  async setupLoopback(pid: number): Promise<void> {
    for (const [cmd, args] of loopbackUp(pid)) await run(cmd, args);
  }

  /** Everything of one container on every network, and its held ports. Idempotent. */
  releaseContainer(containerId: string): Promise<void> {
    return this.mutex.run(async () => {
      const errors: unknown[] = [];
      for (const net of this.nets.values()) {
        const ep = net.endpoints[containerId];
        if (!ep) continue;
        try { await this.teardownEndpoint(net, ep); } catch (err) { errors.push(...(err instanceof TeardownError ? err.errors : [err])); }
      }
      const held = this.held.get(containerId) ?? [];
      this.held.delete(containerId);
      for (const r of await Promise.allSettled(held.map((h) => h.close()))) if (r.status === 'rejected') errors.push(r.reason);
      if (errors.length) throw new TeardownError(`release of container ${containerId}`, errors);
    });
  }

  /** /etc/resolv.conf for a container whose first network is `networkName`. */
  resolvConf(networkName: string): string {
    const host = parseResolvConf(this.readHostResolv());
    const net = this.find(networkName);
    if (net.driver === 'host') return this.readHostResolv();
    if (net.driver === 'bridge' && !net.builtin) return userNetworkResolvConf(net.gateway!, host);
    return defaultBridgeResolvConf(host);
  }

  // ---- internals ----

  private readHostResolv(): string {
    try { return fs.readFileSync(this.resolvConfPath, 'utf8'); } catch { return ''; }
  }

  private async teardownEndpoint(net: NetworkRecord, ep: EndpointRecord): Promise<void> {
    const errors: unknown[] = [];
    this.dns.get(net.id)?.deleteRecord(ep.containerId);
    errors.push(...(await this.fw.removePorts(fwPorts(ep))));
    errors.push(...(await driverFor(net.driver).teardownEndpoint(this.driverNet(net), this.driverEp(net, ep))));
    // Ports published here are no longer reachable: stop holding them.
    if (ep.ports.length) {
      const held = this.held.get(ep.containerId) ?? [];
      const keep = held.filter((h) => !ep.ports.some((p) => samePort(p, h.mapping)));
      await Promise.allSettled(held.filter((h) => !keep.includes(h)).map((h) => h.close()));
      if (keep.length) this.held.set(ep.containerId, keep); else this.held.delete(ep.containerId);
    }
    delete net.endpoints[ep.containerId];
    try { await this.save(net); } catch (err) { errors.push(err); }
    if (errors.length) throw new TeardownError(`disconnect of ${ep.containerName} from network ${net.name}`, errors);
  }

  private async destroyNetwork(net: NetworkRecord): Promise<void> {
    const errors: unknown[] = [];
    const dns = this.dns.get(net.id);
    this.dns.delete(net.id);
    if (net.bridge) this.readyBridges.delete(net.bridge);
    if (dns) await dns.stop().catch((err) => errors.push(err));
    errors.push(...(await this.fw.removeNetwork(fwNet(net))));
    errors.push(...(await driverFor(net.driver).teardownNetwork(this.driverNet(net))));
    try {
      await fsp.rm(path.join(this.dir, `${net.id}.json`), { force: true });
      this.nets.delete(net.id);
    } catch (err) { errors.push(err); }
    if (errors.length) throw new TeardownError(`removal of network ${net.name}`, errors);
  }

  private async startDns(net: NetworkRecord): Promise<void> {
    if (this.dns.has(net.id) || net.driver !== 'bridge' || net.builtin) return;
    const upstreams = this.opts.dnsUpstreams ?? upstreamsOf(parseResolvConf(this.readHostResolv()));
    const server = new DnsServer({ address: net.gateway!, port: this.dnsPort, networkName: net.name, upstreams });
    await server.start();
    for (const ep of Object.values(net.endpoints)) server.setRecord(ep.containerId, [ep.containerName, ...ep.aliases, ep.containerId.slice(0, 12)], ep.ip);
    this.dns.set(net.id, server);
  }

  /** setupNetwork once per engine run; later only when the bridge went away (sysfs, no spawn). */
  private async ensureBridge(net: NetworkRecord): Promise<void> {
    if (this.readyBridges.has(net.bridge!) && await linkExists(net.bridge!)) return;
    await driverFor('bridge').setupNetwork(this.driverNet(net));
    this.readyBridges.add(net.bridge!);
  }

  private hasOtherEndpoints(net: NetworkRecord, containerId: string): boolean {
    return [...this.nets.values()].some((n) => n !== net && n.endpoints[containerId] !== undefined);
  }

  private async hasDefaultRoute(pid: number): Promise<boolean> {
    const out = (await run('nsenter', [`--net=/proc/${pid}/ns/net`, '--', 'ip', '-j', '-4', 'route', 'show', 'default'])).stdout.trim();
    return out !== '' && (JSON.parse(out) as unknown[]).length > 0;
  }

  private endpointPidAlive(containerId: string): boolean {
    for (const n of this.nets.values()) {
      const ep = n.endpoints[containerId];
      if (ep) return fs.existsSync(`/proc/${ep.pid}/ns/net`);
    }
    return false;
  }

  /** Host routes and addresses, docker0, and every minidock network's subnet. */
  private async usedRanges(): Promise<UsedRange[]> {
    const routes = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'table', 'main'])).stdout || '[]');
    const addrs = JSON.parse((await run('ip', ['-j', '-4', 'addr'])).stdout || '[]');
    const used = usedFromHost(routes, addrs);
    for (const n of this.nets.values()) if (n.subnet) used.push({ cidr: parseCidr(n.subnet), what: `network ${n.name} (${n.subnet})` });
    return used;
  }

  private bridgeNets(): NetworkRecord[] {
    return [...this.nets.values()].filter((n) => n.driver === 'bridge');
  }

  private byName(name: string): NetworkRecord | undefined {
    return [...this.nets.values()].find((n) => n.name === name);
  }

  private find(nameOrId: string): NetworkRecord {
    const exact = this.byName(nameOrId) ?? this.nets.get(nameOrId);
    if (exact) return exact;
    const prefixed = nameOrId.length > 0 ? [...this.nets.values()].filter((n) => n.id.startsWith(nameOrId)) : [];
    if (prefixed.length === 1) return prefixed[0];
    if (prefixed.length > 1) throw invalidArgument(`network ${nameOrId} is ambiguous (${prefixed.length} matches found based on id prefix)`);
    throw new NetworkNotFound(nameOrId);
  }

  private newRecord(r: Omit<NetworkRecord, 'id' | 'created' | 'labels' | 'endpoints'> & { id?: string; labels?: Record<string, string> }): NetworkRecord {
    return { ...r, id: r.id ?? hex(64), created: new Date().toISOString(), labels: r.labels ?? {}, endpoints: {} };
  }

  private async save(net: NetworkRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${net.id}.json`), net);
    this.nets.set(net.id, net);
  }

  private driverNet(net: NetworkRecord) {
    return { name: net.name, bridge: net.bridge, subnet: net.subnet, gateway: net.gateway, internal: net.internal };
  }

  private driverEp(net: NetworkRecord, ep: EndpointRecord) {
    return { pid: ep.pid, ifName: ep.ifName, hostVeth: ep.hostVeth, ip: ep.ip, prefixLen: net.subnet ? parseCidr(net.subnet).prefix : 0, gateway: net.gateway ?? '', mac: ep.mac, defaultRoute: false };
  }

  private toEndpoint(net: NetworkRecord, ep: EndpointRecord): Endpoint {
    return {
      networkId: net.id, networkName: net.name, ifName: ep.ifName, hostVeth: ep.hostVeth, ip: ep.ip,
      prefixLen: parseCidr(net.subnet!).prefix, gateway: net.gateway!, mac: ep.mac, aliases: [...ep.aliases], ports: ep.ports.map((p) => ({ ...p })),
    };
  }
}

function samePort(a: PortMapping, b: PortMapping): boolean {
  return a.hostIp === b.hostIp && a.hostPort === b.hostPort && a.proto === b.proto;
}

function fwNet(n: NetworkRecord): FwNetwork {
  return { key: n.id.slice(0, 12), name: n.name, bridge: n.bridge!, subnet: n.subnet!, internal: n.internal };
}

function fwPorts(ep: EndpointRecord): FwPort[] {
  return ep.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, proto: p.proto, containerIp: ep.ip, containerPort: p.containerPort, owner: ep.containerId.slice(0, 12) }));
}
