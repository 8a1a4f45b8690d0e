// bridge: a Linux bridge per network holding the gateway address; per endpoint a veth pair
// with the host end on the bridge and the peer inside the container's netns.
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { invalidArgument } from '../../errors.js';
import { run } from '../../util/exec.js';
import { parseCidr } from '../cidr.js';
import { macForIp, validateGateway } from '../ipam.js';
import { attachEndpoint, createBridge, deleteLink, type Batch } from './commands.js';
import type { DriverEndpoint, DriverNetwork, NetworkDriver } from './driver.js';

const missing = (err: unknown) => /Cannot find device|does not exist/i.test(String((err as { stderr?: string }).stderr ?? err));

/** Whether a host interface exists; sysfs answers without spawning `ip`. */
export async function linkExists(name: string): Promise<boolean> {
  return existsSync(`/sys/class/net/${name}`);
}

const runBatch = (b: Batch) => run(b.argv[0], b.argv[1], { input: b.input });

async function sysctl(path: string, value: string): Promise<void> {
  await fs.writeFile(`/proc/sys/${path}`, value);
}

export class BridgeDriver implements NetworkDriver {
  readonly name = 'bridge' as const;

  validate(opts: { subnet?: string; gateway?: string }): void {
    if (opts.gateway && !opts.subnet) throw invalidArgument(`gateway ${opts.gateway} given without a subnet`);
    if (opts.subnet) {
      const c = parseCidr(opts.subnet);
      if (c.prefix > 30) throw invalidArgument(`subnet ${opts.subnet} is too small for a bridge network`);
      if (opts.gateway) validateGateway(opts.subnet, opts.gateway);
    }
  }

  /** Idempotent: an existing bridge is kept (after a restart) and only missing pieces are added. */
  async setupNetwork(net: DriverNetwork): Promise<void> {
    const { bridge, subnet, gateway } = net;
    if (!bridge || !subnet || !gateway) throw invalidArgument(`bridge network ${net.name} lacks bridge, subnet or gateway`);
    const prefix = parseCidr(subnet).prefix;
    await runBatch(createBridge(bridge, gateway, prefix, macForIp(gateway), await linkExists(bridge)));
    // 127.0.0.1-published ports are DNAT'ed from the host's loopback into the bridge.
    await sysctl(`net/ipv4/conf/${bridge}/route_localnet`, '1');
    if (!net.internal) await sysctl('net/ipv4/ip_forward', '1');
  }

  async teardownNetwork(net: DriverNetwork): Promise<unknown[]> {
    if (!net.bridge) return [];
    try {
      await run(...deleteLink(net.bridge));
      return [];
    } catch (err) {
      return missing(err) ? [] : [err];
    }
  }

  async setupEndpoint(net: DriverNetwork, ep: DriverEndpoint): Promise<void> {
    if (!net.bridge) throw invalidArgument(`network ${net.name} has no bridge`);
    const { host, netns } = attachEndpoint({ ...ep, bridge: net.bridge });
    await runBatch(host);
    await runBatch(netns);
  }

  /** Deleting the host end removes the peer too; a dead container's pair is already gone. */
  async teardownEndpoint(_net: DriverNetwork, ep: DriverEndpoint): Promise<unknown[]> {
    // The kernel often has removed the pair with the dead netns already: no `ip` then.
    if (!(await linkExists(ep.hostVeth))) return [];
    try {
      await run(...deleteLink(ep.hostVeth));
      return [];
    } catch (err) {
      return missing(err) ? [] : [err];
    }
  }
}
