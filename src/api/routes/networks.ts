// /networks/*: list, inspect, create, remove, connect, disconnect.
import { NetworkInUse, invalidArgument } from '../../errors.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED } from '../http.js';
import type { NetworkCreateBody } from '../../wire/api-types.js';
import type { NetworkRecord } from '../../engine/services.js';
import type { Engine } from '../../engine/engine.js';
import { filterNetworks } from '../../engine/network-filters.js';

export function networkView(n: NetworkRecord, engine: Engine) {
  const containers: Record<string, unknown> = {};
  for (const { id, name, ep } of engine.networkEndpoints(n.name)) {
    containers[id] = { Name: name, EndpointID: '', MacAddress: ep.mac, IPv4Address: `${ep.ip}/${ep.prefixLen}`, IPv6Address: '' };
  }
  return {
    Name: n.name, Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver, EnableIPv6: false,
    // a CNI network's IPAM is its list's plugins'; its Options are the ones it was created with
    IPAM: { Driver: n.cni ? 'cni' : 'default', Options: {}, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [] },
    Internal: n.internal, Attachable: false, Ingress: false, Containers: containers,
    Options: n.cni ? { config: n.cni.source } : n.bridge ? { 'com.docker.network.bridge.name': n.bridge } : {},
    Labels: n.labels,
  };
}

export function registerNetworks(router: Router<Handler>): void {
  router.add('GET', '/networks', async (ctx, { network, engine }) =>
    filterNetworks(await network.list(), ctx.query.get('filters'), (name) => engine.networkEndpoints(name).length > 0).map((n) => networkView(n, engine)));
  router.add('GET', '/networks/{id}', async (ctx, { network, engine }) => networkView(await network.get(ctx.params.id!), engine));
  router.add('POST', '/networks/create', async (ctx, { network, engine }) => {
    const body = await ctx.body<NetworkCreateBody>();
    if (!body?.Name) throw invalidArgument('network name is required');
    const cfg = body.IPAM?.Config?.[0];
    const rec = await network.create({
      name: body.Name, driver: body.Driver, subnet: cfg?.Subnet, gateway: cfg?.Gateway, ipRange: cfg?.IPRange, internal: body.Internal,
      ipv6: body.EnableIPv6, labels: body.Labels, options: body.Options ?? undefined,
    });
    engine.recordEvent('network', 'create', rec.id, { name: rec.name, type: rec.driver });
    ctx.json(201, { Id: rec.id, Warning: '' });
    return ANSWERED;
  });
  router.add('POST', '/networks/prune', async (ctx, { engine }) => engine.pruneNetworks(ctx.query.get('filters')));
  router.add('DELETE', '/networks/{id}', async (ctx, { network, engine }) => {
    const net = await network.get(ctx.params.id!);
    if (engine.networkEndpoints(net.name).length) throw new NetworkInUse(net.name, net.id);
    await network.remove(net.id);
    engine.recordEvent('network', 'destroy', net.id, { name: net.name, type: net.driver });
    return undefined;
  });
  router.add('POST', '/networks/{id}/connect', async (ctx, { engine }) => {
    const body = await ctx.body<{ Container?: string; EndpointConfig?: { IPAMConfig?: { IPv4Address?: string }; Aliases?: string[] } }>();
    if (!body?.Container) throw invalidArgument('container is required');
    await engine.connectNetwork(ctx.params.id!, body.Container, { ip: body.EndpointConfig?.IPAMConfig?.IPv4Address, aliases: body.EndpointConfig?.Aliases ?? [] });
    ctx.json(200, undefined); // dockerd answers 200, not 204 (dockerode checks)
    return ANSWERED;
  });
  router.add('POST', '/networks/{id}/disconnect', async (ctx, { engine }) => {
    const body = await ctx.body<{ Container?: string; Force?: boolean }>();
    if (!body?.Container) throw invalidArgument('container is required');
    await engine.disconnectNetwork(ctx.params.id!, body.Container);
    ctx.json(200, undefined); // dockerd answers 200, not 204
    return ANSWERED;
  });
}
