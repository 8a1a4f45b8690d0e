// The network policy model (Kubernetes networking.k8s.io/v1 NetworkPolicy, checked and
// normalised by parse.ts), defined once here. A Kubernetes namespace is a minidock network:
// `namespace` names the network the policy lives in; a container is "in" every network it
// has an endpoint on, and a selected container is selected with all its addresses.

export interface LabelRequirement { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] }

/** A Kubernetes LabelSelector: every matchLabels pair and every requirement must hold; empty selects all. */
export interface LabelSelector { matchLabels: Record<string, string>; matchExpressions: LabelRequirement[] }

export interface IpBlock { cidr: string; except: string[] }

/** One `from`/`to` entry: pods (in the policy's network, or in the networks namespaceSelector picks), or an ipBlock. */
export type PolicyPeer =
  | { kind: 'selector'; podSelector: LabelSelector | null; namespaceSelector: LabelSelector | null }
  | { kind: 'ipBlock'; ipBlock: IpBlock };

export interface PolicyPort { protocol: 'TCP' | 'UDP' | 'SCTP'; port?: number; endPort?: number }

/** An ingress or egress rule: `peers` null = any peer (field absent or empty), `ports` empty = any port. */
export interface PolicyRule { peers: PolicyPeer[] | null; ports: PolicyPort[] }

export interface NetworkPolicy {
  name: string;
  /** The minidock network standing for the Kubernetes namespace. */
  namespace: string;
  podSelector: LabelSelector;
  policyTypes: ('Ingress' | 'Egress')[];
  ingress: PolicyRule[];
  egress: PolicyRule[];
  created: string;
  /** The document as applied (for inspect). */
  source: unknown;
}

/** What enforcement needs to know about a container: its labels (addresses come from the network records). */
export type ContainerLabels = (containerId: string) => Record<string, string> | undefined;

/** Handed to the network service by the engine: the policies and the labels of containers. */
export interface PolicySource { policies(): NetworkPolicy[]; labels: ContainerLabels }
