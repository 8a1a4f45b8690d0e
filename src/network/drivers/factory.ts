// Picks a driver by name. Drivers are made once per service (the bridge driver remembers
// which bridges it already set up), and all of them share one OS boundary.
import { invalidArgument } from '../../errors.js';
import type { HostOs } from '../os.js';
import { BridgeDriver } from './bridge.js';
import { HostDriver } from './host.js';
import { NullDriver } from './null.js';
import type { DriverName, NetworkDriver } from './driver.js';

/** Docker's driver names; `none` is the null driver's network name, accepted as a driver name too. */
export function driverName(name: string): DriverName {
  switch (name) {
    case 'bridge': return 'bridge';
    case 'host': return 'host';
    case 'null': case 'none': return 'null';
    default: throw invalidArgument(`plugin "${name}" not found`);
  }
}

export function createDriver(name: string, os: HostOs): NetworkDriver {
  switch (driverName(name)) {
    case 'bridge': return new BridgeDriver(os);
    case 'host': return new HostDriver();
    case 'null': return new NullDriver(os);
  }
}

/** One instance of each driver, made on first use. */
export class Drivers {
  private readonly made = new Map<DriverName, NetworkDriver>();
  constructor(private readonly os: HostOs) {}

  get(name: string): NetworkDriver {
    const key = driverName(name);
    let d = this.made.get(key);
    if (!d) this.made.set(key, (d = createDriver(key, this.os)));
    return d;
  }
}
