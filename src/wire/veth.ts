// A container's veth endpoint on a bridge, as the bridge driver wants it made: the pair with
// its host end on the bridge and its peer (final name, MAC, address, default route) inside the
// netns of `pid`. Either the driver's `ip -batch` runs make it (network/drivers/commands.ts),
// or a VethPlumber that needs no process spawn: the container's shim during its start
// handshake (its line codec: runtime/spec.ts vethLine; the reader: shim/netlink.c).

export interface VethPlan {
  /** The netns is /proc/<pid>/ns/net. */
  pid: number;
  bridge: string;
  hostVeth: string;
  ifName: string;
  mac: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  defaultRoute: boolean;
}

export type VethPlumber = (plan: VethPlan) => Promise<void>;
