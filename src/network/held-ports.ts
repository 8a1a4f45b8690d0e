// The host ports each container publishes, held bound by the engine (port-holder.ts) from
// reservePorts until the endpoint that publishes them goes. Releases close every socket and
// return the errors met.
import { holdPorts, type HeldPort } from './port-holder.js';
import type { PortMapping } from './types.js';

const samePort = (a: PortMapping, b: PortMapping) => a.hostIp === b.hostIp && a.hostPort === b.hostPort && a.proto === b.proto;

async function closeAll(held: HeldPort[]): Promise<unknown[]> {
  const results = await Promise.allSettled(held.map((h) => h.close()));
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
}

export class HeldPorts {
  /** containerId -> sockets holding its published ports. */
  private readonly held = new Map<string, HeldPort[]>();

  /** Binds the ports (port 0 gets an ephemeral one; PortInUse otherwise); returns the real mappings. */
  async reserve(containerId: string, ports: PortMapping[]): Promise<PortMapping[]> {
    if (ports.length === 0) return [];
    const held = await holdPorts(ports);
    this.held.set(containerId, [...(this.held.get(containerId) ?? []), ...held]);
    return held.map((h) => ({ ...h.mapping }));
  }

  has(containerId: string): boolean {
    return this.held.has(containerId);
  }

  /** Stops holding the container's ports (only those in `only` when given). */
  async release(containerId: string, only?: PortMapping[]): Promise<unknown[]> {
    const held = this.held.get(containerId) ?? [];
    const drop = only ? held.filter((h) => only.some((p) => samePort(p, h.mapping))) : held;
    const keep = held.filter((h) => !drop.includes(h));
    if (keep.length) this.held.set(containerId, keep); else this.held.delete(containerId);
    return closeAll(drop);
  }

  async releaseAll(): Promise<unknown[]> {
    const all = [...this.held.values()].flat();
    this.held.clear();
    return closeAll(all);
  }
}
