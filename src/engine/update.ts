// POST /containers/{id}/update (docker update): new resource limits, validated with docker's
// messages, applied to a running container's cgroup and kept in the record for the next start.
import { invalidArgument } from '../errors.js';
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

/**
 * minidock's `update --label k=v` (docker has none): sets labels on a container, then
 * enforces the network policies again, since labels decide which policies select it.
 */
export async function updateLabels(core: EngineCore, ref: string, labels: Record<string, string>): Promise<void> {
  if (!labels || typeof labels !== 'object' || Array.isArray(labels) || Object.keys(labels).length === 0) throw invalidArgument('no label given');
  for (const [k, v] of Object.entries(labels)) {
    if (!k) throw invalidArgument('invalid label: empty key');
    if (typeof v !== 'string') throw invalidArgument(`invalid label ${k}: the value must be a string`);
  }
  const id = core.store.find(ref).Id;
  await core.lock(id).run(async () => {
    const rec = core.store.find(id);
    rec.Config.Labels = { ...(rec.Config.Labels ?? {}), ...labels };
    await core.store.save(rec);
    await core.services.network.refreshPolicies();
    core.emit(rec, 'update');
  });
}
