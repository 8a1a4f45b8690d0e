// Network records: one JSON file per network (written atomically), the in-memory view, the
// builtin networks (bridge, host, none) and name / id / id-prefix lookup. Callers hold the
// service's mutex; the IPAM view is the endpoints stored in each record.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NetworkNotFound, invalidArgument } from '../errors.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { parseCidr } from './cidr.js';
import { defaultGateway } from './ipam.js';
import { checkSubnet, pickSubnet, type UsedRange } from './pool.js';
import type { NetworkRecord } from './types.js';

export const BUILTIN = { bridge: 'bridge', host: 'host', none: 'none' } as const;

export const randomHex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

type NewRecord = Omit<NetworkRecord, 'id' | 'created' | 'labels' | 'endpoints'> & { id?: string; labels?: Record<string, string> };

export class NetworkStore {
  private readonly nets = new Map<string, NetworkRecord>();

  constructor(readonly dir: string) {}

  /** Reads every record from disk, replacing the in-memory view. */
  async load(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    this.nets.clear();
    for (const f of await fsp.readdir(this.dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      const rec = await readJson<NetworkRecord>(path.join(this.dir, f));
      if (rec) this.nets.set(rec.id, { ...rec, endpoints: rec.endpoints ?? {} });
    }
  }

  /**
   * Creates the builtin networks that are missing. The default bridge takes `defaultSubnet`
   * or the first free pool subnet (never docker0's; `used` is only probed then).
   */
  async ensureBuiltins(o: { defaultBridge: string; defaultSubnet?: string; used: () => Promise<UsedRange[]> }): Promise<void> {
    if (!this.byName(BUILTIN.bridge)) {
      const used = await o.used();
      if (o.defaultSubnet) checkSubnet(o.defaultSubnet, used);
      const subnet = o.defaultSubnet ?? pickSubnet(used);
      await this.save(newRecord({ name: BUILTIN.bridge, driver: 'bridge', bridge: o.defaultBridge, subnet, gateway: defaultGateway(subnet), internal: false, builtin: true }));
    }
    if (!this.byName(BUILTIN.host)) await this.save(newRecord({ name: BUILTIN.host, driver: 'host', internal: false, builtin: true }));
    if (!this.byName(BUILTIN.none)) await this.save(newRecord({ name: BUILTIN.none, driver: 'null', internal: false, builtin: true }));
  }

  all(): NetworkRecord[] {
    return [...this.nets.values()];
  }

  bridges(): NetworkRecord[] {
    return this.all().filter((n) => n.driver === 'bridge');
  }

  /** The networks a container has an endpoint on. */
  networksOf(containerId: string): NetworkRecord[] {
    return this.all().filter((n) => n.endpoints[containerId] !== undefined);
  }

  /** Every minidock network's subnet, named for overlap errors. */
  subnets(): UsedRange[] {
    return this.all().filter((n) => n.subnet).map((n) => ({ cidr: parseCidr(n.subnet!), what: `network ${n.name} (${n.subnet})` }));
  }

  byName(name: string): NetworkRecord | undefined {
    return this.all().find((n) => n.name === name);
  }

  /** By name, full id or unique id prefix, like docker. */
  find(nameOrId: string): NetworkRecord {
    const exact = this.byName(nameOrId) ?? this.nets.get(nameOrId);
    if (exact) return exact;
    const prefixed = nameOrId.length > 0 ? this.all().filter((n) => n.id.startsWith(nameOrId)) : [];
    if (prefixed.length === 1) return prefixed[0];
    if (prefixed.length > 1) throw invalidArgument(`network ${nameOrId} is ambiguous (${prefixed.length} matches found based on id prefix)`);
    throw new NetworkNotFound(nameOrId);
  }

  async save(net: NetworkRecord): Promise<void> {
    await writeJsonAtomic(this.file(net), net);
    this.nets.set(net.id, net);
  }

  async delete(net: NetworkRecord): Promise<void> {
    await fsp.rm(this.file(net), { force: true });
    this.nets.delete(net.id);
  }

  private file(net: NetworkRecord): string {
    return path.join(this.dir, `${net.id}.json`);
  }
}

export function newRecord(r: NewRecord): NetworkRecord {
  return { ...r, id: r.id ?? randomHex(64), created: new Date().toISOString(), labels: r.labels ?? {}, endpoints: {} };
}
