// A container's attachment to a CNI network: ADD through the configuration list into the
// container's network namespace (pinned first, see netns.ts), with the published ports as
// `runtimeConfig.portMappings`; DEL with the cached ADD result (kept in the endpoint record,
// so it survives engine restarts) and the same netns; CHECK with it. A failed ADD is undone
// by a DEL, as the spec asks of runtimes. Callers hold the network service's mutex.
import { TeardownError } from '../../errors.js';
import type { EndpointRecord, EndpointRequest, NetworkRecord } from '../types.js';
import type { CniInvocation, CniPlugins } from './plugins.js';
import { addressOf, portMappingsOf } from './result.js';
import { checkCniPorts, checkCniRequest } from './limits.js';
import type { NetnsPins } from './netns.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class CniAttach {
  constructor(private readonly plugins: CniPlugins, private readonly pins: NetnsPins) {}

  /** VERSION of every plugin of a network's list (network create). */
  version(net: NetworkRecord): Promise<void> {
    return this.plugins.version(net.cni!.list);
  }

  /**
   * The endpoint record of an attachment about to be made, refusing what a CNI network
   * cannot do. It is saved before ADD (no address yet) so that an engine killed during ADD
   * leaves a record for the next start to DEL. `req.aliases` may hold the container's short
   * id, which the engine adds on every network (a DNS name; a CNI network has no DNS): only
   * the user's aliases are refused.
   */
  plan(net: NetworkRecord, req: EndpointRequest): EndpointRecord {
    checkCniRequest(net.name, { ip: req.ip, aliases: req.aliases.filter((a) => a !== req.containerId.slice(0, 12)), mac: req.mac });
    checkCniPorts(net.name, net.cni!.list, req.ports.length > 0);
    return {
      containerId: req.containerId, containerName: req.containerName, pid: req.pid, ifName: req.ifName, hostVeth: '',
      ip: '', mac: '', aliases: [], ports: req.ports.map((p) => ({ ...p })),
      cni: { netns: this.pins.file(req.containerId, net.id), prefixLen: 0, gateway: '' },
    };
  }

  /** Pin, then ADD; the planned record completed with the result. A failure is undone (DEL, unpin) before it is thrown. */
  async add(net: NetworkRecord, planned: EndpointRecord): Promise<EndpointRecord> {
    const { list } = net.cni!;
    const netns = planned.cni!.netns;
    const inv = invocation(planned.containerId, netns, planned.ifName, planned.ports);
    try {
      await this.pins.pin(planned.pid, netns);
      const result = await this.plugins.add(list, inv);
      const a = addressOf(result, planned.ifName, net.name);
      return { ...planned, ip: a.ip, mac: a.mac, cni: { result, netns, prefixLen: a.prefixLen, gateway: a.gateway } };
    } catch (err) {
      // every plugin's DEL, also those after the one that failed: DEL is harmless where ADD did nothing
      const errors: unknown[] = [];
      const pinned = await this.pins.pinned(netns).catch((e) => { errors.push(e); return false; });
      if (pinned) errors.push(...(await this.plugins.del(list, inv, undefined)));
      errors.push(...(await this.pins.unpin(netns)));
      if (errors.length) throw new TeardownError(`cni attach of ${planned.containerName} to network ${net.name} failed (${message(err)}) and its undo`, [err, ...errors]);
      throw err;
    }
  }

  /** DEL with the cached result, in the pinned netns (or none when the pin is gone, after a reboot), then the pin goes. Returns what failed. */
  async del(net: NetworkRecord, ep: EndpointRecord): Promise<unknown[]> {
    const netns = ep.cni?.netns ?? this.pins.file(ep.containerId, net.id);
    const errors: unknown[] = [];
    // a pin that cannot be probed is reported, and DEL still runs (without a netns) so the plugins free what they hold outside it
    const inside = await this.pins.pinned(netns).catch((e) => { errors.push(e); return false; });
    errors.push(...(await this.plugins.del(net.cni!.list, invocation(ep.containerId, inside ? netns : '', ep.ifName, ep.ports), ep.cni?.result)));
    errors.push(...(await this.pins.unpin(netns)));
    return errors;
  }

  /** CHECK of a live attachment (engine start): throws what the plugins report. */
  async check(net: NetworkRecord, ep: EndpointRecord): Promise<void> {
    if (!ep.cni?.result) return;
    await this.plugins.check(net.cni!.list, invocation(ep.containerId, ep.cni.netns, ep.ifName, ep.ports), ep.cni.result);
  }
}

function invocation(containerId: string, netns: string, ifName: string, ports: EndpointRecord['ports']): CniInvocation {
  return { containerId, netns, ifName, runtimeConfig: ports.length ? { portMappings: portMappingsOf(ports) } : {} };
}
