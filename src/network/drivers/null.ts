// null (`none`): the container keeps its own netns with only loopback up.
import { invalidArgument } from '../../errors.js';
import type { HostOs } from '../os.js';
import { loopbackUp } from './commands.js';
import type { DriverEndpoint, NetworkDriver } from './driver.js';

export class NullDriver implements NetworkDriver {
  readonly name = 'null' as const;
  constructor(private readonly os: HostOs) {}
  validate(opts: { subnet?: string }): void {
    if (opts.subnet) throw invalidArgument(`the null driver takes no subnet: ${opts.subnet}`);
  }
  async setupNetwork(): Promise<void> {}
  async teardownNetwork(): Promise<unknown[]> { return []; }
  async setupEndpoint(_net: unknown, ep: DriverEndpoint): Promise<void> {
    for (const [cmd, args] of loopbackUp(ep.pid)) await this.os.run(cmd, args);
  }
  /** lo goes with the netns. */
  async teardownEndpoint(): Promise<unknown[]> { return []; }
}
