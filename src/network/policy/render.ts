// Network policies as one nftables table of their own (`table ip <engine table>_policy`),
// rendered whole from state and swapped in one transaction (`add; delete; table {...}`), so
// every change (a container started, stopped, relabelled, a policy applied) is atomic.
// Its forward base chain runs just before minidock's (priority filter - 1) and consults two
// verdict maps keyed by address: only addresses some policy selects jump anywhere, so a
// container no policy selects costs one map lookup per direction and meets no rule. A
// selected address jumps to `egress`/`ingress`: replies of accepted connections pass, then
// one rule per (policy, rule, peer, port) returns when it allows, and the chain ends in drop.
// Allowed traffic returns rather than accepts, so both directions are checked and
// minidock's own table (network isolation, published ports) still decides afterwards.
// Traffic between a container and its host (the gateway, the embedded DNS) never crosses
// forward: as in Kubernetes, the node's traffic is always allowed.
import type { NetworkRecord } from '../types.js';
import { selectorMatches, networkLabels } from './select.js';
import type { ContainerLabels, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule } from './types.js';

/** What rendering needs of a network: its name, labels and the address of each container on it. */
export interface PolicyNetwork { name: string; labels: Record<string, string>; members: { containerId: string; ip: string }[] }

/**
 * The bridge and CNI networks' records as rendering sees them (a CNI network's traffic is
 * forwarded by the host too, so the same table holds it); an endpoint without an address yet
 * (a CNI ADD under way) is no member.
 */
export function policyNetworksOf(nets: readonly NetworkRecord[]): PolicyNetwork[] {
  return nets.filter((n) => n.driver === 'bridge' || n.driver === 'cni').map((n) => ({
    name: n.name, labels: n.labels, members: Object.values(n.endpoints).filter((e) => e.ip).map((e) => ({ containerId: e.containerId, ip: e.ip })),
  }));
}

export const policyTable = (engineTable: string) => `${engineTable}_policy`;

const q = (s: string) => `"${s.replace(/["\\\n]/g, '')}"`;

interface World { nets: PolicyNetwork[]; labels: ContainerLabels; addrs: Map<string, string[]> }

function world(nets: PolicyNetwork[], labels: ContainerLabels): World {
  const addrs = new Map<string, string[]>();
  for (const n of nets) for (const m of n.members) addrs.set(m.containerId, [...(addrs.get(m.containerId) ?? []), m.ip]);
  return { nets, labels, addrs };
}

/** Every address of the containers on `nets` whose labels match (null = any container). */
function addressesOf(w: World, nets: PolicyNetwork[], sel: NetworkPolicy['podSelector'] | null): string[] {
  const out = new Set<string>();
  for (const n of nets) {
    for (const m of n.members) {
      if (sel && !selectorMatches(sel, w.labels(m.containerId) ?? {})) continue;
      for (const ip of w.addrs.get(m.containerId) ?? []) out.add(ip);
    }
  }
  return [...out].sort();
}

/** The containers a policy applies to: on its network, labels matching its podSelector. */
export function selectedAddresses(p: NetworkPolicy, nets: PolicyNetwork[], labels: ContainerLabels): string[] {
  const w = world(nets, labels);
  return addressesOf(w, nets.filter((n) => n.name === p.namespace), p.podSelector);
}

function peerAddresses(w: World, p: NetworkPolicy, peer: Extract<PolicyPeer, { kind: 'selector' }>): string[] {
  const nets = peer.namespaceSelector
    ? w.nets.filter((n) => selectorMatches(peer.namespaceSelector!, networkLabels(n)))
    : w.nets.filter((n) => n.name === p.namespace);
  return addressesOf(w, nets, peer.podSelector);
}

const portMatch = (pt: PolicyPort) => {
  const proto = `meta l4proto ${pt.protocol.toLowerCase()}`;
  if (pt.port === undefined) return proto;
  return `${proto} th dport ${pt.endPort !== undefined && pt.endPort !== pt.port ? `${pt.port}-${pt.endPort}` : pt.port}`;
};

