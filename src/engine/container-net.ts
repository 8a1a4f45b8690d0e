// A container's networks: its endpoints at start, connect/disconnect while it lives, and the
// /etc/hosts it sees (bind-mounted: rewritten in place so the container sees its addresses).
import fs from 'node:fs/promises';
import os from 'node:os';
import { conflict, invalidArgument } from '../errors.js';
import type { EngineCore } from './core.js';
import { networkModeName } from './create.js';
import { hostsFile } from './etc-files.js';
import type { ContainerRecord } from './record.js';
import type { Endpoint, PortMapping } from './services.js';

/** At start, inside beforeExec: loopback and every requested network (the first gets the ports). */
export async function connectAll(core: EngineCore, rec: ContainerRecord, pid: number, hostname: string, mode: string, ports: PortMapping[]): Promise<Record<string, Endpoint>> {
  const { network } = core.services;
  const endpoints: Record<string, Endpoint> = {};
  // connect brings lo up in the same batch as eth0; only a netns without networks needs it alone.
  if (mode === 'none' || Object.keys(rec.Networks).length === 0) await network.setupLoopback(pid);
  if (mode === 'none') return endpoints;
  let i = 0;
  for (const [net, req] of Object.entries(rec.Networks)) {
    endpoints[net] = await network.connect(net, {
      containerId: rec.Id, containerName: rec.Name.slice(1), pid, ifName: `eth${i++}`,
      ip: req.ip, aliases: [...req.aliases, rec.Id.slice(0, 12)], ports: i === 1 ? ports : [],
    });
  }
  await fs.writeFile(core.etcPaths(rec.Id).hosts, hostsFile(hostname, Object.values(endpoints).map((e) => e.ip)));
  return endpoints;
}

export async function connectNetwork(core: EngineCore, net: string, ref: string, cfg: { ip?: string; aliases?: string[] }): Promise<void> {
  const rec = core.store.find(ref);
  const network = await core.services.network.get(net);
  await core.lock(rec.Id).run(async () => {
    if (rec.Networks[network.name]) throw conflict(`endpoint with name ${rec.Name.slice(1)} already exists in network ${network.name}`);
    const mode = networkModeName(rec.HostConfig.NetworkMode);
    if (mode === 'host' || mode === 'none') throw conflict(`container cannot be disconnected from host network or connected to host network`);
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
      const hostname = rec.Config.Hostname || os.hostname();
      await fs.writeFile(core.etcPaths(rec.Id).hosts, hostsFile(hostname, Object.values(rec.Endpoints).map((e) => e.ip)));
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
