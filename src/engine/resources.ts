// A container's resource limits from its HostConfig, as dockerd takes them: Memory,
// MemorySwap, MemoryReservation, NanoCpus, CpuShares, CpusetCpus, PidsLimit, OomKillDisable.
// Validated at create and update with docker's messages (the cgroup module's validateLimits,
// through the host's layout), converted to the cgroup module's CgroupLimits, and the one home
// of the container's cgroup handle: created before the process runs, re-opened after an
// engine restart, destroyed when the container exits or goes.
import { invalidArgument } from '../errors.js';
import type { ResourcesBody, UpdateBody } from '../wire/api-types.js';
import type { EngineCore } from './core.js';
import type { ContainerRecord, ResourceConfig } from './record.js';

export type { ResourceConfig };
import type { CgroupLimits, ContainerCgroup } from './services.js';

/** The HostConfig fields this file owns, in docker's order. */
export const RESOURCE_FIELDS = ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpusetCpus', 'PidsLimit', 'OomKillDisable'] as const;


function int(body: ResourcesBody, key: 'Memory' | 'MemorySwap' | 'MemoryReservation' | 'NanoCpus' | 'CpuShares'): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalidArgument(`invalid HostConfig.${key}: ${JSON.stringify(v)} is not an integer`);
  return v;
}

/** The record's resource fields from a create body (types checked; limits checked by checkResources). */
export function resourceConfig(body: ResourcesBody | undefined): ResourceConfig {
  const b = body ?? {};
  if (b.CpusetCpus != null && typeof b.CpusetCpus !== 'string') throw invalidArgument('invalid HostConfig.CpusetCpus: must be a string');
  if (b.PidsLimit != null && (typeof b.PidsLimit !== 'number' || !Number.isSafeInteger(b.PidsLimit))) throw invalidArgument(`invalid HostConfig.PidsLimit: ${JSON.stringify(b.PidsLimit)} is not an integer`);
  if (b.OomKillDisable != null && typeof b.OomKillDisable !== 'boolean') throw invalidArgument('invalid HostConfig.OomKillDisable: must be a boolean');
  const memory = int(b, 'Memory') ?? 0;
  const swap = int(b, 'MemorySwap') ?? 0;
  return {
    Memory: memory,
    // docker: a memory limit without --memory-swap allows as much swap again (memory + swap = 2 × memory)
    MemorySwap: memory > 0 && swap === 0 ? memory * 2 : swap,
    MemoryReservation: int(b, 'MemoryReservation') ?? 0,
    NanoCpus: int(b, 'NanoCpus') ?? 0,
    CpuShares: int(b, 'CpuShares') ?? 0,
    CpusetCpus: b.CpusetCpus ?? '',
    // docker: 0 and -1 both mean unlimited; a value ≤ 0 is kept as given
    PidsLimit: b.PidsLimit ?? null,
    OomKillDisable: b.OomKillDisable ?? null,
  };
}

/** The cgroup module's limits from the record's fields (unset fields left out). */
export function cgroupLimits(r: Partial<ResourceConfig>): CgroupLimits {
  const l: CgroupLimits = {};
  if (r.Memory) l.memory = r.Memory;
  if (r.MemorySwap) l.memorySwap = r.MemorySwap;
  if (r.MemoryReservation) l.memoryReservation = r.MemoryReservation;
  if (r.NanoCpus) l.nanoCpus = r.NanoCpus;
  if (r.CpuShares) l.cpuShares = r.CpuShares;
  if (r.CpusetCpus) l.cpusetCpus = r.CpusetCpus;
  if (r.PidsLimit) l.pidsLimit = r.PidsLimit;
  if (r.OomKillDisable) l.oomKillDisable = true;
  return l;
}

/** At create: docker's 400s for limits the host cannot honour; docker's warnings otherwise. */
export async function checkResources(core: EngineCore, r: ResourceConfig): Promise<string[]> {
  const limits = cgroupLimits(r);
  if (!Object.keys(limits).length) return [];
  const layout = await core.services.cgroups.layout();
  return (await layout.validate(limits)).warnings;
}

/** POST /containers/{id}/update's body: the resource fields given (others refused by name). */
export function updateFields(body: UpdateBody): Partial<ResourceConfig> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('request body must be a json object');
  const out: Partial<ResourceConfig> = {};
  const full = resourceConfig(body);
  for (const [key, value] of Object.entries(body)) {
    if (key === 'RestartPolicy') {
      const p = value as UpdateBody['RestartPolicy'];
      if (p && ((p.Name ?? '') !== '' || p.MaximumRetryCount)) throw invalidArgument('minidock does not support updating RestartPolicy (--restart) yet');
      continue;
    }
    if ((RESOURCE_FIELDS as readonly string[]).includes(key)) {
      if (value === null || value === undefined) continue;
      // update keeps the swap limit unless given (create's 2 × memory default is not re-applied)
      if (key === 'MemorySwap') { if (value !== 0) out.MemorySwap = value as number; continue; }
      (out as Record<string, unknown>)[key] = full[key as keyof ResourceConfig];
      continue;
    }
    // docker's update body has more fields (BlkioWeight, CpuQuota, ...): refused unless unset
    if (value === null || value === 0 || value === '' || value === false || (Array.isArray(value) && !value.length)) continue;
    throw invalidArgument(`minidock does not support updating ${key} yet`);
  }
  return out;
}

/** The container's cgroup: created before its process runs, limits applied. */
export async function createCgroup(core: EngineCore, rec: ContainerRecord): Promise<ContainerCgroup> {
  const layout = await core.services.cgroups.layout();
  // a cgroup left by a crash (engine killed before the exit was recorded) goes first
  await layout.open(rec.Id, {}).destroy();
  const cg = await layout.create(rec.Id, cgroupLimits(rec.HostConfig));
  core.cgroups.set(rec.Id, cg);
  return cg;
}

/** The handle of a running container's cgroup (re-opened after an engine restart). */
export async function cgroupOf(core: EngineCore, rec: ContainerRecord): Promise<ContainerCgroup> {
  let cg = core.cgroups.get(rec.Id);
  if (!cg) {
    cg = (await core.services.cgroups.layout()).open(rec.Id, cgroupLimits(rec.HostConfig));
    core.cgroups.set(rec.Id, cg);
  }
  return cg;
}

/** Removes the container's cgroup (nothing to do when it has none); failures are thrown together. */
export async function destroyCgroup(core: EngineCore, rec: ContainerRecord): Promise<void> {
  const cg = await cgroupOf(core, rec);
  core.cgroups.delete(rec.Id);
  await cg.destroy();
}
