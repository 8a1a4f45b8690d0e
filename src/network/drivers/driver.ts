// The driver interface (netavark's src/network/driver.rs: validate / setup / teardown, split
// here into the network and one endpoint of it, since a network and its DNS server live
// without endpoints). Drivers own their `ip` work; they take a netns (the pid whose
// /proc/<pid>/ns/net it is) and addresses, never a container. Teardown goes on past
// failures and returns every error met. The factory lives in ./factory.ts.
import type { Endpoint } from '../types.js';
import type { VethPlumber } from '../../wire/veth.js';

export type DriverName = 'bridge' | 'host' | 'null';

export interface DriverNetwork { name: string; bridge?: string; subnet?: string; gateway?: string; internal: boolean }

/** What a driver needs of an endpoint: its addresses (as the Endpoint carries them) and the netns. */
export type DriverEndpoint = Pick<Endpoint, 'ifName' | 'hostVeth' | 'ip' | 'prefixLen' | 'gateway' | 'mac'> & {
  /** The netns is /proc/<pid>/ns/net. */
  pid: number;
  /** 'if-missing': only when the netns has no default route yet (a second network of a running container). */
  defaultRoute: 'always' | 'if-missing' | 'never';
  /** Makes the veth without spawning `ip` (the container's shim at its start); the bridge driver's own `ip` runs otherwise. */
  plumber?: VethPlumber;
};

/** An endpoint that is only a netns (loopback up): `none`, and every new netns. */
export function bareEndpoint(pid: number): DriverEndpoint {
  return { pid, ifName: 'lo', hostVeth: '', ip: '', prefixLen: 0, gateway: '', mac: '', defaultRoute: 'never' };
}

export interface NetworkDriver {
  readonly name: DriverName;
  /** Throws InvalidArgument for options this driver cannot honour. */
  validate(opts: { subnet?: string; gateway?: string; internal?: boolean }): void;
  /** Idempotent and cheap when nothing is missing. */
  setupNetwork(net: DriverNetwork): Promise<void>;
  teardownNetwork(net: DriverNetwork): Promise<unknown[]>;
  setupEndpoint(net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  teardownEndpoint(net: DriverNetwork, ep: DriverEndpoint): Promise<unknown[]>;
}
