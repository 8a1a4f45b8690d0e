// The volume endpoints' engine side: docker's volume create/ls/inspect/rm/prune over the
// volume service, with the in-use answers from the container records and docker's volume events.
import type { EngineCore } from './core.js';
import { normalizeFilters, type VolumeCreateOptions, type VolumeInfo, type PruneReport } from '../volume/index.js';

type ApiFilters = Record<string, string[] | Record<string, boolean>> | null | undefined;

export async function createVolume(core: EngineCore, req: VolumeCreateOptions): Promise<VolumeInfo> {
  const { volumes } = core.services;
  const existed = req.name ? await volumes.get(req.name).then(() => true, () => false) : false;
  const rec = await volumes.create(req);
  if (!existed) core.emitOther('volume', 'create', rec.name, { driver: rec.driver });
  return volumes.info(rec);
}

export async function listVolumes(core: EngineCore, filters: ApiFilters): Promise<{ Volumes: VolumeInfo[]; Warnings: string[] }> {
  const { volumes } = core.services;
  const recs = await volumes.list(normalizeFilters(filters));
  return { Volumes: await Promise.all(recs.map((r) => volumes.info(r))), Warnings: [] };
}

export async function removeVolume(core: EngineCore, name: string, force: boolean): Promise<void> {
  const existed = await core.services.volumes.get(name).then(() => true, () => false);
  await core.services.volumes.remove(name, { force });
  if (existed) core.emitOther('volume', 'destroy', name, { driver: 'local' });
}

export async function pruneVolumes(core: EngineCore, filters: ApiFilters): Promise<PruneReport> {
  const report = await core.services.volumes.prune(normalizeFilters(filters));
  for (const name of report.VolumesDeleted) core.emitOther('volume', 'destroy', name, { driver: 'local' });
  core.emitOther('volume', 'prune', '', { reclaimed: String(report.SpaceReclaimed) });
  return report;
}
