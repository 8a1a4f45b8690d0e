// network create|ls|rm|inspect|connect|disconnect.
import { connect } from '../connect.js';
import { formatList, goTime, labelList, networkRows, table, withLabelMethod } from '../format.js';
import { filterFlags, keyValues } from '../filters.js';
import { forEach, inspectEach } from '../output.js';

export async function networkCreate(name: string, opts: {
  driver?: string; subnet?: string; gateway?: string; ipRange?: string; ipv6?: boolean; internal?: boolean; label?: string[]; opt?: string[];
}): Promise<number> {
  const client = await connect();
  const labels = keyValues(opts.label);
  const out = await client.createNetwork({
    Name: name, Driver: opts.driver ?? 'bridge', Internal: !!opts.internal, EnableIPv6: !!opts.ipv6, Labels: labels, Options: keyValues(opts.opt),
    IPAM: opts.subnet || opts.gateway || opts.ipRange ? { Config: [{ Subnet: opts.subnet, Gateway: opts.gateway, IPRange: opts.ipRange }] } : undefined,
  });
  process.stdout.write(`${out.Id}\n`);
  return 0;
}

const NETWORK_HEADERS: Record<string, string> = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT',
};

export async function networkLs(opts: { quiet?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<number> {
  const client = await connect();
  const list = (await client.listNetworks(filterFlags(opts.filter))).sort((a, b) => a.Name.localeCompare(b.Name));
  if (opts.quiet) {
    for (const n of list) process.stdout.write(`${opts.noTrunc ? n.Id : n.Id.slice(0, 12)}\n`);
    return 0;
  }
  if (opts.format !== undefined) {
    const items = list.map((n) => withLabelMethod({
      ID: opts.noTrunc ? n.Id : n.Id.slice(0, 12), Name: n.Name, Driver: n.Driver, Scope: n.Scope,
      IPv6: String(!!n.EnableIPv6), Internal: String(!!n.Internal), Labels: labelList(n.Labels),
      CreatedAt: n.Created ? goTime(Date.parse(n.Created)) : '',
    }, n.Labels));
    const text = await formatList(opts.format, items, NETWORK_HEADERS);
    if (text !== undefined) { process.stdout.write(text); return 0; }
  }
  process.stdout.write(table(networkRows(opts.noTrunc ? list : list.map((n) => ({ ...n, Id: n.Id.slice(0, 12) })))));
  return 0;
}

export async function networkRm(names: string[]): Promise<number> {
  const client = await connect();
  return forEach(names, async (n) => { await client.removeNetwork(n); process.stdout.write(`${n}\n`); });
}

export async function networkInspect(names: string[], opts: { format?: string }): Promise<number> {
  const client = await connect();
  return inspectEach(names, (n) => client.inspectNetwork(n), opts.format);
}

export async function networkConnect(net: string, container: string, opts: { ip?: string; alias?: string[] }): Promise<number> {
  const client = await connect();
  await client.connectNetwork(net, container, opts.ip, opts.alias);
  return 0;
}

export async function networkDisconnect(net: string, container: string, opts: { force?: boolean }): Promise<number> {
  const client = await connect();
  await client.disconnectNetwork(net, container, !!opts.force);
  return 0;
}
