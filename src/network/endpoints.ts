// Endpoints: a container's attachment to one network (address from IPAM, the driver's link
// work, published ports in the firewall, its DNS names; on a CNI network, the plugins' ADD,
// cni/attach.ts) and their exact teardown. Teardown
// goes on past failures and raises one TeardownError listing every failure. Callers hold the
// service's mutex.
import { TeardownError, conflict, invalidArgument } from '../errors.js';
import { parseCidr } from './cidr.js';
import { allocateIp, macForIp } from './ipam.js';
import type { Firewall } from './firewall.js';
import type { DnsServers } from './dns/servers.js';
import type { Drivers } from './drivers/factory.js';
import { bareEndpoint } from './drivers/driver.js';
import type { CniAttach } from './cni/attach.js';
import type { HeldPorts } from './held-ports.js';
import { randomHex, type NetworkStore } from './store.js';
import type { Endpoint, EndpointRecord, EndpointRequest, NetworkRecord } from './types.js';
import { driverEp, driverNet, flatErrors, fwNet, fwPorts } from './views.js';

export interface EndpointDeps { store: NetworkStore; drivers: Drivers; fw: Firewall; dns: DnsServers; ports: HeldPorts; cni: CniAttach }

export class Endpoints {
  constructor(private readonly d: EndpointDeps) {}

  async connect(net: NetworkRecord, req: EndpointRequest): Promise<Endpoint> {
    if (net.endpoints[req.containerId]) throw conflict(`endpoint with name ${req.containerName} already exists in network ${net.name}`);
    if (net.driver === 'cni') return this.connectCni(net, req);
    const driver = this.d.drivers.get(net.driver);
    if (net.driver !== 'bridge') {
      // host refuses; null only brings lo up. Neither keeps an endpoint record.
      await driver.setupEndpoint(driverNet(net), { pid: req.pid, ifName: req.ifName, hostVeth: '', ip: '', prefixLen: 0, gateway: '', mac: '', defaultRoute: 'never' });
      return { networkId: net.id, networkName: net.name, ifName: '', hostVeth: '', ip: '', prefixLen: 0, gateway: '', mac: '', aliases: [], ports: [] };
    }
    const ip = allocateIp({ network: net.name, subnet: net.subnet!, gateway: net.gateway!, taken: Object.values(net.endpoints).map((e) => e.ip), requested: req.ip });
    const ep: EndpointRecord = {
      containerId: req.containerId, containerName: req.containerName, pid: req.pid, ifName: req.ifName,
      hostVeth: `veth${randomHex(7)}`, ip, mac: req.mac ?? macForIp(ip), aliases: [...req.aliases],
      // Internal networks publish nothing, like Docker.
      ports: net.internal ? [] : req.ports.map((p) => ({ ...p })),
    };
    if (ep.ports.some((p) => p.hostPort === 0)) throw invalidArgument(`ports must be reserved before connect: ${JSON.stringify(ep.ports)}`);
    // The address is persisted before any OS work so it can never be handed out twice.
    net.endpoints[req.containerId] = ep;
    await this.d.store.save(net);
    try {
      // Only the first non-internal network of a netns routes by default; a fresh netns has none yet.
      const defaultRoute = net.internal ? 'never' : this.d.store.networksOf(req.containerId).length > 1 ? 'if-missing' : 'always';
      // The iptables check touches other tables only, so it runs beside the link work; both settle before any undo.
      const [recheck, links] = await Promise.allSettled([
        this.d.fw.recheckNetwork(fwNet(net)),
        (async () => {
          await driver.setupNetwork(driverNet(net)); // brings a bridge back if someone deleted it
          await driver.setupEndpoint(driverNet(net), { ...driverEp(net, ep), defaultRoute, plumber: req.plumber });
          await this.d.fw.addPorts(fwPorts(ep));
        })(),
      ]);
      if (links.status === 'rejected') throw links.reason;
      if (recheck.status === 'rejected') throw recheck.reason;
      await this.d.dns.start(net); // a server that failed at engine start gets another chance
      this.d.dns.add(net, ep);
    } catch (err) {
      const undo = await this.teardown(net, ep).then(() => [], flatErrors);
      if (undo.length) throw new TeardownError(`connect of ${req.containerName} to network ${net.name} failed (${message(err)}) and its undo`, [err, ...undo]);
      throw err;
    }
    return toEndpoint(net, ep);
  }

