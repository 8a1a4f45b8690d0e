// docker history: the image config's history entries, newest first, each non-empty one paired
// with the layer it created (its unpacked size). An image whose config has no history gets one
// entry per layer, as dockerd shows for such images.
import { RegistryError } from '../errors.js';

export interface HistoryEntry {
  /** the image id for the newest entry, '<missing>' for the others (dockerd) */
  id: string;
  /** unix seconds */
  created: number;
  createdBy: string;
  /** tags of the image on the newest entry */
  tags: string[];
  size: number;
  comment: string;
}

interface ConfigHistory { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }

const unix = (s: string | undefined) => { const t = Date.parse(s ?? ''); return Number.isFinite(t) ? Math.floor(t / 1000) : 0; };

/** `layerSizes` bottom first, as the config's rootfs.diff_ids. */
export function imageHistory(id: string, tags: string[], configBody: Buffer, layerSizes: number[]): HistoryEntry[] {
  let cfg: { created?: string; history?: ConfigHistory[] };
  try { cfg = JSON.parse(configBody.toString('utf8')); } catch { throw new RegistryError(`image config of ${id} is not valid json`); }
  const hist = Array.isArray(cfg.history) && cfg.history.length > 0
    ? cfg.history
    : layerSizes.map((): ConfigHistory => ({ created: cfg.created }));
  let layer = 0;
  const out: HistoryEntry[] = hist.map((h) => {
    const size = h.empty_layer ? 0 : (layerSizes[layer++] ?? 0);
    return { id: '<missing>', created: unix(h.created), createdBy: h.created_by ?? '', tags: [], size, comment: h.comment ?? '' };
  });
  out.reverse();
  out[0] = { ...out[0], id, tags };
  return out;
}
