// A container's networks: its endpoints at start, connect/disconnect while it lives, and the
// /etc/hosts it sees (bind-mounted: rewritten in place so the container sees its addresses).
import fs from 'node:fs/promises';
import os from 'node:os';
import { conflict, invalidArgument } from '../errors.js';
import type { EngineCore } from './core.js';
import { networkModeName } from './create.js';
import { HOST_GATEWAY, extraHostLines, hostsFile, parseExtraHost } from './etc-files.js';
import { containerOf } from './namespaces.js';
import type { ContainerRecord } from './record.js';
import type { Endpoint, PortMapping } from './services.js';
import type { VethPlumber } from '../wire/veth.js';

/** At start, inside beforeExec: loopback and every requested network (the first gets the ports). */
export async function connectAll(core: EngineCore, rec: ContainerRecord, pid: number, hostname: string, mode: string, ports: PortMapping[], plumber?: VethPlumber): Promise<Record<string, Endpoint>> {
  const { network } = core.services;
  const endpoints: Record<string, Endpoint> = {};
  // connect brings lo up in the same batch as eth0; only a netns without networks needs it alone.
  if (mode === 'none' || Object.keys(rec.Networks).length === 0) await network.setupLoopback(pid);
  if (mode === 'none') return endpoints;
  let i = 0;
  for (const [net, req] of Object.entries(rec.Networks)) {
    endpoints[net] = await network.connect(net, {
      containerId: rec.Id, containerName: rec.Name.slice(1), pid, ifName: `eth${i++}`,
      ip: req.ip, aliases: [...req.aliases, rec.Id.slice(0, 12)], ports: i === 1 ? ports : [], plumber,
      // docker: --mac-address is the first network's
      ...(i === 1 && rec.Config.MacAddress ? { mac: rec.Config.MacAddress.toLowerCase().replace(/-/g, ':') } : {}),
    });
  }
  await writeHosts(core, rec, hostname, Object.values(endpoints));
  return endpoints;
}

/** The container's /etc/hosts (bind-mounted: written in place): docker's default or, with the
 * host network, the host's; then the --add-host lines (host-gateway is the first network's
 * gateway, else the default bridge's, docker's host-gateway-ip); then its addresses. */
export async function writeHosts(core: EngineCore, rec: ContainerRecord, hostname: string, endpoints: Endpoint[] | 'host'): Promise<void> {
  const extra = rec.HostConfig.ExtraHosts ?? [];
  let gateway = endpoints === 'host' ? undefined : endpoints.find((e) => e.gateway)?.gateway;
  if (!gateway && extra.some((h) => parseExtraHost(h).ip === HOST_GATEWAY)) gateway = (await core.services.network.get('bridge')).gateway;
  const lines = extraHostLines(extra, gateway);
  const file = core.etcPaths(rec.Id).hosts;
  if (endpoints === 'host') {
    const host = await fs.readFile('/etc/hosts', 'utf8');
    await fs.writeFile(file, host + (host.endsWith('\n') || !host ? '' : '\n') + lines.map((l) => `${l}\n`).join(''));
  } else {
    await fs.writeFile(file, hostsFile(hostname, endpoints.map((e) => e.ip), lines));
  }
}

export async function connectNetwork(core: EngineCore, net: string, ref: string, cfg: { ip?: string; aliases?: string[] }): Promise<void> {
  const rec = core.store.find(ref);
  const network = await core.services.network.get(net);
  await core.lock(rec.Id).run(async () => {
    if (rec.Networks[network.name]) throw conflict(`endpoint with name ${rec.Name.slice(1)} already exists in network ${network.name}`);
    const mode = networkModeName(rec.HostConfig.NetworkMode);
    if (mode === 'host' || mode === 'none') throw conflict(`container cannot be disconnected from host network or connected to host network`);
    if (containerOf(mode) !== undefined) throw conflict('container sharing network namespace with another container or host cannot be connected to any other network');
    rec.Networks[network.name] = { ip: cfg.ip, aliases: cfg.aliases ?? [] };
    if (rec.State.Status === 'running') {
      let ep: Endpoint;
      try {
        ep = await core.services.network.connect(network.name, {
          containerId: rec.Id, containerName: rec.Name.slice(1), pid: rec.State.Pid, ifName: `eth${Object.keys(rec.Endpoints).length}`,
          ip: cfg.ip, aliases: [...(cfg.aliases ?? []), rec.Id.slice(0, 12)], ports: [],
        });
      } catch (err) {
        delete rec.Networks[network.name];
        throw err;
      }
      rec.Endpoints[network.name] = ep;
      await writeHosts(core, rec, rec.Config.Hostname || os.hostname(), Object.values(rec.Endpoints));
    }
    await core.store.save(rec);
  });
  core.emitOther('network', 'connect', network.id, { container: rec.Id, name: network.name, type: network.driver });
}

export async function disconnectNetwork(core: EngineCore, net: string, ref: string): Promise<void> {
  const rec = core.store.find(ref);
  const network = await core.services.network.get(net);
  await core.lock(rec.Id).run(async () => {
    if (!rec.Networks[network.name]) throw invalidArgument(`container ${rec.Id} is not connected to network ${network.name}`);
    if (rec.State.Status === 'running') await core.services.network.disconnect(network.name, rec.Id);
    delete rec.Networks[network.name];
    delete rec.Endpoints[network.name];
    await core.store.save(rec);
  });
  core.emitOther('network', 'disconnect', network.id, { container: rec.Id, name: network.name, type: network.driver });
}

/** Running containers with an endpoint on `name`, for network inspect and rm. */
export function networkEndpoints(core: EngineCore, name: string): { id: string; name: string; ep: Endpoint }[] {
  return core.store.all()
    .filter((r) => r.State.Status === 'running' && r.Endpoints[name])
    .map((r) => ({ id: r.Id, name: r.Name.slice(1), ep: r.Endpoints[name]! }));
}