interface Rendered { sets: string[]; ingress: string[]; egress: string[]; ingressSel: Set<string>; egressSel: Set<string> }

function set(name: string, addrs: string[], comment: string): string {
  return [`  set ${name} {`, `    type ipv4_addr; comment ${q(comment)}`, ...(addrs.length ? [`    elements = { ${addrs.join(', ')} }`] : []), `  }`].join('\n');
}

function renderRules(w: World, p: NetworkPolicy, i: number, dir: 'in' | 'eg', rules: PolicyRule[], out: Rendered): string[] {
  const self = dir === 'in' ? 'daddr' : 'saddr';
  const peerSide = dir === 'in' ? 'saddr' : 'daddr';
  const tag = q(`minidock:policy ${p.namespace}/${p.name}`);
  const lines: string[] = [];
  rules.forEach((r, ri) => {
    const peers: string[] = [];
    if (r.peers === null) peers.push('');
    else {
      r.peers.forEach((peer, k) => {
        if (peer.kind === 'ipBlock') {
          const except = peer.ipBlock.except.length ? ` ip ${peerSide} != { ${peer.ipBlock.except.join(', ')} }` : '';
          peers.push(` ip ${peerSide} ${peer.ipBlock.cidr}${except}`);
        } else {
          const name = `p${i}_${dir}${ri}_${k}`;
          out.sets.push(set(name, peerAddresses(w, p, peer), `${p.namespace}/${p.name} ${dir === 'in' ? 'ingress' : 'egress'}[${ri}] peer ${k}`));
          peers.push(` ip ${peerSide} @${name}`);
        }
      });
    }
    const ports = r.ports.length ? r.ports.map((pt) => ` ${portMatch(pt)}`) : [''];
    for (const peer of peers) for (const port of ports) lines.push(`    ip ${self} @p${i}_sel${peer}${port} return comment ${tag}`);
  });
  return lines;
}

/** The whole policy table for these policies and networks; with no policy, a script removing it. */
export function renderPolicies(engineTable: string, policies: readonly NetworkPolicy[], nets: PolicyNetwork[], labels: ContainerLabels): string {
  const table = policyTable(engineTable);
  const drop = `add table ip ${table}\ndelete table ip ${table}\n`;
  if (policies.length === 0) return drop;
  const w = world(nets, labels);
  const out: Rendered = { sets: [], ingress: [], egress: [], ingressSel: new Set(), egressSel: new Set() };
  policies.forEach((p, i) => {
    const selected = addressesOf(w, nets.filter((n) => n.name === p.namespace), p.podSelector);
    out.sets.push(set(`p${i}_sel`, selected, `${p.namespace}/${p.name} selects`));
    if (p.policyTypes.includes('Ingress')) {
      for (const a of selected) out.ingressSel.add(a);
      out.ingress.push(...renderRules(w, p, i, 'in', p.ingress, out));
    }
    if (p.policyTypes.includes('Egress')) {
      for (const a of selected) out.egressSel.add(a);
      out.egress.push(...renderRules(w, p, i, 'eg', p.egress, out));
    }
  });
  const vmap = (name: string, addrs: Set<string>, target: string) => [
    `  map ${name} {`, `    type ipv4_addr : verdict;`,
    ...(addrs.size ? [`    elements = { ${[...addrs].sort().map((a) => `${a} : jump ${target}`).join(', ')} }`] : []), `  }`,
  ].join('\n');
  return drop + [
    `table ip ${table} {`,
    ...out.sets,
    vmap('egress_sel', out.egressSel, 'egress'),
    vmap('ingress_sel', out.ingressSel, 'ingress'),
    `  chain egress {`,
    `    ct state established,related accept`,
    ...out.egress,
    `    drop comment "minidock:no network policy allows this egress"`,
    `  }`,
    `  chain ingress {`,
    `    ct state established,related accept`,
    ...out.ingress,
    `    drop comment "minidock:no network policy allows this ingress"`,
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter - 1; policy accept;`,
    `    ip saddr vmap @egress_sel`,
    `    ip daddr vmap @ingress_sel`,
    `  }`,
    `}`,
  ].join('\n') + '\n';
}
