// Network policies (Kubernetes NetworkPolicy on minidock networks): the engine keeps them
// (policies.json under the engine's root, written atomically, loaded before the network
// service rebuilds its rules) and hands them, with every container's labels, to the network
// service, which enforces them in nftables (src/network/policy). A policy is known by
// `namespace/name`; `namespace` is the network it lives in.
import path from 'node:path';
import { invalidArgument, PolicyNotFound } from '../errors.js';
import { parsePolicy, policyNetworksOf, selectedAddresses, type LabelSelector, type NetworkPolicy } from '../network/index.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { Mutex } from '../state/mutex.js';
import type { PolicyApplyResult, PolicyDetail, PolicySummary } from '../wire/policies.js';
import type { EngineCore } from './core.js';

const keyOf = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;

/** kubectl's rendering of a selector: `app=web,tier in (a,b),!x`; empty = `<none>`. */
export function selectorText(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of sel.matchExpressions) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${r.values.join(',')})`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

const summary = (p: NetworkPolicy): PolicySummary => ({
  Name: p.name, Namespace: p.namespace, PodSelector: selectorText(p.podSelector), PolicyTypes: p.policyTypes, Created: p.created,
});

/** The same policy apart from when it was applied. */
const sameSpec = (a: NetworkPolicy, b: NetworkPolicy) => JSON.stringify({ ...a, created: '' }) === JSON.stringify({ ...b, created: '' });

export class Policies {
  private list: NetworkPolicy[] = [];
  private readonly mutex = new Mutex();
  private readonly file: string;

  constructor(private readonly core: EngineCore) {
    this.file = path.join(core.paths.root, 'policies.json');
    core.services.network.setPolicySource({
      policies: () => this.list,
      labels: (id) => core.store.maybe(id)?.Config.Labels ?? undefined,
    });
  }

  /** Before the network service's init, which renders the policy table from them. */
  async load(): Promise<void> {
    const saved = await readJson<NetworkPolicy[]>(this.file);
    if (saved !== undefined && !Array.isArray(saved)) throw invalidArgument(`${this.file}: not a list of network policies`);
    this.list = saved ?? [];
  }

  /** Checks every document first (a bad one applies none), then adds or replaces each by namespace/name. */
  apply(docs: unknown[]): Promise<PolicyApplyResult[]> {
    if (!Array.isArray(docs) || docs.length === 0) throw invalidArgument('network policy: no document given');
    return this.mutex.run(async () => {
      const now = new Date().toISOString();
      const parsed = docs.map((d, i) => {
        try { return parsePolicy(d, now); } catch (err) {
          if (docs.length > 1 && err instanceof Error) err.message = `document ${i + 1}: ${err.message}`;
          throw err;
        }
      });
      for (const p of parsed) await this.core.services.network.get(p.namespace);
      const next = [...this.list];
      const results: PolicyApplyResult[] = [];
      for (const p of parsed) {
        const i = next.findIndex((x) => keyOf(x) === keyOf(p));
        const result = i < 0 ? 'created' : sameSpec(next[i]!, p) ? 'unchanged' : 'configured';
        if (i < 0) next.push(p);
        else if (result === 'configured') next[i] = p;
        results.push({ Name: p.name, Namespace: p.namespace, Result: result });
      }
      await this.commit(next);
      return results;
    });
  }

  async ls(): Promise<PolicySummary[]> {
    return this.list.map(summary);
  }

  async inspect(ref: string): Promise<PolicyDetail> {
    const p = this.find(ref);
    const nets = policyNetworksOf(await this.core.services.network.list());
    return { ...summary(p), Selected: selectedAddresses(p, nets, (id) => this.core.store.maybe(id)?.Config.Labels ?? undefined), Source: p.source };
  }

  remove(ref: string): Promise<void> {
    return this.mutex.run(async () => {
      const p = this.find(ref);
      await this.commit(this.list.filter((x) => x !== p));
    });
  }

  /** `name` (unique across networks) or `namespace/name`. */
  private find(ref: string): NetworkPolicy {
    const byKey = this.list.find((p) => keyOf(p) === ref);
    if (byKey) return byKey;
    const byName = this.list.filter((p) => p.name === ref);
    if (byName.length > 1) throw invalidArgument(`network policy ${ref} is ambiguous: give one of ${byName.map(keyOf).join(', ')}`);
    if (!byName[0]) throw new PolicyNotFound(ref);
    return byName[0];
  }

  /** Enforces `next`; only once the kernel has it is it kept (a failure leaves the previous set in force). */
  private async commit(next: NetworkPolicy[]): Promise<void> {
    const prev = this.list;
    this.list = next;
    try {
      await this.core.services.network.refreshPolicies();
    } catch (err) {
      this.list = prev;
      throw err;
    }
    await writeJsonAtomic(this.file, next);
  }
}
