// What crosses the socket for minidock's network policies (/minidock/policies) and label
// updates (/minidock/containers/{id}/labels): JSON bodies, defined once for both ends.

/** POST /minidock/policies: decoded Kubernetes NetworkPolicy documents (the CLI decodes the YAML). */
export interface PolicyApplyBody { Documents: unknown[] }

export interface PolicyApplyResult { Name: string; Namespace: string; Result: 'created' | 'configured' | 'unchanged' }

export interface PolicySummary {
  Name: string;
  Namespace: string;
  /** The podSelector in kubectl's form (`app=web,tier in (a,b)`; `<none>` selects every container). */
  PodSelector: string;
  PolicyTypes: string[];
  Created: string;
}

export interface PolicyDetail extends PolicySummary {
  /** Container addresses the policy selects now. */
  Selected: string[];
  /** The document as applied. */
  Source: unknown;
}

/** POST /minidock/containers/{id}/labels: labels set (added or replaced) on the container. */
export interface LabelUpdateBody { Labels: Record<string, string> }
