// POST /containers/{id}/update (docker update): new resource limits, validated with docker's
// messages, applied to a running container's cgroup and kept in the record for the next start.
import type { UpdateBody } from '../wire/api-types.js';
import type { EngineCore } from './core.js';
import { cgroupLimits, cgroupOf, updateFields } from './resources.js';

export async function updateContainer(core: EngineCore, ref: string, body: UpdateBody): Promise<{ Warnings: string[] }> {
  const fields = updateFields(body);
  const id = core.store.find(ref).Id;
  return core.lock(id).run(async () => {
    const rec = core.store.find(id);
    const merged = { ...rec.HostConfig, ...fields };
    let warnings: string[];
    if (rec.State.Status === 'running') {
      // the cgroup module validates the fields given against the recorded ones, then applies them
      warnings = (await (await cgroupOf(core, rec)).update(cgroupLimits(fields))).warnings;
    } else {
      const limits = cgroupLimits(merged);
      warnings = Object.keys(limits).length ? (await (await core.services.cgroups.layout()).validate(limits)).warnings : [];
    }
    rec.HostConfig = merged;
    await core.store.save(rec);
    core.emit(rec, 'update');
    return { Warnings: warnings };
  });
}
