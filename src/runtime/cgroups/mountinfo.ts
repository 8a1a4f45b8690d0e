// Finding the cgroup hierarchies from /proc/self/mountinfo. Hybrid hosts (v1 controllers
// plus an empty cgroup2 at /sys/fs/cgroup/unified) are driven through v1, where the
// controllers are; a pure v2 host has one cgroup2 mount holding every controller.
import { MinidockError } from '../../errors.js';

/** The v1 controllers minidock uses. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export type CgroupMounts =
  | { version: 1; controllers: Record<V1Controller, string> }
  | { version: 2; root: string };

/** Undo mountinfo's octal escapes (\040 for a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every cgroup/cgroup2 mount: its mount point, type and super options. */
export function parseCgroupMounts(mountinfo: string): { mountPoint: string; type: 'cgroup' | 'cgroup2'; options: string[] }[] {
  const out: { mountPoint: string; type: 'cgroup' | 'cgroup2'; options: string[] }[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const type = post[0];
    if ((type !== 'cgroup' && type !== 'cgroup2') || pre[4] === undefined) continue;
    out.push({ mountPoint: unescape(pre[4]), type, options: (post[2] ?? '').split(',') });
  }
  return out;
}

/**
 * Pick the layout: v1 when the v1 controllers are mounted (all of V1_CONTROLLERS are needed,
 * a missing one is named), else v2 at the cgroup2 mount; neither is an error.
 */
export function detectMounts(mountinfo: string): CgroupMounts {
  const mounts = parseCgroupMounts(mountinfo);
  const v1 = new Map<string, string>();
  for (const m of mounts) {
    if (m.type !== 'cgroup') continue;
    for (const opt of m.options) if ((V1_CONTROLLERS as readonly string[]).includes(opt) && !v1.has(opt)) v1.set(opt, m.mountPoint);
  }
  if (v1.size > 0) {
    const missing = V1_CONTROLLERS.filter((c) => !v1.has(c));
    if (missing.length > 0) {
      throw new MinidockError('Internal', `cgroup v1 controller(s) not mounted: ${missing.join(', ')} (see /proc/self/mountinfo)`);
    }
    return { version: 1, controllers: Object.fromEntries(v1) as Record<V1Controller, string> };
  }
  const v2 = mounts.find((m) => m.type === 'cgroup2');
  if (v2) return { version: 2, root: v2.mountPoint };
  throw new MinidockError('Internal', 'no cgroup hierarchy mounted (no cgroup or cgroup2 entry in /proc/self/mountinfo)');
}