  /**
   * A CNI network: the record first (no address yet), lo up (a list need not have the
   * loopback plugin), then ADD; the record gets the result. A failure drops the record.
   */
  private async connectCni(net: NetworkRecord, req: EndpointRequest): Promise<Endpoint> {
    const planned = this.d.cni.plan(net, req);
    net.endpoints[req.containerId] = planned;
    await this.d.store.save(net);
    try {
      await this.d.drivers.get('null').setupEndpoint({ name: net.name, internal: false }, bareEndpoint(req.pid));
      const ep = await this.d.cni.add(net, planned);
      net.endpoints[req.containerId] = ep;
      await this.d.store.save(net);
      return toEndpoint(net, ep);
    } catch (err) {
      const undo: unknown[] = [];
      // add() has undone its own work when it threw; a failed save of the result needs the DEL
      if (net.endpoints[req.containerId] !== planned) undo.push(...(await this.d.cni.del(net, net.endpoints[req.containerId])));
      delete net.endpoints[req.containerId];
      await this.d.store.save(net).catch((e) => undo.push(e));
      if (undo.length) throw new TeardownError(`connect of ${req.containerName} to network ${net.name} failed (${message(err)}) and its undo`, [err, ...undo]);
      throw err;
    }
  }

  async disconnect(net: NetworkRecord, containerId: string): Promise<void> {
    const ep = net.endpoints[containerId];
    if (!ep) throw invalidArgument(`container ${containerId} is not connected to network ${net.name}`);
    await this.teardown(net, ep);
  }

  /** Every endpoint of one container and its held ports; idempotent. */
  async release(containerId: string): Promise<void> {
    const errors: unknown[] = [];
    for (const net of this.d.store.networksOf(containerId)) {
      await this.teardown(net, net.endpoints[containerId]).catch((err) => errors.push(...flatErrors(err)));
    }
    errors.push(...(await this.d.ports.release(containerId)));
    if (errors.length) throw new TeardownError(`release of container ${containerId}`, errors);
  }

  /** A renamed container: its endpoints and the DNS name they publish follow (aliases stay). */
  async rename(containerId: string, name: string): Promise<void> {
    for (const net of this.d.store.all()) {
      const ep = net.endpoints[containerId];
      if (!ep) continue;
      ep.containerName = name;
      await this.d.store.save(net);
      this.d.dns.add(net, ep);
    }
  }

  /**
   * Engine start: drops the endpoints of containers that are gone (their links, or their
   * CNI DEL, and records; the firewall is rebuilt from the records afterwards, and DNS is not running
   * yet). Returns what failed, for the engine to log.
   */
  async reap(isAlive: (containerId: string) => boolean): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const net of this.d.store.all()) {
      const dead = Object.values(net.endpoints).filter((ep) => !isAlive(ep.containerId));
      if (dead.length === 0) continue;
      for (const ep of dead) {
        if (net.driver === 'cni') errors.push(...(await this.d.cni.del(net, ep)));
        else errors.push(...(await this.d.drivers.get(net.driver).teardownEndpoint(driverNet(net), driverEp(net, ep))));
        delete net.endpoints[ep.containerId];
      }
      await this.d.store.save(net).catch((err) => errors.push(err));
    }
    return errors;
  }

  /**
   * Exact teardown of one endpoint, every step tried: DNS names, port forwards, links, the
   * held ports it published, then the record, which is dropped even when a step failed (the
   * address must not stay taken by a container that is going). A CNI endpoint's steps are its
   * plugins' DEL.
   */
  private async teardown(net: NetworkRecord, ep: EndpointRecord): Promise<void> {
    const errors: unknown[] = [];
    if (net.driver === 'cni') {
      errors.push(...(await this.d.cni.del(net, ep)));
    } else {
      this.d.dns.remove(net, ep.containerId);
      errors.push(...(await this.d.fw.removePorts(fwPorts(ep))));
      errors.push(...(await this.d.drivers.get(net.driver).teardownEndpoint(driverNet(net), driverEp(net, ep))));
    }
    if (ep.ports.length) errors.push(...(await this.d.ports.release(ep.containerId, ep.ports)));
    delete net.endpoints[ep.containerId];
    await this.d.store.save(net).catch((err) => errors.push(err));
    if (errors.length) throw new TeardownError(`disconnect of ${ep.containerName} from network ${net.name}`, errors);
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function toEndpoint(net: NetworkRecord, ep: EndpointRecord): Endpoint {
  return {
    networkId: net.id, networkName: net.name, ifName: ep.ifName, hostVeth: ep.hostVeth, ip: ep.ip,
    prefixLen: ep.cni ? ep.cni.prefixLen : parseCidr(net.subnet!).prefix, gateway: ep.cni ? ep.cni.gateway : net.gateway!, mac: ep.mac, aliases: [...ep.aliases], ports: ep.ports.map((p) => ({ ...p })),
  };
}
