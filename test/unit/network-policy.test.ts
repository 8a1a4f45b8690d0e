// Network policies, pure parts: the Kubernetes document checks and defaults, label selector
// matching, the rendered nft table (who is selected, what each rule allows) and the enforcer
// over a recording fake of the OS.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/network/policy/parse.js';
import { selectorMatches, networkLabels } from '../../src/network/policy/select.js';
import { renderPolicies, selectedAddresses, type PolicyNetwork } from '../../src/network/policy/render.js';
import { PolicyEnforcer, BRIDGE_NF_SYSCTL } from '../../src/network/policy/enforcer.js';
import { decodeDocuments } from '../../src/cli/commands/policy.js';
import { selectorText } from '../../src/engine/policies.js';
import type { NetworkRecord } from '../../src/network/types.js';
import { FakeOs } from './network-fake-os.js';

const doc = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'np' }) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec });
const parse = (spec: Record<string, unknown>, metadata?: Record<string, unknown>) => parsePolicy(doc(spec, metadata), 't');

describe('parsePolicy', () => {
  it('applies Kubernetes defaults: namespace default is the bridge network, TCP, policyTypes', () => {
    const p = parse({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    expect(p.namespace).toBe('bridge');
    expect(p.policyTypes).toEqual(['Ingress']);
    expect(p.ingress).toEqual([{ peers: null, ports: [{ protocol: 'TCP', port: 80 }] }]);
    expect(parse({ podSelector: {}, egress: [] }).policyTypes).toEqual(['Ingress', 'Egress']);
    expect(parse({ podSelector: {}, policyTypes: ['Egress'] }, { name: 'x', namespace: 'restricted' })).toMatchObject({ namespace: 'restricted', policyTypes: ['Egress'], egress: [] });
  });

  it('keeps peers, ipBlock except and port ranges', () => {
    const p = parse({
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchExpressions: [{ key: 'access', operator: 'In', values: ['yes'] }] } }, { ipBlock: { cidr: '198.18.0.0/15', except: ['198.19.0.0/24'] } }],
        ports: [{ protocol: 'UDP', port: 5000, endPort: 5010 }, { port: '8080' }] }],
    });
    expect(p.ingress[0]!.peers).toEqual([
      { kind: 'selector', namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [] }, podSelector: { matchLabels: {}, matchExpressions: [{ key: 'access', operator: 'In', values: ['yes'] }] } },
      { kind: 'ipBlock', ipBlock: { cidr: '198.18.0.0/15', except: ['198.19.0.0/24'] } },
    ]);
    expect(p.ingress[0]!.ports).toEqual([{ protocol: 'UDP', port: 5000, endPort: 5010 }, { protocol: 'TCP', port: 8080 }]);
  });

  it.each([
    [{ podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] }, /named port http is not supported/],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/8' } }] }] }, /IPv6 is not supported/],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }] }] }, /except\[0\] 192.168.0.0\/16 is not inside 10.0.0.0\/8/],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, /ipBlock cannot be combined/],
    [{ podSelector: {}, ingress: [{ from: [{}] }] }, /needs podSelector, namespaceSelector or ipBlock/],
    [{ podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, /invalid end port 80/],
    [{ podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP' }] }] }, /unsupported protocol ICMP/],
    [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] } }, /unknown operator Gt/],
    [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, /operator In needs values/],
    [{ podSelector: {}, policyTypes: ['Ingress'], egress: [{}] }, /policyTypes has no Egress/],
    [{ podSelector: {}, ingress: [{ form: [] }] }, /unsupported field spec.ingress\[0\].form/],
    [{ ingress: [] }, /spec.podSelector is required/],
  ])('refuses %j', (spec, message) => {
    expect(() => parse(spec as Record<string, unknown>)).toThrow(message);
  });

  it('refuses other kinds, versions and bad names', () => {
    expect(() => parsePolicy({ ...doc({ podSelector: {} }), kind: 'Pod' }, 't')).toThrow(/unsupported kind Pod/);
    expect(() => parsePolicy({ ...doc({ podSelector: {} }), apiVersion: 'extensions/v1beta1' }, 't')).toThrow(/unsupported apiVersion/);
    expect(() => parse({ podSelector: {} }, { name: 'Bad_Name' })).toThrow(/invalid metadata.name/);
    expect(() => parse({ podSelector: {} }, { name: 'x', uid: '1' })).toThrow(/unsupported field metadata.uid/);
  });
});

