// argv builders for `ip` (pure). A netns is always addressed as /proc/<pid>/ns/net of the
// container's PID 1, entered with nsenter; nothing is bind-mounted, so the netns and the
// container end of a veth vanish with the container.

export type Argv = [cmd: string, args: string[]];

export const inNetns = (pid: number, cmd: string, args: string[]): Argv => ['nsenter', [`--net=/proc/${pid}/ns/net`, '--', cmd, ...args]];

/**
 * A bridge without a fixed MAC takes the lowest MAC of its ports and changes it as ports come
 * and go, which leaves stale ARP entries for the gateway in containers; so the MAC is fixed.
 */
export function createBridge(bridge: string, gateway: string, prefixLen: number, mac: string): Argv[] {
  return [
    ['ip', ['link', 'add', 'name', bridge, 'type', 'bridge']],
    ['ip', ['link', 'set', bridge, 'address', mac]],
    ['ip', ['addr', 'add', `${gateway}/${prefixLen}`, 'dev', bridge]],
    ['ip', ['link', 'set', bridge, 'up']],
  ];
}

export const deleteLink = (name: string): Argv => ['ip', ['link', 'del', name]];

export function loopbackUp(pid: number): Argv[] {
  return [inNetns(pid, 'ip', ['link', 'set', 'lo', 'up'])];
}

/** Host end on the bridge; peer created directly inside the container netns with its final name and MAC. */
export function attachEndpoint(o: { pid: number; bridge: string; hostVeth: string; ifName: string; mac: string; ip: string; prefixLen: number; gateway: string; defaultRoute: boolean }): Argv[] {
  const cmds: Argv[] = [
    ['ip', ['link', 'add', 'name', o.hostVeth, 'type', 'veth', 'peer', 'name', o.ifName, 'address', o.mac, 'netns', String(o.pid)]],
    ['ip', ['link', 'set', o.hostVeth, 'master', o.bridge]],
    // Hairpin lets a container reach its own published port through the host's address.
    ['ip', ['link', 'set', o.hostVeth, 'type', 'bridge_slave', 'hairpin', 'on']],
    ['ip', ['link', 'set', o.hostVeth, 'up']],
    inNetns(o.pid, 'ip', ['addr', 'add', `${o.ip}/${o.prefixLen}`, 'dev', o.ifName]),
    inNetns(o.pid, 'ip', ['link', 'set', o.ifName, 'up']),
    inNetns(o.pid, 'ip', ['link', 'set', 'lo', 'up']),
  ];
  if (o.defaultRoute) cmds.push(inNetns(o.pid, 'ip', ['route', 'add', 'default', 'via', o.gateway, 'dev', o.ifName]));
  return cmds;
}
