// The driver interface: validate a network's options, set up / tear down the network
// itself, and set up / tear down one endpoint in a netns. A factory picks by name.
import { invalidArgument } from '../../errors.js';
import { BridgeDriver } from './bridge.js';
import { HostDriver } from './host.js';
import { NullDriver } from './null.js';

export interface DriverNetwork { name: string; bridge?: string; subnet?: string; gateway?: string; internal: boolean }

export interface DriverEndpoint {
  pid: number;
  ifName: string;
  hostVeth: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  defaultRoute: boolean;
}

export interface NetworkDriver {
  readonly name: 'bridge' | 'host' | 'null';
  /** Throws InvalidArgument for options this driver cannot honour. */
  validate(opts: { subnet?: string; gateway?: string; internal?: boolean }): void;
  setupNetwork(net: DriverNetwork): Promise<void>;
  teardownNetwork(net: DriverNetwork): Promise<unknown[]>;
  setupEndpoint(net: DriverNetwork, ep: DriverEndpoint): Promise<void>;
  teardownEndpoint(net: DriverNetwork, ep: DriverEndpoint): Promise<unknown[]>;
}

export function driverFor(name: string): NetworkDriver {
  switch (name) {
    case 'bridge': return new BridgeDriver();
    case 'host': return new HostDriver();
    case 'null': case 'none': return new NullDriver();
    default: throw invalidArgument(`plugin "${name}" not found`);
  }
}