describe('selectors', () => {
  const sel = (matchLabels: Record<string, string>, matchExpressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] }[] = []) => ({ matchLabels, matchExpressions });
  it('matches as Kubernetes label selectors', () => {
    expect(selectorMatches(sel({}), {})).toBe(true);
    expect(selectorMatches(sel({ a: '1' }), { a: '1', b: '2' })).toBe(true);
    expect(selectorMatches(sel({ a: '1' }), { a: '2' })).toBe(false);
    expect(selectorMatches(sel({}, [{ key: 'a', operator: 'In', values: ['1', '2'] }]), { a: '2' })).toBe(true);
    expect(selectorMatches(sel({}, [{ key: 'a', operator: 'In', values: ['1'] }]), {})).toBe(false);
    expect(selectorMatches(sel({}, [{ key: 'a', operator: 'NotIn', values: ['1'] }]), {})).toBe(true);
    expect(selectorMatches(sel({}, [{ key: 'a', operator: 'NotIn', values: ['1'] }]), { a: '1' })).toBe(false);
    expect(selectorMatches(sel({}, [{ key: 'a', operator: 'Exists', values: [] }]), { a: '' })).toBe(true);
    expect(selectorMatches(sel({}, [{ key: 'a', operator: 'DoesNotExist', values: [] }]), { a: '' })).toBe(false);
    expect(selectorMatches(sel({ a: '1' }, [{ key: 'b', operator: 'Exists', values: [] }]), { a: '1' })).toBe(false);
  });
  it('gives every network its name label, and prints selectors as kubectl', () => {
    expect(networkLabels({ name: 'restricted', labels: { team: 'a' } })).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'restricted' });
    expect(selectorText(sel({ app: 'web' }, [{ key: 't', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist', values: [] }]))).toBe('app=web,t in (a,b),!x');
    expect(selectorText(sel({}))).toBe('<none>');
  });
});

describe('renderPolicies', () => {
  const nets: PolicyNetwork[] = [
    { name: 'restricted', labels: {}, members: [{ containerId: 'web', ip: '10.1.0.2' }, { containerId: 's1', ip: '10.1.0.3' }, { containerId: 's2', ip: '10.1.0.4' }] },
    { name: 'bridge', labels: {}, members: [{ containerId: 's1', ip: '10.2.0.3' }, { containerId: 's2', ip: '10.2.0.4' }, { containerId: 'other', ip: '10.2.0.9' }] },
  ];
  const labels: Record<string, Record<string, string>> = { web: { app: 'web' }, s1: { access: 'yes' }, s2: { access: 'noway' } };
  const lab = parse({
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'bridge' } }, podSelector: { matchLabels: { access: 'yes' } } }], ports: [{ port: 80 }] }],
  }, { name: 'mynp', namespace: 'restricted' });

  it('with no policy, only removes the table', () => {
    expect(renderPolicies('t', [], nets, (id) => labels[id])).toBe('add table ip t_policy\ndelete table ip t_policy\n');
  });

  it('jumps only for selected addresses; peers are all addresses of matching containers', () => {
    const s = renderPolicies('t', [lab], nets, (id) => labels[id]);
    expect(s).toContain('elements = { 10.1.0.2 : jump ingress }');
    expect(s).not.toMatch(/map egress_sel \{\n {4}type ipv4_addr : verdict;\n {4}elements/);
    // sleepybox1 is in the bridge network with access=yes: both its addresses are the peer
    expect(s).toContain('set p0_in0_0 {\n    type ipv4_addr; comment "restricted/mynp ingress[0] peer 0"\n    elements = { 10.1.0.3, 10.2.0.3 }');
    expect(s).toContain('ip daddr @p0_sel ip saddr @p0_in0_0 meta l4proto tcp th dport 80 return');
    expect(s.indexOf('ct state established,related accept')).toBeLessThan(s.indexOf('ip daddr @p0_sel'));
    expect(s.trimEnd().split('\n').filter((l) => l.includes('10.2.0.9'))).toEqual([]);
    expect(selectedAddresses(lab, nets, (id) => labels[id])).toEqual(['10.1.0.2']);
  });

  it('an egress policy without rules leaves only the final drop; policies add up', () => {
    const deny = parse({ podSelector: { matchLabels: { access: 'noway' } }, policyTypes: ['Egress'] }, { name: 'deny', namespace: 'bridge' });
    const allow = parse({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: [{ protocol: 'UDP', port: 53 }] }], policyTypes: ['Egress'] }, { name: 'dns', namespace: 'bridge' });
    const one = renderPolicies('t', [deny], nets, (id) => labels[id]);
    expect(one).toContain('elements = { 10.1.0.4 : jump egress, 10.2.0.4 : jump egress }');
    expect(one).toMatch(/chain egress \{\n {4}ct state established,related accept\n {4}drop/);
    const both = renderPolicies('t', [deny, allow], nets, (id) => labels[id]);
    expect(both).toContain('ip saddr @p1_sel ip daddr 10.9.0.0/16 meta l4proto udp th dport 53 return');
    expect(both).toContain('10.2.0.9 : jump egress');
  });
});

