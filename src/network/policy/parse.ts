// Checks a Kubernetes networking.k8s.io/v1 NetworkPolicy object (already decoded from YAML
// or JSON) and normalises it into the model of types.ts, with Kubernetes' defaults: protocol
// TCP, policyTypes [Ingress] plus Egress when an egress section is present. Every field that
// is not understood is refused by name, never ignored.
import { invalidArgument } from '../../errors.js';
import { contains, parseCidr } from '../cidr.js';
import type { IpBlock, LabelRequirement, LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule } from './types.js';

type Obj = Record<string, unknown>;

/** docker's default network stands for Kubernetes' `default` namespace (NetworkMode "default" is the bridge). */
export const DEFAULT_NAMESPACE_NETWORK = 'bridge';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fields(v: unknown, at: string, allowed: string[]): Obj {
  if (!isObj(v)) throw invalidArgument(`network policy: ${at} must be an object`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw invalidArgument(`network policy: unsupported field ${at}.${k}`);
  return v;
}

function list(v: unknown, at: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidArgument(`network policy: ${at} must be a list`);
  return v;
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw invalidArgument(`network policy: ${at} must be a string`);
  return v;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function stringMap(v: unknown, at: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw invalidArgument(`network policy: ${at} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = str(x, `${at}.${k}`);
  return out;
}

export function parseSelector(v: unknown, at: string): LabelSelector {
  if (v === undefined || v === null) return { matchLabels: {}, matchExpressions: [] };
  const o = fields(v, at, ['matchLabels', 'matchExpressions']);
  const matchExpressions = list(o.matchExpressions, `${at}.matchExpressions`).map((e, i): LabelRequirement => {
    const where = `${at}.matchExpressions[${i}]`;
    const r = fields(e, where, ['key', 'operator', 'values']);
    const key = str(r.key, `${where}.key`);
    const operator = str(r.operator, `${where}.operator`);
    const values = list(r.values, `${where}.values`).map((x, j) => str(x, `${where}.values[${j}]`));
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) throw invalidArgument(`network policy: ${where}: operator ${operator} needs values`);
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length) throw invalidArgument(`network policy: ${where}: operator ${operator} takes no values`);
    } else {
      throw invalidArgument(`network policy: ${where}.operator: unknown operator ${operator} (In, NotIn, Exists, DoesNotExist)`);
    }
    return { key, operator, values };
  });
  return { matchLabels: stringMap(o.matchLabels, `${at}.matchLabels`), matchExpressions };
}

function parseIpBlock(v: unknown, at: string): IpBlock {
  const o = fields(v, at, ['cidr', 'except']);
  const cidrText = str(o.cidr, `${at}.cidr`);
  if (cidrText.includes(':')) throw invalidArgument(`network policy: ${at}.cidr ${cidrText}: IPv6 is not supported (minidock networks are IPv4)`);
  const cidr = parseCidr(cidrText, true);
  const except = list(o.except, `${at}.except`).map((x, i) => {
    const text = str(x, `${at}.except[${i}]`);
    const c = parseCidr(text, true);
    if (c.prefix < cidr.prefix || !contains(cidr, c.base)) throw invalidArgument(`network policy: ${at}.except[${i}] ${text} is not inside ${cidrText}`);
    return text;
  });
  return { cidr: cidrText, except };
}

function parsePeer(v: unknown, at: string): PolicyPeer {
  const o = fields(v, at, ['podSelector', 'namespaceSelector', 'ipBlock']);
  if (o.ipBlock !== undefined) {
    if (o.podSelector !== undefined || o.namespaceSelector !== undefined) throw invalidArgument(`network policy: ${at}: ipBlock cannot be combined with a selector`);
    return { kind: 'ipBlock', ipBlock: parseIpBlock(o.ipBlock, `${at}.ipBlock`) };
  }
  if (o.podSelector === undefined && o.namespaceSelector === undefined) throw invalidArgument(`network policy: ${at}: needs podSelector, namespaceSelector or ipBlock`);
  return {
    kind: 'selector',
    podSelector: o.podSelector === undefined ? null : parseSelector(o.podSelector, `${at}.podSelector`),
    namespaceSelector: o.namespaceSelector === undefined ? null : parseSelector(o.namespaceSelector, `${at}.namespaceSelector`),
  };
}

function parsePort(v: unknown, at: string): PolicyPort {
  const o = fields(v, at, ['protocol', 'port', 'endPort']);
  const protocol = o.protocol === undefined ? 'TCP' : str(o.protocol, `${at}.protocol`);
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw invalidArgument(`network policy: ${at}.protocol: unsupported protocol ${protocol} (TCP, UDP, SCTP)`);
  const out: PolicyPort = { protocol };
  if (o.port !== undefined) {
    if (typeof o.port === 'string' && !/^\d+$/.test(o.port)) throw invalidArgument(`network policy: ${at}.port: named port ${o.port} is not supported (containers have no named ports): give a number`);
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidArgument(`network policy: ${at}.port: invalid port ${String(o.port)}`);
    out.port = port;
  }
  if (o.endPort !== undefined) {
    if (out.port === undefined) throw invalidArgument(`network policy: ${at}.endPort needs a numeric port`);
    const end = Number(o.endPort);
    if (typeof o.endPort !== 'number' || !Number.isInteger(end) || end < out.port || end > 65535) throw invalidArgument(`network policy: ${at}.endPort: invalid end port ${String(o.endPort)} (from ${out.port} to 65535)`);
    out.endPort = end;
  }
  return out;
}

function parseRule(v: unknown, at: string, peerKey: 'from' | 'to'): PolicyRule {
  const o = fields(v ?? {}, at, [peerKey, 'ports']);
  const peersRaw = list(o[peerKey], `${at}.${peerKey}`);
  return {
    peers: peersRaw.length === 0 ? null : peersRaw.map((p, i) => parsePeer(p, `${at}.${peerKey}[${i}]`)),
    ports: list(o.ports, `${at}.ports`).map((p, i) => parsePort(p, `${at}.ports[${i}]`)),
  };
}

/** One decoded document; `created` is the time of this apply. */
export function parsePolicy(doc: unknown, created: string): NetworkPolicy {
  const top = fields(doc, 'document', ['apiVersion', 'kind', 'metadata', 'spec']);
  if (top.kind !== 'NetworkPolicy') throw invalidArgument(`network policy: unsupported kind ${String(top.kind)} (only NetworkPolicy)`);
  if (top.apiVersion !== 'networking.k8s.io/v1') throw invalidArgument(`network policy: unsupported apiVersion ${String(top.apiVersion)} (networking.k8s.io/v1)`);
  const meta = fields(top.metadata, 'metadata', ['name', 'namespace', 'labels', 'annotations']);
  const name = str(meta.name, 'metadata.name');
  if (!NAME_RE.test(name)) throw invalidArgument(`network policy: invalid metadata.name ${JSON.stringify(name)} (lower-case letters, digits, '-' and '.')`);
  stringMap(meta.labels, 'metadata.labels');
  stringMap(meta.annotations, 'metadata.annotations');
  const ns = meta.namespace === undefined ? 'default' : str(meta.namespace, 'metadata.namespace');
  const namespace = ns === 'default' ? DEFAULT_NAMESPACE_NETWORK : ns;
  const spec = fields(top.spec, 'spec', ['podSelector', 'policyTypes', 'ingress', 'egress']);
  if (spec.podSelector === undefined) throw invalidArgument('network policy: spec.podSelector is required ({} selects every container)');
  const ingress = list(spec.ingress, 'spec.ingress').map((r, i) => parseRule(r, `spec.ingress[${i}]`, 'from'));
  const egress = list(spec.egress, 'spec.egress').map((r, i) => parseRule(r, `spec.egress[${i}]`, 'to'));
  let policyTypes: ('Ingress' | 'Egress')[];
  if (spec.policyTypes === undefined) {
    policyTypes = spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
  } else {
    policyTypes = list(spec.policyTypes, 'spec.policyTypes').map((t, i) => {
      if (t !== 'Ingress' && t !== 'Egress') throw invalidArgument(`network policy: spec.policyTypes[${i}]: unknown type ${String(t)} (Ingress, Egress)`);
      return t;
    });
    policyTypes = [...new Set(policyTypes)];
  }
  if (ingress.length && !policyTypes.includes('Ingress')) throw invalidArgument('network policy: spec.ingress given but policyTypes has no Ingress');
  if (egress.length && !policyTypes.includes('Egress')) throw invalidArgument('network policy: spec.egress given but policyTypes has no Egress');
  return { name, namespace, podSelector: parseSelector(spec.podSelector, 'spec.podSelector'), policyTypes, ingress, egress, created, source: doc };
}
