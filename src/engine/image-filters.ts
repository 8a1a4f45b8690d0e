// GET /images/json `filters` as dockerd reads them: reference (a name pattern, `*` within a path
// component, tag optional), label, dangling (untagged or not), before/since (another image).
// Unknown keys are refused by name.
import { invalidArgument } from '../errors.js';
import { labelMatches, parseFilters } from './container-filters.js';
import type { ImageRecord } from './services.js';

/** docker's reference filter: path.Match on the familiar name, with or without the tag. */
function referenceMatches(pattern: string, repoTag: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  const name = repoTag.slice(0, repoTag.lastIndexOf(':') > repoTag.lastIndexOf('/') ? repoTag.lastIndexOf(':') : repoTag.length);
  return re.test(repoTag) || re.test(name);
}

export function filterImages(list: ImageRecord[], raw: string | null): ImageRecord[] {
  const f = parseFilters(raw, ['reference', 'label', 'dangling', 'before', 'since']);
  for (const d of f.dangling ?? []) if (!['true', 'false', '1', '0'].includes(d)) throw invalidArgument(`invalid filter 'dangling=${d}'`);
  const created = (ref: string) => {
    const img = list.find((i) => i.id === ref || i.id.startsWith(`sha256:${ref}`) || i.repoTags.includes(ref) || i.repoTags.includes(`${ref}:latest`));
    if (!img) throw invalidArgument(`No such image: ${ref}`);
    return img.created;
  };
  const before = f.before?.map(created);
  const since = f.since?.map(created);
  const refs = f.reference;
  const matching = (names: string[], nameOf: (n: string) => string) => (refs ? names.filter((n) => refs.some((p) => referenceMatches(p, nameOf(n)))) : names);
  return list.filter((img) => {
    if (refs && matching(img.repoTags, (t) => t).length === 0) return false;
    if (f.label && !f.label.every((l) => labelMatches(img.config.Labels ?? {}, l))) return false;
    if (f.dangling && !f.dangling.some((d) => (d === 'true' || d === '1') === (img.repoTags.length === 0))) return false;
    if (before && !before.every((c) => img.created < c)) return false;
    if (since && !since.every((c) => img.created > c)) return false;
    return true;
  // as dockerd: with a reference filter an image lists only the tags and digests that matched
  }).map((img) => (refs ? { ...img, repoTags: matching(img.repoTags, (t) => t), repoDigests: matching(img.repoDigests, (d) => d.slice(0, d.indexOf('@'))) } : img));
}
