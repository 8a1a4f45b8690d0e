// The firewall driver (netavark's src/firewall: setup_network / teardown_network /
// setup_port_forward / teardown_port_forward, here addNetwork / removeNetwork / addPorts /
// removePorts) over nftables, plus the dockerd-coexistence rules of iptables.ts.
// Everything lives in minidock's own table; additions go in one atomic batch; removals are
// tried as one batch and, if that fails (something already gone), statement by statement
// so every remaining piece is still removed and only real failures are reported.
import { run } from '../util/exec.js';
import * as nft from './nft.js';
import { ensureBridgeAccepted, removeBridgeAccepted } from './iptables.js';
import type { Runner } from './os.js';

/** An exact delete of something that is not there (any more): nothing left to undo. */
const gone = (err: unknown) => /No such file or directory|does not exist/i.test(String((err as { stderr?: string }).stderr ?? err));

/** How long a passed dockerd-coexistence check of a bridge is trusted (one iptables spawn, ~20 ms). */
export const RECHECK_TTL_MS = 10_000;

export class Firewall {
  /** bridge -> when its iptables accept rules were last found or made present. */
  private readonly checked = new Map<string, number>();

  constructor(readonly table: string, private readonly now: () => number = Date.now, private readonly runner: Runner = run) {}

  async apply(script: string): Promise<void> {
    if (script.trim()) await this.runner('nft', ['-f', '-'], { input: script });
  }

  async remove(statements: string[]): Promise<unknown[]> {
    if (statements.length === 0) return [];
    try {
      await this.apply(statements.join('\n') + '\n');
      return [];
    } catch {
      // The batch is all-or-nothing: retry each statement alone to learn which ones really fail.
      const errors: unknown[] = [];
      for (const s of statements) {
        try { await this.apply(s + '\n'); } catch (err) { if (!gone(err)) errors.push(err); }
      }
      return errors;
    }
  }

  /** Our table rebuilt from state in one transaction (engine start). */
  rebuild(nets: nft.FwNetwork[], ports: nft.FwPort[]): Promise<void> {
    return this.apply(nft.rebuild(this.table, nets, ports));
  }

  /** Idempotent: the network's own chains are emptied and refilled in the same batch. */
  async addNetwork(net: nft.FwNetwork): Promise<void> {
    await this.apply(nft.resetNetworkChains(this.table, net) + nft.addNetwork(this.table, net));
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
    await ensureBridgeAccepted(net.bridge, net.name, this.runner);
    this.checked.set(net.bridge, this.now());
  }

  /** Exact deletes of the network's map elements and chains, then its iptables rules; every error is returned. */
  async removeNetwork(net: nft.FwNetwork): Promise<unknown[]> {
    this.checked.delete(net.bridge);
    return [...(await this.remove(nft.removeNetwork(this.table, net))), ...(await removeBridgeAccepted(net.bridge, net.name, this.runner))];
  }

  /** Adding an element that is already there with the same value is a no-op for nft. */
  addPorts(ports: nft.FwPort[]): Promise<void> {
    return this.apply(nft.addPorts(this.table, ports));
  }

  removePorts(ports: nft.FwPort[]): Promise<unknown[]> {
    return this.remove(nft.removePorts(this.table, ports));
  }
}
