// Linux capability names and numbers (include/uapi/linux/capability.h), the spec's
// `cap_bounding` / `cap_permitted` lines carry the numbers.
import { InvalidSpec } from '../../errors.js';

export const CAPABILITY_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5,
  CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_LINUX_IMMUTABLE: 9, CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_IPC_LOCK: 14, CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16, CAP_SYS_RAWIO: 17, CAP_SYS_CHROOT: 18, CAP_SYS_PTRACE: 19, CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21, CAP_SYS_BOOT: 22, CAP_SYS_NICE: 23, CAP_SYS_RESOURCE: 24, CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26, CAP_MKNOD: 27, CAP_LEASE: 28, CAP_AUDIT_WRITE: 29, CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31, CAP_MAC_OVERRIDE: 32, CAP_MAC_ADMIN: 33, CAP_SYSLOG: 34, CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36, CAP_AUDIT_READ: 37, CAP_PERFMON: 38, CAP_BPF: 39, CAP_CHECKPOINT_RESTORE: 40,
});

/** Every capability the kernel headers name (what --privileged grants). */
export const ALL_CAPABILITIES: readonly string[] = Object.freeze(Object.keys(CAPABILITY_NUMBERS));

/** The number of a capability given as docker accepts it: `CAP_CHOWN`, `chown`, `Chown`. */
export function capabilityNumber(name: string): number {
  const upper = name.toUpperCase();
  const n = CAPABILITY_NUMBERS[upper.startsWith('CAP_') ? upper : `CAP_${upper}`];
  if (n === undefined) throw new InvalidSpec('capability', name, 'unknown capability');
  return n;
}

/** The kernel's 64-bit mask of a capability list, as /proc/<pid>/status prints it (16 hex digits). */
export function capabilityMask(names: readonly string[]): string {
  let mask = 0n;
  for (const n of names) mask |= 1n << BigInt(capabilityNumber(n));
  return mask.toString(16).padStart(16, '0');
}
