// Kubernetes label selector matching (apimachinery's LabelSelectorAsSelector semantics):
// matchLabels and matchExpressions are ANDed; an empty selector matches everything.
import type { LabelSelector } from './types.js';

export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.operator) {
      case 'In': if (!has || !r.values.includes(labels[r.key]!)) return false; break;
      case 'NotIn': if (has && r.values.includes(labels[r.key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** The label Kubernetes puts on every namespace (1.21+), given to every network: its name. */
export const NAME_LABEL = 'kubernetes.io/metadata.name';

export function networkLabels(net: { name: string; labels: Record<string, string> }): Record<string, string> {
  return { ...net.labels, [NAME_LABEL]: net.name };
}
