// cgroups for minidock containers (issue 9): one cgroup per container, limits with docker's
// validation, freeze/thaw, OOM detection, stats in the Engine API shape.
//
// Interface for the runtime/engine (wire-up contract):
//
//   const layout = await Cgroups.detect();          // reads /proc/self/mountinfo once; parent from
//                                                    // MINIDOCK_CGROUP_PARENT (default "minidock")
//   const { warnings } = await layout.validate(l);  // at container create: docker's 400 errors + warnings
//   const cg = await layout.create(id, limits);     // before the process runs: <parent>/<id> exists,
//                                                    // limits applied (v1 also docker's device allow-list)
//   await cg.addProcess(shimChildPid);              // move the container's init before it execs
//                                                    // (children follow); or have the shim write it
//   cg.update(l) (docker update, fields given replace the recorded ones) · cg.freeze()/thaw()
//   (pause/unpause) · cg.oomKilled() (State.OOMKilled at exit) · cg.stats() (+ parseNetDev on
//   /proc/<pid>/net/dev for "networks"; the engine adds read/preread/precpu_stats/name/id) ·
//   cg.pids() (top) · cg.destroy() (container removal/exit: kills leftovers, rmdirs, throws
//   TeardownError listing every failure) · layout.open(id, recordedLimits) after an engine restart.
//
// Layouts: v1 (including hybrid hosts, whose cgroup2 at /sys/fs/cgroup/unified has no
// controllers) uses one directory per controller; pure v2 uses <root>/<parent>/<id> with the
// controllers enabled down the parent chain. Mount roots are parameters (Cgroups.v1/v2) so
// tests can drive a fake tree. v2 device control would need an eBPF program and is not done;
// v2 refuses --oom-kill-disable (no equivalent).
import fs from 'node:fs/promises';
import { defaultHostFiles } from './host.js';
import { detectMounts, type V1Controller } from './mountinfo.js';
import type { CgroupLayout, HostFiles } from './types.js';
import { V1Layout } from './v1.js';
import { V2Layout } from './v2.js';

export interface CgroupOptions {
  /** Parent below each hierarchy root; default MINIDOCK_CGROUP_PARENT or "minidock". */
  parent?: string;
  /** Host files (tests): /proc and the online CPU list. */
  host?: Partial<HostFiles>;
}

function resolve(opts: CgroupOptions, env: NodeJS.ProcessEnv): { parent: string; host: HostFiles } {
  return { parent: opts.parent ?? env.MINIDOCK_CGROUP_PARENT ?? 'minidock', host: { ...defaultHostFiles(), ...opts.host } };
}

export const Cgroups = {
  /** Detect the layout from mountinfo text (default: read /proc/self/mountinfo). */
  async detect(opts: CgroupOptions & { mountinfo?: string } = {}, env: NodeJS.ProcessEnv = process.env): Promise<CgroupLayout> {
    const { parent, host } = resolve(opts, env);
    const mounts = detectMounts(opts.mountinfo ?? (await fs.readFile('/proc/self/mountinfo', 'utf8')));
    return mounts.version === 1 ? new V1Layout(mounts.controllers, parent, host) : new V2Layout(mounts.root, parent, host);
  },
  /** A v1 layout over the given controller mount points. */
  v1(controllers: Record<V1Controller, string>, opts: CgroupOptions = {}, env: NodeJS.ProcessEnv = process.env): CgroupLayout {
    const { parent, host } = resolve(opts, env);
    return new V1Layout(controllers, parent, host);
  },
  /** A v2 layout over the given cgroup2 mount point. */
  v2(root: string, opts: CgroupOptions = {}, env: NodeJS.ProcessEnv = process.env): CgroupLayout {
    const { parent, host } = resolve(opts, env);
    return new V2Layout(root, parent, host);
  },
};

export type * from './types.js';
export { CgroupError } from './files.js';
export { DEFAULT_DEVICE_ALLOW, DEFAULT_DEVICE_DENY } from './devices.js';
export {
  cpuMaxFromNanoCpus, cpuMaxLine, cpuWeightFromShares, MIN_MEMORY, parseCpuList, swapMaxV2, validateLimits,
} from './limits.js';
export { detectMounts, parseCgroupMounts, V1_CONTROLLERS, type CgroupMounts, type V1Controller } from './mountinfo.js';
export { parseNetDev, parseProcStat } from './stats-parse.js';
