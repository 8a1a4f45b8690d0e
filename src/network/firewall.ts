// Runs nft scripts for minidock's table. Additions go in one atomic batch; removals are
// tried as one batch and, if that fails (something already gone), statement by statement
// so every remaining piece is still removed and only real failures are reported.
import { run } from '../util/exec.js';
import * as nft from './nft.js';
import { ensureBridgeAccepted, removeBridgeAccepted } from './iptables.js';

const gone = (err: unknown) => /No such file or directory|does not exist/i.test(String((err as { stderr?: string }).stderr ?? err));

/** How long a passed dockerd-coexistence check of a bridge is trusted (one iptables spawn, ~20 ms). */
export const RECHECK_TTL_MS = 10_000;

export class Firewall {
  /** bridge -> when its iptables accept rules were last found or made present. */
  private readonly checked = new Map<string, number>();

  constructor(readonly table: string, private readonly now: () => number = Date.now) {}

  async apply(script: string): Promise<void> {
    if (script.trim()) await run('nft', ['-f', '-'], { input: script });
  }

  async remove(statements: string[]): Promise<unknown[]> {
    if (statements.length === 0) return [];
    try {
      await this.apply(statements.join('\n') + '\n');
      return [];
    } catch {
      const errors: unknown[] = [];
      for (const s of statements) {
        try { await this.apply(s + '\n'); } catch (err) { if (!gone(err)) errors.push(err); }
      }
      return errors;
    }
  }

  rebuild(nets: nft.FwNetwork[], ports: nft.FwPort[]): Promise<void> {
    return this.apply(nft.rebuild(this.table, nets, ports));
  }

  async addNetwork(net: nft.FwNetwork): Promise<void> {
    await this.apply(nft.addNetwork(this.table, net));
    await this.ensureAccepted(net);
  }

  /**
   * Re-checks the dockerd coexistence rules (dockerd may have started after us); a check
   * that passed less than RECHECK_TTL_MS ago is trusted, so back-to-back starts pay it once.
   */
  async recheckNetwork(net: nft.FwNetwork): Promise<void> {
    const last = this.checked.get(net.bridge);
    if (last !== undefined && this.now() - last < RECHECK_TTL_MS) return;
    await this.ensureAccepted(net);
  }

  private async ensureAccepted(net: nft.FwNetwork): Promise<void> {
    this.checked.delete(net.bridge);
    await ensureBridgeAccepted(net.bridge, net.name);
    this.checked.set(net.bridge, this.now());
  }

  async removeNetwork(net: nft.FwNetwork): Promise<unknown[]> {
    this.checked.delete(net.bridge);
    return [...(await this.remove(nft.removeNetwork(this.table, net))), ...(await removeBridgeAccepted(net.bridge, net.name))];
  }

  addPorts(ports: nft.FwPort[]): Promise<void> {
    return this.apply(nft.addPorts(this.table, ports));
  }

  removePorts(ports: nft.FwPort[]): Promise<unknown[]> {
    return this.remove(nft.removePorts(this.table, ports));
  }

  /** Deletes the whole table (only for tests and full uninstall). */
  async destroy(): Promise<void> {
    await this.apply(`add table ip ${this.table}\ndelete table ip ${this.table}\n`);
  }
}
