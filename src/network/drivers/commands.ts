// argv builders for `ip` (pure). A netns is always addressed as /proc/<pid>/ns/net of the
// container's PID 1, entered with nsenter; nothing is bind-mounted, so the netns and the
// container end of a veth vanish with the container. Every process spawn costs 5-15 ms,
// so multi-step work is sent as one `ip -batch -` script per namespace.

import type { VethPlan } from '../../wire/veth.js';

export type Argv = [cmd: string, args: string[]];

/** One command fed a script on stdin (`ip -batch -`). */
export interface Batch { argv: Argv; input: string }

export const inNetns = (pid: number, cmd: string, args: string[]): Argv => ['nsenter', [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args]];

/** `ip -batch -` in the host netns, or inside the netns of `pid`. */
export function ipBatch(lines: string[][], pid?: number): Batch {
  const args = ['-batch', '-'];
  return { argv: pid === undefined ? ['ip', args] : inNetns(pid, 'ip', args), input: lines.map((l) => l.join(' ')).join('\n') + '\n' };
}

/**
 * A bridge without a fixed MAC takes the lowest MAC of its ports and changes it as ports come
 * and go, which leaves stale ARP entries for the gateway in containers; so the MAC is fixed.
 * `addr replace` makes re-running on an existing bridge (after a restart) a no-op.
 */
export function createBridge(bridge: string, gateway: string, prefixLen: number, mac: string, exists = false): Batch {
  return ipBatch([
    ...(exists ? [] : [['link', 'add', 'name', bridge, 'type', 'bridge']]),
    ['link', 'set', bridge, 'address', mac],
    ['addr', 'replace', `${gateway}/${prefixLen}`, 'dev', bridge],
    ['link', 'set', bridge, 'up'],
  ]);
}

export const deleteLink = (name: string): Argv => ['ip', ['link', 'del', name]];

export function loopbackUp(pid: number): Argv[] {
  return [inNetns(pid, 'ip', ['link', 'set', 'lo', 'up'])];
}

/**
 * Two batches: the host one creates the pair with the peer directly inside the container
 * netns (final name and MAC) and plugs the host end into the bridge; the netns one (run
 * after it) addresses the peer, brings it and lo up and adds the default route if asked.
 */
export function attachEndpoint(o: VethPlan): { host: Batch; netns: Batch } {
  const host = ipBatch([
    ['link', 'add', 'name', o.hostVeth, 'type', 'veth', 'peer', 'name', o.ifName, 'address', o.mac, 'netns', String(o.pid)],
    ['link', 'set', o.hostVeth, 'master', o.bridge],
    // Hairpin lets a container reach its own published port through the host's address.
    ['link', 'set', o.hostVeth, 'type', 'bridge_slave', 'hairpin', 'on'],
    ['link', 'set', o.hostVeth, 'up'],
  ]);
  const inside = [
    // `brd +` derives the broadcast address, as Docker's addresses have one.
    ['addr', 'add', `${o.ip}/${o.prefixLen}`, 'brd', '+', 'dev', o.ifName],
    ['link', 'set', o.ifName, 'up'],
    ['link', 'set', 'lo', 'up'],
  ];
  if (o.defaultRoute) inside.push(['route', 'add', 'default', 'via', o.gateway, 'dev', o.ifName]);
  return { host, netns: ipBatch(inside, o.pid) };
}

/** Lists the default routes inside the netns of `pid` (read with hasRoutes). */
export const showDefaultRoute = (pid: number): Argv => inNetns(pid, 'ip', ['-j', '-4', 'route', 'show', 'default']);

/** Whether `ip -j route` output lists any route. */
export function hasRoutes(json: string): boolean {
  const out = json.trim();
  return out !== '' && (JSON.parse(out) as unknown[]).length > 0;
}
