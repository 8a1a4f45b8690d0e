// bridge: a Linux bridge per network holding the gateway address; per endpoint a veth pair
// with the host end on the bridge and the peer inside the container's netns.
import { MinidockError, invalidArgument } from '../../errors.js';
import { parseCidr } from '../cidr.js';
import { macForIp, validateGateway } from '../ipam.js';
import type { HostOs } from '../os.js';
import { attachEndpoint, createBridge, deleteLink, hasRoutes, showDefaultRoute, type Batch } from './commands.js';
import type { DriverEndpoint, DriverNetwork, NetworkDriver } from './driver.js';
import type { VethPlan } from '../../wire/veth.js';

/** BR_STATE_FORWARDING of /sys/class/net/<port>/brport/state. */
export const BR_STATE_FORWARDING = 3;
/**
 * Waits between looks at a new port's state, 10 s in all. The kernel moves a port to
 * forwarding in its linkwatch work, after the veth pair got carrier (our bridges run no STP,
 * so that is the only wait); a busy host runs that work late, and until then the bridge drops
 * the container's frames (its first ARP, a peer's first ping).
 */
export const PORT_WAITS_MS = [2, 5, 10, 20, 50, 100, 200, ...Array<number>(48).fill(200)];

/** `ip link del` of a link that is already gone: nothing left to undo. */
const missing = (err: unknown) => /Cannot find device|does not exist/i.test(String((err as { stderr?: string }).stderr ?? err));

export class BridgeDriver implements NetworkDriver {
  readonly name = 'bridge' as const;
  /** Bridges set up (address, MAC, up, sysctls) by this process; checked again only if the link went away. */
  private readonly ready = new Set<string>();

  constructor(private readonly os: HostOs) {}

  validate(opts: { subnet?: string; gateway?: string }): void {
    if (opts.gateway && !opts.subnet) throw invalidArgument(`gateway ${opts.gateway} given without a subnet`);
    if (opts.subnet) {
      const c = parseCidr(opts.subnet);
      if (c.prefix > 30) throw invalidArgument(`subnet ${opts.subnet} is too small for a bridge network`);
      if (opts.gateway) validateGateway(opts.subnet, opts.gateway);
    }
  }

  /**
   * Once per engine run, and again only when the bridge went away (a sysfs check, no spawn).
   * Idempotent: an existing bridge is kept (after a restart) and only missing pieces are added.
   */
  async setupNetwork(net: DriverNetwork): Promise<void> {
    const { bridge, subnet, gateway } = net;
    if (!bridge || !subnet || !gateway) throw invalidArgument(`bridge network ${net.name} lacks bridge, subnet or gateway`);
    const exists = this.os.linkExists(bridge);
    if (exists && this.ready.has(bridge)) return;
    this.ready.delete(bridge);
    await this.batch(createBridge(bridge, gateway, parseCidr(subnet).prefix, macForIp(gateway), exists));
    // 127.0.0.1-published ports are DNAT'ed from the host's loopback into the bridge.
    await this.os.sysctl(`net/ipv4/conf/${bridge}/route_localnet`, '1');
    if (!net.internal) await this.os.sysctl('net/ipv4/ip_forward', '1');
    this.ready.add(bridge);
  }

  async teardownNetwork(net: DriverNetwork): Promise<unknown[]> {
    if (!net.bridge) return [];
    this.ready.delete(net.bridge);
    return this.deleteLink(net.bridge);
  }

  async setupEndpoint(net: DriverNetwork, ep: DriverEndpoint): Promise<void> {
    if (!net.bridge) throw invalidArgument(`network ${net.name} has no bridge`);
    const defaultRoute = ep.defaultRoute === 'always' || (ep.defaultRoute === 'if-missing' && !(await this.hasDefaultRoute(ep.pid)));
    const plan: VethPlan = {
      pid: ep.pid, bridge: net.bridge, hostVeth: ep.hostVeth, ifName: ep.ifName, mac: ep.mac, ip: ep.ip,
      prefixLen: ep.prefixLen, gateway: ep.gateway, defaultRoute,
    };
    if (ep.plumber) {
      await ep.plumber(plan);
    } else {
      const { host, netns } = attachEndpoint(plan);
      await this.batch(host);
      await this.batch(netns);
    }
    // Reachable when connect returns (the CNI bridge plugin and moby wait for this too):
    // `ip link set up` returns before the port forwards.
    await this.waitForwarding(net.name, ep.hostVeth);
  }

  private async waitForwarding(network: string, port: string): Promise<void> {
    let state = await this.os.bridgePortState(port);
    for (const ms of PORT_WAITS_MS) {
      if (state === BR_STATE_FORWARDING) return;
      await this.os.delay(ms);
      state = await this.os.bridgePortState(port);
    }
    if (state === BR_STATE_FORWARDING) return;
    const total = PORT_WAITS_MS.reduce((a, b) => a + b, 0);
    throw new MinidockError('Internal', `port ${port} of network ${network} does not forward after ${total} ms (bridge port state ${state ?? 'gone'})`);
  }

  /** Deleting the host end removes the peer too; a dead container's pair is already gone. */
  async teardownEndpoint(_net: DriverNetwork, ep: DriverEndpoint): Promise<unknown[]> {
    // The kernel often has removed the pair with the dead netns already: no `ip` then.
    if (!ep.hostVeth || !this.os.linkExists(ep.hostVeth)) return [];
    return this.deleteLink(ep.hostVeth);
  }

  private async deleteLink(name: string): Promise<unknown[]> {
    try {
      await this.os.run(...deleteLink(name));
      return [];
    } catch (err) {
      return missing(err) ? [] : [err];
    }
  }

  private async hasDefaultRoute(pid: number): Promise<boolean> {
    return hasRoutes((await this.os.run(...showDefaultRoute(pid))).stdout);
  }

  private batch(b: Batch) {
    return this.os.run(b.argv[0], b.argv[1], { input: b.input });
  }
}
