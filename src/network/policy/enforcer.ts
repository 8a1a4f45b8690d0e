// Keeps the kernel's policy table in step with the policies and the network records: the
// network service calls refresh() after every endpoint change (under its mutex) and the
// engine after a policy or label change. The script is rendered whole and applied in one
// `nft -f` transaction; an unchanged script is not applied again.
import { MinidockError } from '../../errors.js';
import type { HostOs } from '../os.js';
import type { NetworkRecord } from '../types.js';
import { policyNetworksOf, renderPolicies } from './render.js';
import type { PolicySource } from './types.js';

/** br_netfilter's switch: without it, traffic between two containers on one bridge never meets the forward hook. */
export const BRIDGE_NF_SYSCTL = 'net/bridge/bridge-nf-call-iptables';

export class PolicyEnforcer {
  private source?: PolicySource;
  private applied?: string;
  /** br_netfilter's value before policies needed it on, put back when the last policy goes. */
  private bridgeNfBefore?: string;

  constructor(private readonly engineTable: string, private readonly os: HostOs) {}

  setSource(source: PolicySource): void {
    this.source = source;
    this.applied = undefined;
  }

  /** Renders and applies the policy table for these networks; without a source there are no policies. */
  async refresh(nets: readonly NetworkRecord[]): Promise<void> {
    const policies = this.source?.policies() ?? [];
    const script = renderPolicies(this.engineTable, policies, policyNetworksOf(nets), this.source?.labels ?? (() => undefined));
    if (script === this.applied) return;
    if (policies.length && this.bridgeNfBefore === undefined) {
      try {
        let before = await this.os.readSysctl(BRIDGE_NF_SYSCTL);
        if (before === undefined) {
          // the module is not loaded (a fresh Debian): load it, as dockerd does; until now bridged
          // traffic met no netfilter hook, so '0' is what is put back when the last policy goes
          await this.os.run('modprobe', ['br_netfilter']);
          before = '0';
        }
        if (before !== '1') await this.os.sysctl(BRIDGE_NF_SYSCTL, '1');
        this.bridgeNfBefore = before;
      } catch (err) {
        throw new MinidockError('Internal', `network policies need br_netfilter (${BRIDGE_NF_SYSCTL}): ${(err as Error).message}`, { status: 500 });
      }
    }
    this.applied = undefined;
    await this.os.run('nft', ['-f', '-'], { input: script });
    this.applied = script;
    if (!policies.length && this.bridgeNfBefore !== undefined) {
      // the host's setting as found: only policies needed bridged traffic to meet the forward hook
      if (this.bridgeNfBefore !== '1') await this.os.sysctl(BRIDGE_NF_SYSCTL, this.bridgeNfBefore);
      this.bridgeNfBefore = undefined;
    }
  }
}
