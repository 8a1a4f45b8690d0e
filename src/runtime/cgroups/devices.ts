// docker's default device cgroup (v1 devices.allow/devices.deny rules): deny everything,
// then allow mknod of any char/block device and use of the standard nodes (moby
// oci/devices_linux.go + oci/defaults.go DefaultLinuxSpec). v2 needs an eBPF program
// attached to the cgroup, which minidock does not do (see index.ts).

/** A rule line as written to devices.allow / devices.deny: "c 1:3 rwm". */
export const DEFAULT_DEVICE_DENY = 'a';
export const DEFAULT_DEVICE_ALLOW: readonly string[] = [
  'c *:* m', // mknod of any char device
  'b *:* m', // mknod of any block device
  'c 1:3 rwm', // /dev/null
  'c 1:5 rwm', // /dev/zero
  'c 1:7 rwm', // /dev/full
  'c 1:8 rwm', // /dev/random
  'c 1:9 rwm', // /dev/urandom
  'c 5:0 rwm', // /dev/tty
  'c 5:1 rwm', // /dev/console
  'c 5:2 rwm', // /dev/ptmx
  'c 136:* rwm', // /dev/pts/*
  'c 10:200 rwm', // /dev/net/tun
];
