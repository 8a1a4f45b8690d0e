// host: the container shares the host netns (the runtime does that); nothing to set up.
import { invalidArgument } from '../../errors.js';
import type { NetworkDriver } from './driver.js';

export class HostDriver implements NetworkDriver {
  readonly name = 'host' as const;
  validate(opts: { subnet?: string }): void {
    if (opts.subnet) throw invalidArgument(`the host driver takes no subnet: ${opts.subnet}`);
  }
  async setupNetwork(): Promise<void> {}
  async teardownNetwork(): Promise<unknown[]> { return []; }
  async setupEndpoint(): Promise<void> {
    throw invalidArgument('container cannot be connected to the host network after creation (use --network host)');
  }
  async teardownEndpoint(): Promise<unknown[]> { return []; }
}
