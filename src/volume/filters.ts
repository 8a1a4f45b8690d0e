// `docker volume ls --filter` and `docker volume prune --filter` semantics (moby's
// volume/service convert.go and filters.Args). Pure.
import { invalidArgument } from '../errors.js';
import { ANONYMOUS_LABEL, type VolumeRecord } from './types.js';

/** A filter name -> its values (the API also sends {value: true} maps: see normalizeFilters). */
export type VolumeFilters = Record<string, string[]>;

export const LIST_FILTERS = new Set(['dangling', 'name', 'driver', 'label']);
export const PRUNE_FILTERS = new Set(['label', 'label!', 'all']);

/** Accepts both API forms: {"name": ["x"]} and the older {"name": {"x": true}}. */
export function normalizeFilters(input: Record<string, string[] | Record<string, boolean>> | null | undefined): VolumeFilters {
  const out: VolumeFilters = {};
  for (const [k, v] of Object.entries(input ?? {})) out[k] = Array.isArray(v) ? v.map(String) : Object.keys(v).filter((x) => v[x]);
  return out;
}

const invalidFilter = (key: string, values?: string[]) =>
  invalidArgument(`invalid filter '${key}${values ? `=${values.join(',')}` : ''}'`);

function validate(f: VolumeFilters, accepted: Set<string>): void {
  for (const k of Object.keys(f)) if (!accepted.has(k)) throw invalidFilter(k);
}

/** filters.Args.GetBoolOrDefault */
function boolFilter(f: VolumeFilters, key: string): boolean | undefined {
  const vals = f[key];
  if (!vals || vals.length === 0) return undefined;
  if (vals.length > 1) throw invalidFilter(key, vals);
  const v = vals[0];
  if (v.toLowerCase() === 'true' || v === '1') return true;
  if (v.toLowerCase() === 'false' || v === '0') return false;
  throw invalidFilter(key, vals);
}

/** filters.Args.Match: a value matches exactly, or as a regular expression anywhere in the field. */
function matches(field: string, patterns: string[]): boolean {
  return patterns.some((p) => {
    if (p === field) return true;
    try { return new RegExp(p).test(field); } catch { return false; /* an invalid pattern matches nothing, as Go's Match */ }
  });
}

/** `label=key` (present) or `label=key=value`, every one required. */
function labelsMatch(labels: Record<string, string>, wanted: string[]): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i === -1) return Object.hasOwn(labels, w);
    return Object.hasOwn(labels, w.slice(0, i)) && labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

export type InUse = (name: string) => string[];

/** The predicate of `volume ls` filters. */
export function listPredicate(f: VolumeFilters, inUse: InUse): (v: VolumeRecord) => boolean {
  validate(f, LIST_FILTERS);
  const dangling = boolFilter(f, 'dangling');
  return (v) => {
    if (f.driver?.length && !f.driver.includes(v.driver)) return false;
    if (f.name?.length && !matches(v.name, f.name)) return false;
    if (f.label?.length && !labelsMatch(v.labels, f.label)) return false;
    if (dangling !== undefined && (inUse(v.name).length === 0) !== dangling) return false;
    return true;
  };
}

/**
 * The predicate of `volume prune` filters: unused local volumes without mount options (no
 * space to reclaim in those), anonymous ones only unless `all=true` (API >= 1.42).
 */
export function prunePredicate(f: VolumeFilters, inUse: InUse): (v: VolumeRecord) => boolean {
  validate(f, PRUNE_FILTERS);
  const all = f.all ?? [];
  if (all.length > 1) throw invalidArgument(`invalid filter 'all=${all.join(',')}': only one value is expected`);
  let everyVolume = false;
  if (all.length === 1) {
    const v = all[0];
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) everyVolume = true;
    else if (!['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) throw invalidArgument(`invalid filter 'all': strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  const labels = [...(f.label ?? []), ...(everyVolume ? [] : [ANONYMOUS_LABEL])];
  const notLabels = f['label!'] ?? [];
  return (v) => v.driver === 'local' && v.options === null && inUse(v.name).length === 0
    && labelsMatch(v.labels, labels) && !(notLabels.length > 0 && labelsMatch(v.labels, notLabels));
}
