// Known, intended differences between docker and minidock, each with its reason.
// A difference listed here turns a mismatch of that scenario/step/field into
// "intended difference"; anything else that differs is a MISMATCH. Each entry checks that
// the difference is the known one, so a new difference in the same place still fails.
import type { IntendedDifference } from './types.js';

export const differences: IntendedDifference[] = [
  {
    scenario: 'net-user',
    step: 'resolv.conf',
    field: 'stdout',
    reason: 'minidock answers container DNS on the network gateway address, docker on 127.0.0.11 inside each netns (NAT-redirected); resolution itself is compared in the dns scenario',
    applies: (d, m) => /^nameserver 127\.0\.0\.11\b/.test(d) && /^nameserver <ip\d+>$/m.test(m),
  },
  {
    scenario: 'reachability',
    step: 'ps ports',
    field: 'stdout',
    reason: 'minidock publishes ports on IPv4 only; docker also lists the [::] binding',
    applies: (d, m) => d.replace(/, \[::\]:<port:\w+>->\d+\/(tcp|udp)/g, '') === m,
  },
  {
    scenario: 'storage',
    step: 'bind: a host root-only file',
    field: 'stdout',
    reason: 'minidock runs containers in a user namespace by default (docker without userns-remap does not): container root is an unprivileged host uid, and binds are not idmapped, so a 0600 file of host root is not readable to it (docker with userns-remap behaves the same)',
    applies: (d, m) => d === 'secret' && m === 'denied',
  },
];
