// Network lifecycle: create (record, bridge, firewall chains, DNS server) and remove (the
// same, undone exactly, going on past failures), and bringing bridges back at engine start.
// A CNI network is a record holding its configuration list: created once its plugins answer
// VERSION, removed with the bridge its bridge plugin made. Callers hold the service's mutex.
import { MinidockError, NetworkInUse, TeardownError, conflict, invalidArgument } from '../errors.js';
import { defaultGateway, validateGateway } from './ipam.js';
import { checkSubnet, pickSubnet, type UsedRange } from './pool.js';
import { hostUsedRanges } from './host-ranges.js';
import type { Firewall } from './firewall.js';
import type { DnsServers } from './dns/servers.js';
import type { Drivers } from './drivers/factory.js';
import type { CniAttach } from './cni/attach.js';
import { bridgeOf, loadConfList } from './cni/config.js';
import { cniSource } from './cni/limits.js';
import { deleteLink } from './drivers/commands.js';
import { driverNet, flatErrors, fwNet } from './views.js';
import type { HostOs } from './os.js';
import { newRecord, randomHex, type NetworkStore } from './store.js';
import type { CreateNetworkOptions, NetworkRecord } from './types.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface NetworkDeps { store: NetworkStore; drivers: Drivers; fw: Firewall; dns: DnsServers; os: HostOs; cni: CniAttach; cniConfDir: string }

export class Networks {
  constructor(private readonly d: NetworkDeps) {}

  async create(opts: CreateNetworkOptions): Promise<NetworkRecord> {
    if (!NAME_RE.test(opts.name)) throw invalidArgument(`invalid network name: ${opts.name}`);
    if (this.d.store.byName(opts.name)) throw conflict(`network with name ${opts.name} already exists`);
    const driverName = opts.driver ?? 'bridge';
    if (driverName === 'cni') return this.createCni(opts);
    if (opts.ipRange) throw invalidArgument(`--ip-range is not supported by the ${driverName} driver`);
    if (opts.ipv6) throw invalidArgument('--ipv6 is not supported: minidock networks are IPv4 only');
    for (const k of Object.keys(opts.options ?? {})) throw invalidArgument(`network option ${k} is not supported by the ${driverName} driver`);
    const driver = this.d.drivers.get(driverName); // unknown drivers are refused here
    if (driver.name !== 'bridge') throw invalidArgument(`only one instance of "${driverName}" network is allowed`);
    driver.validate(opts);
    const used = await this.usedRanges();
    const subnet = opts.subnet ? (checkSubnet(opts.subnet, used), opts.subnet) : pickSubnet(used);
    const gateway = opts.gateway ? validateGateway(subnet, opts.gateway) : defaultGateway(subnet);
    const id = randomHex(64);
    const rec = newRecord({ id, name: opts.name, driver: 'bridge', bridge: `md-${id.slice(0, 12)}`, subnet, gateway, internal: opts.internal ?? false, builtin: false, labels: opts.labels });
    await this.d.store.save(rec);
    try {
      await driver.setupNetwork(driverNet(rec));
      await this.d.fw.addNetwork(fwNet(rec));
      await this.d.dns.start(rec);
    } catch (err) {
      const undo = await this.destroy(rec).then(() => [], flatErrors);
      if (undo.length) throw new TeardownError(`creation of network ${rec.name} failed (${err instanceof Error ? err.message : String(err)}) and its undo`, [err, ...undo]);
      throw err;
    }
    return rec;
  }

  /**
   * `--driver cni --opt config=<list name or file>`: the list is read and copied into the
   * record, every plugin must answer VERSION for the list's cniVersion, and no other minidock
   * network may run the same list (its plugins key their state, such as IPAM leases, by the
   * list's name and the container id).
   */
  private async createCni(opts: CreateNetworkOptions): Promise<NetworkRecord> {
    const source = cniSource(opts);
    const list = await loadConfList(source, this.d.cniConfDir);
    const twin = this.d.store.all().find((n) => n.cni?.list.name === list.name);
    if (twin) throw conflict(`cni configuration list ${list.name} is already used by network ${twin.name}`);
    const rec = newRecord({ name: opts.name, driver: 'cni', internal: false, builtin: false, labels: opts.labels });
    rec.cni = { source, list };
    await this.d.cni.version(rec);
    await this.d.store.save(rec);
    return rec;
  }

  /** Builtins are refused; a network with endpoints is NetworkInUse. */
  async remove(net: NetworkRecord): Promise<void> {
    if (net.builtin) throw new MinidockError('Conflict', `${net.name} is a pre-defined network and cannot be removed`, { status: 403 });
    if (Object.keys(net.endpoints).length) throw new NetworkInUse(net.name, net.id);
    await this.destroy(net);
  }

  /**
   * Engine start: every bridge is set up again (idempotent; after a reboot they are gone).
   * Returns what failed, for the engine to log.
   */
  async restore(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const n of this.d.store.bridges()) {
      await this.d.drivers.get('bridge').setupNetwork(driverNet(n)).catch((err) => errors.push(err));
    }
    return errors;
  }

  /** Host routes and addresses (docker0 included), and every minidock network's subnet. */
  async usedRanges(): Promise<UsedRange[]> {
    return [...(await hostUsedRanges(this.d.os.run)), ...this.d.store.subnets()];
  }

  /**
   * Undoes everything of a network, every step tried: DNS server, firewall chains and
   * iptables rules, the bridge. The record goes only when all of that worked, so a failed
   * removal can be retried (each step is exact and skips what is already gone).
   */
  private async destroy(net: NetworkRecord): Promise<void> {
    const errors: unknown[] = [];
    if (net.driver === 'cni') {
      errors.push(...(await this.removeCniBridge(net)));
    } else {
      errors.push(...(await this.d.dns.stop(net.id)));
      if (net.driver === 'bridge') errors.push(...(await this.d.fw.removeNetwork(fwNet(net))));
      errors.push(...(await this.d.drivers.get(net.driver).teardownNetwork(driverNet(net))));
    }
    if (errors.length === 0) await this.d.store.delete(net).catch((err) => errors.push(err));
    if (errors.length) throw new TeardownError(`removal of network ${net.name}`, errors);
  }

  /**
   * The bridge a CNI network's bridge plugin made (CNI has no network-level DEL; podman
   * removes it the same way), unless another CNI network names it or an interface is still
   * enslaved to it (then it is not only ours). Returns what failed.
   */
  private async removeCniBridge(net: NetworkRecord): Promise<unknown[]> {
    const br = bridgeOf(net.cni!.list);
    if (!br || !this.d.os.linkExists(br)) return [];
    if (this.d.store.all().some((n) => n.id !== net.id && n.cni && bridgeOf(n.cni.list) === br)) return [];
    if (this.d.os.bridgePorts(br).length) return [];
    return this.d.os.run(...deleteLink(br)).then(() => [], (err) => [err]);
  }
}
