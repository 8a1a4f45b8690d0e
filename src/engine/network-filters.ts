// GET /networks `filters` as dockerd reads them: name (substring), id (prefix), label, driver,
// type (builtin/custom), dangling (no container). Unknown keys are refused by name.
import { invalidArgument } from '../errors.js';
import { labelMatches, parseFilters } from './container-filters.js';
import type { NetworkRecord } from './services.js';

export function filterNetworks(list: NetworkRecord[], raw: string | null, inUse: (name: string) => boolean): NetworkRecord[] {
  const f = parseFilters(raw, ['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope']);
  for (const t of f.type ?? []) if (t !== 'builtin' && t !== 'custom') throw invalidArgument(`invalid filter: 'type'='${t}'`);
  for (const d of f.dangling ?? []) if (!['true', 'false', '1', '0'].includes(d)) throw invalidArgument(`invalid filter 'dangling=${d}'`);
  return list.filter((n) => {
    if (f.name && !f.name.some((v) => n.name.includes(v))) return false;
    if (f.id && !f.id.some((v) => n.id.startsWith(v))) return false;
    if (f.label && !f.label.every((l) => labelMatches(n.labels ?? {}, l))) return false;
    if (f.driver && !f.driver.includes(n.driver === 'null' ? 'null' : n.driver)) return false;
    if (f.type && !f.type.includes(n.builtin ? 'builtin' : 'custom')) return false;
    if (f.scope && !f.scope.includes('local')) return false;
    if (f.dangling) {
      const dangling = !n.builtin && !inUse(n.name);
      if (!f.dangling.some((d) => (d === 'true' || d === '1') === dangling)) return false;
    }
    return true;
  });
}
