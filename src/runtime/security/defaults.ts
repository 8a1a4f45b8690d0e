// Docker's default security settings for a container (moby oci/caps/defaults.go and
// oci/defaults.go). The engine starts from these and applies --cap-add/--cap-drop,
// --privileged and --security-opt on top; the runtime passes them to the shim as they are.
import type { ContainerSecurity, ProcessSecurity } from '../types.js';

/** Docker's default capability set (CapBnd/CapEff of a root process: 00000000a80425fb). */
export const DEFAULT_CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]);

/** Hidden from the container: files under /dev/null, directories under an empty read-only tmpfs. */
export const DEFAULT_MASKED_PATHS: readonly string[] = Object.freeze([
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
]);

/** Bound read-only over themselves. */
export const DEFAULT_READONLY_PATHS: readonly string[] = Object.freeze([
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
]);

/** Docker's defaults for a process (PID 1 or an exec). `seccomp` is null (unconfined) here:
 * the engine sets it to compileSeccomp's rules for docker's default profile. */
export function defaultProcessSecurity(): ProcessSecurity {
  return { capabilities: [...DEFAULT_CAPABILITIES], noNewPrivileges: false, seccomp: null };
}

/** Docker's defaults for a container's PID 1 (see defaultProcessSecurity). */
export function defaultSecurity(): ContainerSecurity {
  return { ...defaultProcessSecurity(), maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS] };
}