describe('PolicyEnforcer', () => {
  const rec = (name: string, eps: [string, string][]): NetworkRecord => ({
    id: name, name, driver: 'bridge', internal: false, builtin: false, created: '', labels: {},
    endpoints: Object.fromEntries(eps.map(([c, ip]) => [c, { containerId: c, containerName: c, pid: 1, ifName: 'eth0', hostVeth: 'v', ip, mac: '', aliases: [], ports: [] }])),
  });
  it('applies one transaction, turns br_netfilter on while policies exist, and skips an unchanged table', async () => {
    const os = new FakeOs();
    const e = new PolicyEnforcer('t', os);
    const policies = [parse({ podSelector: {}, policyTypes: ['Egress'] })];
    e.setSource({ policies: () => policies, labels: () => ({}) });
    await e.refresh([rec('bridge', [['a', '10.0.0.2']])]);
    await e.refresh([rec('bridge', [['a', '10.0.0.2']])]);
    expect(os.calls.length).toBe(1);
    expect(os.calls[0]!.args).toEqual(['-f', '-']);
    expect(os.calls[0]!.input).toContain('10.0.0.2 : jump egress');
    expect(os.sysctls).toEqual([[BRIDGE_NF_SYSCTL, '1']]);
    await e.refresh([rec('bridge', [['a', '10.0.0.2'], ['b', '10.0.0.3']])]);
    expect(os.calls.length).toBe(2);
    policies.length = 0;
    await e.refresh([rec('bridge', [])]);
    expect(os.calls[2]!.input).toBe('add table ip t_policy\ndelete table ip t_policy\n');
    // the last policy gone: the host's setting as it was found
    expect(os.sysctls).toEqual([[BRIDGE_NF_SYSCTL, '1'], [BRIDGE_NF_SYSCTL, '0']]);
  });
  it('loads br_netfilter when it is not loaded (a fresh Debian), and puts back 0 after the last policy', async () => {
    const os = new FakeOs();
    os.absentSysctls.add(BRIDGE_NF_SYSCTL);
    const e = new PolicyEnforcer('t', os);
    const policies = [parse({ podSelector: {}, policyTypes: ['Egress'] })];
    e.setSource({ policies: () => policies, labels: () => ({}) });
    await e.refresh([rec('bridge', [['a', '10.0.0.2']])]);
    expect(os.calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual(['modprobe br_netfilter', 'nft -f -']);
    expect(os.sysctls).toEqual([[BRIDGE_NF_SYSCTL, '1']]);
    policies.length = 0;
    await e.refresh([rec('bridge', [])]);
    expect(os.sysctls).toEqual([[BRIDGE_NF_SYSCTL, '1'], [BRIDGE_NF_SYSCTL, '0']]);
  });
  it('a failed apply is tried again next time', async () => {
    const os = new FakeOs();
    os.fail = () => 'Error: boom';
    const e = new PolicyEnforcer('t', os);
    await expect(e.refresh([])).rejects.toThrow();
    os.fail = () => undefined;
    await e.refresh([]);
    expect(os.calls.length).toBe(2);
  });
});

describe('decodeDocuments', () => {
  it('reads every YAML document and names the file on a syntax error', () => {
    const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}\n---\n---\nkind: NetworkPolicy\nmetadata:\n  name: b\n';
    expect(decodeDocuments(text, 'f.yaml')).toEqual([
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a' }, spec: { podSelector: {} } },
      { kind: 'NetworkPolicy', metadata: { name: 'b' } },
    ]);
    expect(() => decodeDocuments('a: [1,\n', 'f.yaml')).toThrow(/^f.yaml: /);
    expect(() => decodeDocuments('', 'f.yaml')).toThrow(/f.yaml: no document/);
  });
});
